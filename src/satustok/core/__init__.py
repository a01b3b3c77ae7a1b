"""Cross-cutting pieces every app uses: the data directory, secrets at rest, logging."""
