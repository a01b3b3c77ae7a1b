"""Roles in the seller UI: every view says what it needs, the menu and buttons show only what
the user's role allows, and a refusal is a page in the site's look (403), never an error.

``@requires(Permission.X)`` replaces ``@login_required``: an anonymous visitor goes to the
login page, a logged-in user without the capability gets the 403 page. A view that both shows
(GET) and changes (POST) names the second capability: ``@requires(VIEW, post=ADJUST_STOCK)``;
a POST to a view that names none needs the first.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from satustok.core import activity
from satustok.core.access import Permission, permissions_of, require
from satustok.core.models import Via

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
View = Callable[..., HttpResponse]


def requires(permission: Permission, *, post: Permission | None = None) -> Callable[[View], View]:
    def decorate(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            needed = permission if request.method in SAFE_METHODS else (post or permission)
            try:
                require(request.user, needed)
            except PermissionDenied as refused:
                return forbidden(request, refused)
            # What the view changes is logged under this user, via the UI (set here, in the
            # view's own thread, rather than in a middleware that ASGI may run elsewhere).
            with activity.acting(lambda: activity.actor_for(request.user, Via.UI)):
                return view(request, *args, **kwargs)

        checked.required_permission = permission  # type: ignore[attr-defined]
        checked.required_for_post = post or permission  # type: ignore[attr-defined]
        return login_required(checked)

    return decorate


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """The 403 page (also Django's ``handler403``)."""
    reason = str(exception) if isinstance(exception, PermissionDenied) else ""
    return render(request, "web/403.html", {"reason": reason}, status=403)


class Capabilities:
    """``{% if may.adjust_stock %}`` in a template: what the logged-in user's role allows."""

    def __init__(self, user: Any) -> None:
        self._allowed = {str(p) for p in permissions_of(user)}

    def __getattr__(self, name: str) -> bool:
        return name in self._allowed

    def __getitem__(self, name: str) -> bool:
        return name in self._allowed

    def __contains__(self, name: str) -> bool:
        return name in self._allowed


def capabilities(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``may`` (see :class:`Capabilities`)."""
    user = getattr(request, "user", None)
    return {"may": Capabilities(user)}
