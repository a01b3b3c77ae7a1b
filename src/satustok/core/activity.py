"""The activity log: who connected, imported, switched pushing, adjusted stock, accepted or
rejected, managed users or tokens — when, before and after, and through which front end.

Services call :func:`record`; they do not need to be told who is acting. Each front end says so
once: the UI's middleware and the API's view decorator wrap a request in :func:`acting`, and
anything else (a ``satustok`` command, the queue worker) is the machine's operator, logged
``via="cli"`` under the operating-system user's name. Secrets never enter ``before``/``after``:
callers pass :data:`CHANGED` for a credential that changed.
"""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from satustok.core.models import Activity, Via

CHANGED = "changed"  # what a log says of a secret that changed: never its value


class Action(models.TextChoices):
    INTEGRATION_CONNECTED = "integration.connected", _("Connected an integration")
    INTEGRATION_RECONNECTED = "integration.reconnected", _("Reconnected an integration")
    INTEGRATION_MOVED = "integration.moved", _("Moved a shop to another integration")
    INTEGRATION_SETTINGS = "integration.settings", _("Changed an integration's settings")
    WEBHOOKS_REGISTERED = "integration.webhooks", _("Registered webhooks")
    PUSH_SWITCHED = "push.switched", _("Switched stock pushing")
    IMPORT_STARTED = "import.started", _("Started an import")
    IMPORT_FINISHED = "import.finished", _("An import finished")
    LISTING_LINKED = "listing.linked", _("Linked a listing by hand")
    LISTING_UNLINKED = "listing.unlinked", _("Unlinked a listing by hand")
    MASTER_EDITED = "master.edited", _("Edited a master product")
    MASTER_ARCHIVED = "master.archived", _("Archived a master product")
    MASTER_RESTORED = "master.restored", _("Brought back an archived master product")
    STOCK_ADJUSTED = "stock.adjusted", _("Adjusted stock")
    STOCK_TRANSFERRED = "stock.transferred", _("Transferred stock between warehouses")
    WAREHOUSE_CHANGED = "warehouse.changed", _("Created, renamed or deleted a warehouse")
    ORDER_ACCEPTED = "order.accepted", _("Accepted an order")
    ORDER_REJECTED = "order.rejected", _("Rejected an order")
    ORDER_SHIPMENT_ARRANGED = "order.shipment", _("Arranged an order's shipment")
    ORDER_CANCELLATION_ANSWERED = "order.cancellation", _("Answered a cancellation request")
    RETURN_DECIDED = "order.return", _("Restocked or wrote off a return")
    BULK_STARTED = "order.bulk", _("Started a bulk action on orders")
    STOCK_CONTROLS_CHANGED = (
        "stock.controls",
        _("Changed a push rule, an allocation or a priority store"),
    )
    USER_INVITED = "user.invited", _("Invited a user")
    USER_CREATED = "user.created", _("Created a user")
    USER_JOINED = "user.joined", _("Accepted an invitation")
    ROLE_CHANGED = "user.role", _("Changed a user's role")
    WAREHOUSES_CHANGED = "user.warehouses", _("Changed a user's warehouses")
    USER_DEACTIVATED = "user.deactivated", _("Deactivated a user")
    USER_REACTIVATED = "user.reactivated", _("Reactivated a user")
    TOKEN_CREATED = "token.created", _("Created an API token")
    TOKEN_REVOKED = "token.revoked", _("Revoked an API token")
    UPLOAD_APPLIED = "upload.applied", _("Applied a spreadsheet upload")


@dataclass(frozen=True)
class Actor:
    user: Any  # a User, or None for the operator at the command line
    name: str
    via: str


_acting: ContextVar[Callable[[], Actor] | None] = ContextVar("satustok_acting", default=None)


@contextmanager
def acting(resolve: Callable[[], Actor]) -> Iterator[None]:
    """Within this block, ``resolve()`` says who acts. It is called when something is recorded,
    not before: the API learns its user only once the token is checked."""
    reset = _acting.set(resolve)
    try:
        yield
    finally:
        _acting.reset(reset)


def actor_for(user: Any, via: str) -> Actor:
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor(None, "anonymous", via)
    return Actor(user, user.get_username(), via)


def operator() -> Actor:
    """The person at the machine: the command line, the queue worker."""
    try:
        name = getpass.getuser()
    except (OSError, KeyError):  # no login name in some containers
        name = "operator"
    return Actor(None, name, Via.CLI)


def current_actor() -> Actor:
    resolve = _acting.get()
    return resolve() if resolve is not None else operator()


def current_user() -> Any:
    """The user acting now, or None at the command line (which acts as an Owner)."""
    return current_actor().user


def record_many(
    action: str, entries: Sequence[tuple[models.Model, dict[str, Any], dict[str, Any]]]
) -> None:
    """Log one action on many records at once (an upload's thousands of rows), each entry as
    :func:`record` writes one for whoever is acting now, in one bulk insert."""
    who = current_actor()
    Activity.objects.bulk_create(
        Activity(
            actor=who.user,
            actor_name=who.name[:150],
            action=action,
            target_type=target._meta.label_lower,
            target_id=str(target.pk),
            target_label=str(target)[:200],
            before=before,
            after=after,
            via=who.via,
        )
        for target, before, after in entries
    )


def record(
    actor: Any,
    action: str,
    target: models.Model | None = None,
    *,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    via: str | None = None,
    label: str = "",
) -> Activity:
    """Log one action. ``actor`` None means whoever is acting now (see :func:`acting`)."""
    who = current_actor() if actor is None else actor_for(actor, via or current_actor().via)
    return Activity.objects.create(
        actor=who.user,
        actor_name=who.name[:150],
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=(label or (str(target) if target is not None else ""))[:200],
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        via=via or who.via,
    )
