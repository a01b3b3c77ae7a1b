"""The REST API (django-ninja, OpenAPI at /api/docs)."""
