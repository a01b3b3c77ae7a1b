"""Who may do what: four roles, a table of capabilities per role, and the checks every front
end (the UI's views, the REST API's routes, the services they call) asks before acting.

A user's role lives on their :class:`~satustok.core.models.Membership`. A user without one is
an Owner when they are a superuser (the first user ``satustok run`` creates, or anyone made with
``createsuperuser``) and a Viewer otherwise: someone nobody gave a role may look, not change.
Deactivated users may do nothing at all.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OWNER = "owner", _("Owner")
    ADMIN = "admin", _("Admin")
    STAFF = "staff", _("Staff")
    VIEWER = "viewer", _("Viewer")


class Permission(StrEnum):
    VIEW = "view"
    MANAGE_USERS = "manage_users"
    # Connect, reconnect, see and change credentials, register webhooks, move a shop.
    MANAGE_INTEGRATIONS = "manage_integrations"
    IMPORT = "import"  # start, finish and retry imports; link listings by hand
    SWITCH_PUSH = "switch_push"
    ADJUST_STOCK = "adjust_stock"
    WORK_ORDERS = "work_orders"  # accept, reject, refresh, restock, link an order again
    # Edit master products (name, SKU, barcode, weight, low-stock threshold), archive them.
    EDIT_CATALOG = "edit_catalog"
    VIEW_ACTIVITY = "view_activity"
    # Sales, revenue and stock value: the dashboard's money figures, reports and their files.
    VIEW_REPORTS = "view_reports"


_STAFF = frozenset({Permission.VIEW, Permission.ADJUST_STOCK, Permission.WORK_ORDERS})
_ADMIN = _STAFF | {
    Permission.EDIT_CATALOG,
    Permission.MANAGE_INTEGRATIONS,
    Permission.IMPORT,
    Permission.SWITCH_PUSH,
    Permission.VIEW_ACTIVITY,
    Permission.VIEW_REPORTS,
}
ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.OWNER: frozenset(Permission),
    Role.ADMIN: frozenset(_ADMIN),
    Role.STAFF: _STAFF,
    # A viewer reads everything (an accountant, an investor), changes nothing.
    Role.VIEWER: frozenset({Permission.VIEW, Permission.VIEW_REPORTS}),
}

# What a refusal says, per capability: the seller reads it on a 403 page or in an API answer.
_REFUSALS = {
    Permission.VIEW: _("Your account cannot open satustok."),
    Permission.MANAGE_USERS: _("Only an Owner manages users."),
    Permission.MANAGE_INTEGRATIONS: _("Only an Owner or an Admin manages integrations."),
    Permission.IMPORT: _("Only an Owner or an Admin imports products and links listings."),
    Permission.SWITCH_PUSH: _("Only an Owner or an Admin switches stock pushing."),
    Permission.ADJUST_STOCK: _("Your role cannot change stock."),
    Permission.WORK_ORDERS: _("Your role cannot work on orders."),
    Permission.EDIT_CATALOG: _("Only an Owner or an Admin edits master products."),
    Permission.VIEW_ACTIVITY: _("Only an Owner or an Admin sees the activity log."),
    Permission.VIEW_REPORTS: _("Your role does not see sales figures and reports."),
}


class NotAllowed(PermissionDenied):
    """The user's role does not allow this; the message is for the seller."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


def role_of(user: Any) -> str | None:
    """The role the user acts with now, or None for nobody (anonymous or deactivated)."""
    if user is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    return assigned_role(user)


def assigned_role(user: Any) -> str:
    """The role given to the user, whether or not they may act now (a deactivated user or an
    invitee who has not set a password keeps theirs)."""
    membership = _membership(user)
    if membership is not None:
        return str(membership.role)
    return Role.OWNER if user.is_superuser else Role.VIEWER


def _membership(user: Any) -> Any:
    from satustok.core.models import Membership

    try:
        return user.membership
    except Membership.DoesNotExist:
        return None


def permissions_of(user: Any) -> frozenset[Permission]:
    role = role_of(user)
    return ROLE_PERMISSIONS[role] if role else frozenset()


def can(user: Any, permission: Permission) -> bool:
    return permission in permissions_of(user)


def require(user: Any, permission: Permission) -> None:
    """Raise :class:`NotAllowed` unless ``user`` may do ``permission``."""
    if not can(user, permission):
        raise NotAllowed(refusal(permission))


def refusal(permission: Permission) -> str:
    return str(_REFUSALS[permission])


def read_only_refusal() -> str:
    return gettext("This API token is read-only: it cannot change anything.")
