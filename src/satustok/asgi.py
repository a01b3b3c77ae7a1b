"""The ASGI entry point uvicorn serves (``satustok run``, or ``uvicorn satustok.asgi:application``).

Every view of the hub is synchronous, so the Django app is served as WSGI inside a thread pool
(a2wsgi): each request runs start to finish in one pool thread. Django's own ASGI handler ran
all sync views in one shared thread and, around a sync-only middleware (WhiteNoise), hopped
between the event loop and threads three times per request — more CPU than the webhook view
itself, and one slow request (a database lock wait) held up every other.
"""

import os

from a2wsgi import WSGIMiddleware
from django.conf import settings
from django.core.wsgi import get_wsgi_application

from satustok.core.request_bodies import WholeBodies
from satustok.core.sheet_reading import MAX_UPLOAD_BYTES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "satustok.settings")
django_in_threads = WSGIMiddleware(
    get_wsgi_application(),  # type: ignore[arg-type]  # Django's handler is a WSGI app (PEP 3333)
    workers=settings.SATUSTOK_WEB_THREADS,
)
# Bodies are read here, in the event loop, before a thread is taken (core/request_bodies.py).
application = WholeBodies(
    django_in_threads,  # type: ignore[arg-type]  # a2wsgi's app is an ASGI app
    webhook_max=settings.SATUSTOK_WEBHOOK_MAX_BYTES,
    other_max=settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
    # A spreadsheet of up to MAX_UPLOAD_BYTES, and the multipart form around it.
    upload_max=MAX_UPLOAD_BYTES + 1024 * 1024,
    seconds=settings.SATUSTOK_REQUEST_BODY_SECONDS,
)
