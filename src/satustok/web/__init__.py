"""The seller's web UI: server-rendered Django templates with HTMX partials."""
