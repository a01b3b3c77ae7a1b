"""Who may call which route. The token carries no role: its user's role is read at every
request, so a role changed in the UI applies to the user's tokens at once.

Checked centrally by :class:`~satustok.api.auth.BearerToken` before any handler: every route
needs a user who may view, and a read-only token can use only GET and HEAD. A route that
changes something says which capability it needs with :func:`requires`
(tests/api/test_api_roles.py checks that every such route does).
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.http import HttpRequest

from satustok.core.access import Permission, require

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
View = TypeVar("View", bound=Callable[..., Any])


def requires(permission: Permission) -> Callable[[View], View]:
    """Refuse the route (403 ``forbidden``) unless the token's user may ``permission``."""

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            require(request.user, permission)
            return view(request, *args, **kwargs)

        # ninja reads the handler's signature and resolves its string annotations in the
        # wrapper's module; give it the handler's own, already resolved.
        checked.__signature__ = _resolved_signature(view)  # type: ignore[attr-defined]
        checked.required_permission = permission  # type: ignore[attr-defined]
        return typing.cast(View, checked)

    return decorate


def _resolved_signature(view: Callable[..., Any]) -> inspect.Signature:
    hints = typing.get_type_hints(view, include_extras=True)
    signature = inspect.signature(view)
    parameters = [
        parameter.replace(annotation=hints.get(parameter.name, parameter.annotation))
        for parameter in signature.parameters.values()
    ]
    return signature.replace(
        parameters=parameters,
        return_annotation=hints.get("return", signature.return_annotation),
    )
