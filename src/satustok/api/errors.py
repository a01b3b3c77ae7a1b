"""One error format for the whole API: ``{"detail": "...", "code": "..."}``, plus fields that
help (``errors`` for invalid input, ``explanation`` for a seller problem).

``detail`` is a sentence for a person (in the request's language); ``code`` is stable and is
what scripts should branch on. The handlers below replace django-ninja's defaults, which
answer with other shapes (a list under ``detail`` for validation errors, no code at all).

Seller problems (``channels/problems.py``) keep their words and get an HTTP status from
:data:`PROBLEM_STATUS`; their ``code`` is the problem's name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from satustok.channels.problems import Problem, SellerProblem


class ApiError(Exception):
    """A refusal with a status, a stable code and a message for a person."""

    def __init__(self, status: int, code: str, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.extra = extra


def not_found(what: str, key: object) -> ApiError:
    return ApiError(404, "not_found", _("No %(what)s %(key)s.") % {"what": what, "key": key})


# A connect failure is the caller's to fix (400/409/422), the channel's (502/503) or time's (429).
# 401 and 403 are kept for the API token itself, so a script never mistakes "Tokopedia refused
# the Client Secret" for "my API token is wrong".
PROBLEM_STATUS: dict[Problem, int] = {
    Problem.INVALID_INPUT: 422,
    Problem.CREDENTIALS_REJECTED: 400,
    Problem.NOT_ASSOCIATED: 422,
    Problem.SHOP_CLOSED: 409,
    Problem.ALREADY_CONNECTED: 409,
    Problem.RATE_LIMITED: 429,
    Problem.UNREACHABLE: 503,
    Problem.CHANNEL_ERROR: 502,
    Problem.PARTNER_REJECTED: 400,
    Problem.AUTHORIZATION_FAILED: 400,
    Problem.WRONG_SHOP: 409,
    Problem.NEEDS_RECONNECT: 409,
    Problem.ACTION_REFUSED: 409,
    Problem.ORDER_NOT_FOUND: 409,
    Problem.NOT_AT_THIS_STATUS: 409,
}
RETRY_AFTER_SECONDS = 60  # what the rate-limited message tells a seller: "wait a minute"


def _respond(
    api: NinjaAPI, request: HttpRequest, status: int, body: dict[str, Any]
) -> HttpResponse:
    return api.create_response(request, body, status=status)


def install(api: NinjaAPI) -> None:
    """Register the handlers on ``api`` (most specific exception classes win in ninja)."""

    @api.exception_handler(ApiError)
    def api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
        body = {"detail": exc.detail, "code": exc.code, **exc.extra}
        return _respond(api, request, exc.status, body)

    @api.exception_handler(SellerProblem)
    def seller_problem(request: HttpRequest, exc: SellerProblem) -> HttpResponse:
        return problem_response(api, request, exc)

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        return _respond(api, request, 422, validation_body(exc.errors))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        response = _respond(api, request, 401, authentication_body(request))
        response["WWW-Authenticate"] = 'Bearer realm="satustok"'
        return response

    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
        detail = str(exc) or _("Your role does not allow this.")
        return _respond(api, request, 403, {"detail": detail, "code": "forbidden"})

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        # ninja's own refusals, e.g. a body that is not JSON.
        return _respond(api, request, exc.status_code, {"detail": str(exc), "code": "bad_request"})

    @api.exception_handler(Http404)
    def missing(request: HttpRequest, exc: Http404) -> HttpResponse:
        return _respond(api, request, 404, {"detail": _("Not found."), "code": "not_found"})


def problem_response(api: NinjaAPI, request: HttpRequest, problem: SellerProblem) -> HttpResponse:
    body = {
        "detail": problem.headline,
        "explanation": problem.explanation,
        "code": str(problem.problem),
    }
    response = _respond(api, request, PROBLEM_STATUS[problem.problem], body)
    if problem.problem == Problem.RATE_LIMITED:
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def authentication_body(request: HttpRequest) -> dict[str, str]:
    if not request.headers.get("Authorization"):
        detail = _("Send an API token: Authorization: Bearer <token>.")
        return {"detail": detail, "code": "not_authenticated"}
    detail = _(
        "The API token is not valid: unknown, revoked, or its user is deactivated. "
        "Create one with `satustok api token create USERNAME`."
    )
    return {"detail": detail, "code": "invalid_token"}


def validation_body(errors: list[dict[str, Any]]) -> dict[str, Any]:
    fields = [_field_error(error) for error in errors]
    summary = "; ".join(f"{f['field'] or f['location']}: {f['message']}" for f in fields)
    return {
        "detail": _("Some fields are missing or malformed: %(fields)s") % {"fields": summary},
        "code": "invalid_input",
        "errors": fields,
    }


def _field_error(error: dict[str, Any]) -> dict[str, str]:
    location, *path = [str(part) for part in error.get("loc", ())] or [""]
    # ninja nests a body under the parameter's name ("payload"); a caller knows only the field.
    field = ".".join(part for part in path if part != "payload")
    return {"field": field, "location": location, "message": str(error.get("msg", ""))}


def invalid(field: str, message: str, location: str = "body") -> ApiError:
    """A well-formed request whose ``field`` names something that cannot be used."""
    detail = _("Some fields are missing or malformed: %(fields)s") % {
        "fields": f"{field}: {message}"
    }
    errors = [{"field": field, "location": location, "message": message}]
    return ApiError(422, "invalid_input", detail, errors=errors)


def errors_for_form(form: Any) -> ApiError:
    """A Django form's errors (the UI's own rules and words) as an ``invalid_input`` answer."""
    return field_errors(form.errors)


def field_errors(errors: Mapping[str, Sequence[object]]) -> ApiError:
    """Messages per body field as an ``invalid_input`` answer."""
    fields = [
        {"field": name, "location": "body", "message": " ".join(str(e) for e in messages)}
        for name, messages in errors.items()
    ]
    summary = "; ".join(f"{f['field']}: {f['message']}" for f in fields)
    detail = _("Some fields are missing or malformed: %(fields)s") % {"fields": summary}
    return ApiError(422, "invalid_input", detail, errors=fields)
