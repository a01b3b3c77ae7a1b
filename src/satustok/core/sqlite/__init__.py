"""SQLite with writers taking turns in order (``ENGINE = "satustok.core.sqlite"``)."""
