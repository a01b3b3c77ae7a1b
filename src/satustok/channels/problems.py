"""What went wrong, in words a seller understands, and what to do about it.

Channel clients raise the technical error tree (``channels/http/errors.py``). The web UI and the
CLI never show those directly: they turn each into a :class:`SellerProblem` — a short title
and an explanation that says what happened and what to do — through one table. Messages are
written in English and translated (Bahasa Indonesia is the default language of the UI).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from satustok.channels.http import errors


class Problem(enum.StrEnum):
    INVALID_INPUT = "invalid_input"
    CREDENTIALS_REJECTED = "credentials_rejected"
    NOT_ASSOCIATED = "not_associated"
    SHOP_CLOSED = "shop_closed"
    ALREADY_CONNECTED = "already_connected"
    RATE_LIMITED = "rate_limited"
    UNREACHABLE = "unreachable"
    CHANNEL_ERROR = "channel_error"
    PARTNER_REJECTED = "partner_rejected"
    AUTHORIZATION_FAILED = "authorization_failed"
    WRONG_SHOP = "wrong_shop"
    NEEDS_RECONNECT = "needs_reconnect"
    ACTION_REFUSED = "action_refused"
    ORDER_NOT_FOUND = "order_not_found"
    NOT_AT_THIS_STATUS = "not_at_this_status"


@dataclass
class SellerProblem(Exception):
    problem: Problem
    title: str | Promise
    detail: str | Promise
    params: dict[str, object] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.headline}: {self.explanation}"

    @property
    def headline(self) -> str:
        return str(self.title) % _Params(self.params)

    @property
    def explanation(self) -> str:
        return str(self.detail) % _Params(self.params)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES[self.problem]


class _Params(dict[str, object]):
    """Message parameters; one a message does not get is left blank rather than crash."""

    def __missing__(self, key: str) -> str:
        return ""


# Distinct exit codes let scripts react without parsing the (translated) message.
EXIT_CODES = {
    Problem.INVALID_INPUT: 2,
    Problem.CREDENTIALS_REJECTED: 3,
    Problem.NOT_ASSOCIATED: 4,
    Problem.SHOP_CLOSED: 5,
    Problem.ALREADY_CONNECTED: 6,
    Problem.RATE_LIMITED: 7,
    Problem.UNREACHABLE: 8,
    Problem.CHANNEL_ERROR: 9,
    Problem.PARTNER_REJECTED: 10,
    Problem.AUTHORIZATION_FAILED: 11,
    Problem.WRONG_SHOP: 12,
    Problem.NEEDS_RECONNECT: 13,
    Problem.ACTION_REFUSED: 14,
    Problem.ORDER_NOT_FOUND: 15,
    Problem.NOT_AT_THIS_STATUS: 16,
}

MESSAGES: dict[Problem, tuple[Promise, Promise]] = {
    Problem.CREDENTIALS_REJECTED: (
        _("%(channel)s rejected the Client ID and Client Secret"),
        _(
            "Check that both were copied exactly, without spaces, and that they belong to FS ID "
            "%(app_id)s. If you got them from your hub operator, ask for them again. Nothing was "
            "saved."
        ),
    ),
    Problem.NOT_ASSOCIATED: (
        _("Shop %(shop_id)s is not linked to FS ID %(app_id)s"),
        _(
            "%(channel)s only lets an app reach shops that were added to it. Two things prevent "
            "that: the shop is not an Official Store or a Power Merchant (Regular Merchant shops "
            "cannot be connected), or the shop is already connected to another system (another "
            "app or hub). Check the shop's tier in the seller centre, disconnect the other system "
            "if there is one, and ask the app owner to add the shop. Nothing was saved."
        ),
    ),
    Problem.SHOP_CLOSED: (
        _("Shop %(shop_name)s is closed or on holiday"),
        _(
            "%(channel)s reports the shop as closed%(reason)s. Open the shop again (end the "
            "holiday) in the seller centre, then connect it. Nothing was saved."
        ),
    ),
    Problem.ALREADY_CONNECTED: (
        _("This shop is already connected"),
        _(
            "Shop %(shop_id)s is already an integration in this hub (%(existing)s). Open it from "
            "Integrations instead of adding it again."
        ),
    ),
    Problem.RATE_LIMITED: (
        _("%(channel)s is limiting requests right now"),
        _(
            "Too many requests were sent in a short time. Nothing was saved; wait a minute and try "
            "again."
        ),
    ),
    Problem.UNREACHABLE: (
        _("%(channel)s could not be reached"),
        _(
            "The connection failed or took too long (%(cause)s). Check this machine's internet "
            "connection and try again in a minute. Nothing was saved."
        ),
    ),
    Problem.CHANNEL_ERROR: (
        _("%(channel)s answered with an error"),
        _(
            "The request was refused (%(cause)s). Try again; if it keeps happening, send this "
            "message to your hub operator. Nothing was saved."
        ),
    ),
    Problem.PARTNER_REJECTED: (
        _("%(channel)s rejected the Partner ID and Partner Key"),
        _(
            "The request was signed with a key %(channel)s does not accept for Partner ID "
            "%(app_id)s (%(cause)s). Copy both again from the Open Platform console (the live "
            "key, not the test key, for a real shop) and press Connect. Nothing was saved."
        ),
    ),
    Problem.AUTHORIZATION_FAILED: (
        _("%(channel)s did not complete the authorization"),
        _(
            "No valid approval came back from %(channel)s (%(cause)s). The approval code works "
            "once and only for 10 minutes. Press the button again and approve the shop on "
            "%(channel)s's page. Nothing was saved."
        ),
    ),
    Problem.WRONG_SHOP: (
        _("You approved another shop"),
        _(
            "This integration is shop %(expected)s, but shop %(shop_id)s was approved on "
            "%(channel)s's page. Press Reconnect and choose shop %(expected)s. Nothing was "
            "changed."
        ),
    ),
    Problem.NEEDS_RECONNECT: (
        _("%(channel)s no longer accepts this hub for shop %(shop_id)s"),
        _(
            "The shop's approval of the app ended (it expired, was revoked in the seller centre, "
            "or the renewal was refused). Open the integration and press Reconnect, then approve "
            "the shop again; stock that became due meanwhile is pushed then."
        ),
    ),
    Problem.INVALID_INPUT: (
        _("Some fields are missing or malformed"),
        _("Check the highlighted fields and try again."),
    ),
    Problem.ACTION_REFUSED: (
        _("%(channel)s refused: %(reason)s"),
        _(
            "%(channel)s did not carry this out for the order (%(cause)s). The order was read "
            "again, so its status here is the channel's. Check the order in the seller centre "
            "if the reason is unclear; nothing else was changed."
        ),
    ),
    Problem.NOT_AT_THIS_STATUS: (
        _("Not possible while the order is %(status)s"),
        _(
            "%(channel)s does not allow this at the order's status (%(channel_status)s), so "
            "nothing was sent. If the order moved on in the seller centre, read it again."
        ),
    ),
    Problem.ORDER_NOT_FOUND: (
        _("%(channel)s does not know this order"),
        _(
            "%(channel)s answered that the order does not exist for shop %(shop_id)s "
            "(%(cause)s). It may have been removed or belong to another shop; nothing was "
            "changed."
        ),
    ),
}

# Error class → problem, most specific first (first match wins).
ERROR_TABLE: list[tuple[type[errors.ChannelError], Problem]] = [
    (errors.AuthorizationEnded, Problem.NEEDS_RECONNECT),
    (errors.CredentialsRejected, Problem.CREDENTIALS_REJECTED),
    (errors.AuthError, Problem.CREDENTIALS_REJECTED),
    (errors.NotAssociated, Problem.NOT_ASSOCIATED),
    (errors.NotFound, Problem.NOT_ASSOCIATED),  # an unknown shop id looks the same to a seller
    (errors.RateLimited, Problem.RATE_LIMITED),
    (errors.TransportError, Problem.UNREACHABLE),
    (errors.ServerError, Problem.UNREACHABLE),
    (errors.ChannelError, Problem.CHANNEL_ERROR),
]


def problem(kind: Problem, **params: object) -> SellerProblem:
    title, detail = MESSAGES[kind]
    return SellerProblem(kind, title, detail, params)


# What a channel says when it refuses an action is shown in its own words, cut to this length
# (a reason, not a page).
REASON_CHARS = 300


def explain_action(error: errors.ChannelError, **params: object) -> SellerProblem:
    """The seller's view of a channel error on an order action (accept, ship, label…): a
    refusal keeps the channel's own reason; an unknown order is said as such; anything else
    reads as for any call."""
    cause = error.error_code or (f"HTTP {error.status}" if error.status else type(error).__name__)
    if isinstance(error, errors.ActionRejected):
        reason = " ".join(str(error).split())[:REASON_CHARS] or cause
        return problem(Problem.ACTION_REFUSED, cause=cause, reason=reason, **params)
    if isinstance(error, errors.NotFound):
        return problem(Problem.ORDER_NOT_FOUND, cause=cause, **params)
    return explain(error, **params)


def explain(error: errors.ChannelError, **params: object) -> SellerProblem:
    """The seller's view of a channel error (``params`` fill the message: channel, shop…)."""
    kind = next(kind for cls, kind in ERROR_TABLE if isinstance(error, cls))
    cause = error.error_code or (f"HTTP {error.status}" if error.status else type(error).__name__)
    return problem(kind, cause=cause, **params)
