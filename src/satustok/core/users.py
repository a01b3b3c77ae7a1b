"""Managing who works in the hub: create or invite a user with a role, change the role,
deactivate (never delete: the activity log and the ledger keep naming them).

An invitation is a one-time link: a random key, of which only the SHA-256 is stored, valid
:data:`INVITATION_LIFETIME` and spent when the invitee sets a password. The hub keeps at least
one active Owner: the last one can be neither demoted nor deactivated.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model, password_validation
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from satustok.core import activity
from satustok.core.access import Role, assigned_role, role_of
from satustok.core.models import Invitation, Membership

INVITATION_LIFETIME = timedelta(hours=72)


class UserRefused(ValueError):
    """A change to users that cannot be made; the message is for the Owner."""


@dataclass(frozen=True)
class Invited:
    user: Any
    key: str  # shown once, in the link; only its digest is stored


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def active_owners() -> Any:
    """Active users whose role is Owner (a superuser without a membership is one)."""
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(
        Q(membership__role=Role.OWNER) | Q(membership__isnull=True, is_superuser=True)
    )


def _check_username(username: str) -> str:
    username = username.strip()
    field = get_user_model()._meta.get_field("username")
    try:
        field.clean(username, None)  # type: ignore[attr-defined]
    except ValidationError as invalid:
        raise UserRefused(" ".join(invalid.messages)) from None
    if get_user_model().objects.filter(username__iexact=username).exists():
        raise UserRefused(_("A user named %(name)s exists already.") % {"name": username})
    return username


def _new_user(username: str, email: str, role: str, created_by: Any, *, active: bool) -> Any:
    user = get_user_model()(username=_check_username(username), email=email.strip())
    user.is_active = active
    _set_admin_flags(user, role)
    user.set_unusable_password()
    user.save()
    Membership.objects.create(
        user=user, role=role, created_by=created_by, invited_at=None if active else timezone.now()
    )
    return user


def _set_admin_flags(user: Any, role: str) -> None:
    # Only Owners reach Django's admin (/admin): its pages bypass the roles.
    user.is_superuser = user.is_staff = role == Role.OWNER


def create_user(username: str, email: str, role: str, password: str, created_by: Any) -> Any:
    """A user who can log in at once with ``password`` (checked by the password rules)."""
    with transaction.atomic():
        user = _new_user(username, email, role, created_by, active=True)
        _set_password(user, password)
        activity.record(None, activity.Action.USER_CREATED, user, after={"role": role})
    return user


def invite(username: str, email: str, role: str, created_by: Any) -> Invited:
    """A user who cannot log in until they open the link and set a password."""
    key = secrets.token_urlsafe(32)
    with transaction.atomic():
        user = _new_user(username, email, role, created_by, active=False)
        Invitation.objects.create(
            user=user,
            key_hash=_digest(key),
            created_by=created_by,
            expires_at=timezone.now() + INVITATION_LIFETIME,
        )
        activity.record(None, activity.Action.USER_INVITED, user, after={"role": role})
    return Invited(user, key)


def open_invitation(key: str) -> Invitation | None:
    """The invitation behind a link, if it can still be used."""
    found = Invitation.objects.select_related("user").filter(key_hash=_digest(key)).first()
    return found if found is not None and found.is_open else None


def accept_invitation(key: str, password: str) -> Any:
    """Set the invitee's password and let them in; the link is spent. Raises
    :class:`UserRefused` for a spent or expired link and for a password the rules refuse."""
    with transaction.atomic():
        invitation = open_invitation(key)
        if invitation is not None:  # lock it: two tabs submitting at once spend it once
            invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation is None or invitation.used_at is not None:
            raise UserRefused(
                _("This invitation link was used already or has expired. Ask for a new one.")
            )
        user = invitation.user
        _set_password(user, password)
        user.is_active = True
        user.save(update_fields=["password", "is_active"])
        invitation.used_at = timezone.now()
        invitation.save(update_fields=["used_at"])
        activity.record(user, activity.Action.USER_JOINED, user, via="ui")
    return user


def _set_password(user: Any, password: str) -> None:
    try:
        password_validation.validate_password(password, user)
    except ValidationError as weak:
        raise UserRefused(" ".join(weak.messages)) from None
    user.set_password(password)
    user.save()


def set_role(user: Any, role: str) -> None:
    before = assigned_role(user)
    if before == role:
        return
    with transaction.atomic():
        if before == Role.OWNER:
            _keep_an_owner(user, _("The hub needs an Owner: make another user Owner first."))
        Membership.objects.update_or_create(user=user, defaults={"role": role})
        _set_admin_flags(user, role)
        user.save(update_fields=["is_superuser", "is_staff"])
        activity.record(
            None, activity.Action.ROLE_CHANGED, user, before={"role": before}, after={"role": role}
        )
    _forget_membership(user)


def _forget_membership(user: Any) -> None:
    # The cached related object would still say the old role for the rest of this request.
    with contextlib.suppress(AttributeError, KeyError):
        del user._state.fields_cache["membership"]


def _keep_an_owner(user: Any, message: str) -> None:
    """Refuse unless another active Owner remains. The Owners' rows are locked in id order
    first, so two Owners demoting each other at once cannot both pass: the second counts again
    after the first has committed."""
    owner_ids = sorted({*active_owners().values_list("pk", flat=True), user.pk})
    list(get_user_model().objects.select_for_update().filter(pk__in=owner_ids).order_by("pk"))
    if not active_owners().exclude(pk=user.pk).exists():
        raise UserRefused(message)


def deactivate(user: Any) -> None:
    """Stop the user: no login, no API token, and no unspent invitation link either (an
    invitee is not active yet, so without this their link would still let them in)."""
    if _cancel_invitations(user) or not user.is_active:
        return
    with transaction.atomic():
        if role_of(user) == Role.OWNER:
            _keep_an_owner(user, _("The hub needs an active Owner: this is the last one."))
        user.is_active = False
        user.save(update_fields=["is_active"])
        _record_switch(user, activity.Action.USER_DEACTIVATED, "active", now=False)


def _cancel_invitations(user: Any) -> bool:
    """Expire the user's unspent invitation links; True when there was one."""
    cancelled = user.invitations.filter(used_at__isnull=True, expires_at__gt=timezone.now())
    if not cancelled.update(expires_at=timezone.now()):
        return False
    _record_switch(user, activity.Action.USER_DEACTIVATED, "invited", now=False)
    return True


def _record_switch(user: Any, action: str, flag: str, *, now: bool) -> None:
    """Log a yes/no of the user turning: ``flag`` was ``not now`` and is ``now``."""
    activity.record(None, action, user, before={flag: not now}, after={flag: now})


def reactivate(user: Any) -> None:
    if user.is_active or not user.has_usable_password():
        return  # an invitee becomes active by accepting the invitation
    user.is_active = True
    user.save(update_fields=["is_active"])
    _record_switch(user, activity.Action.USER_REACTIVATED, "active", now=True)


def pending_invitation(user: Any) -> Invitation | None:
    """The user's unspent invitation (expired or not), if they never set a password."""
    return user.invitations.filter(used_at__isnull=True).first()  # type: ignore[no-any-return]
