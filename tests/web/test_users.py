"""Users page (Owner only): inviting by a one-time link that works once and expires, creating a
user with a password now, the password rules, changing a role, deactivating, and the hub never
losing its last Owner."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from roles_support import user_with_role
from satustok.core.access import Role, role_of
from satustok.core.models import Invitation
from satustok.core.users import INVITATION_LIFETIME
from satustok.inventory.models import Warehouse

pytestmark = pytest.mark.django_db
GOOD_PASSWORD = "kopi-susu-gula-aren-42"


@pytest.fixture
def owner(client: Client) -> Any:
    user = user_with_role(Role.OWNER, "pemilik")
    client.force_login(user)
    return user


def invite(client: Client, username: str = "budi", role: str = Role.STAFF, **extra: Any) -> str:
    page = client.post(
        reverse("web:users"), {"username": username, "role": role, "how": "link", **extra}
    ).content.decode()
    found = re.search(
        r'id="invite-link"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*id="invite-link"', page
    )
    assert found, page
    return next(group for group in found.groups() if group)


def test_an_invited_user_sets_a_password_once_and_logs_in(owner: Any, client: Client) -> None:
    gudang = Warehouse.objects.create(name="Gudang Cabang", code="cabang")
    link = invite(client, warehouses=[gudang.pk])
    budi = get_user_model().objects.get(username="budi")
    assert not budi.is_active and not budi.has_usable_password()  # nothing until the link
    assert Invitation.objects.get(user=budi).key_hash not in link  # only a digest is kept

    invitee = Client()
    assert invitee.get(link).status_code == 200  # public: no login needed
    weak = invitee.post(link, {"password1": "123", "password2": "123"})
    assert weak.status_code == 200 and "errorlist" in weak.content.decode()
    budi.refresh_from_db()
    assert not budi.is_active  # a refused password stores nothing
    done = invitee.post(link, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert done.status_code == 302 and done["Location"] == reverse("web:login")

    assert invitee.login(request=HttpRequest(), username="budi", password=GOOD_PASSWORD)
    budi.refresh_from_db()
    assert role_of(budi) == Role.STAFF
    assert list(budi.warehouse_access.values_list("warehouse__code", flat=True)) == ["cabang"]

    again = Client().post(
        link, {"password1": "another-pass-9876", "password2": "another-pass-9876"}
    )
    assert again.status_code == 404 and 'data-testid="invitation-expired"' in again.content.decode()
    budi.refresh_from_db()
    assert budi.check_password(GOOD_PASSWORD)  # the spent link changed nothing


def test_an_expired_invitation_is_refused(owner: Any, client: Client) -> None:
    link = invite(client)
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client().post(link, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert response.status_code == 404
    assert not get_user_model().objects.get(username="budi").is_active
    assert timedelta(hours=72) == INVITATION_LIFETIME


def test_a_made_up_link_is_refused() -> None:
    response = Client().get(reverse("web:invitation", args=["not-a-real-key"]))
    assert response.status_code == 404


def test_the_owner_creates_a_user_with_a_password_that_passes_the_rules(
    owner: Any, client: Client
) -> None:
    weak = client.post(
        reverse("web:users"),
        {"username": "citra", "role": Role.VIEWER, "how": "password", "password": "password"},
    )
    assert "errorlist" in weak.content.decode()
    assert not get_user_model().objects.filter(username="citra").exists()
    client.post(
        reverse("web:users"),
        {"username": "citra", "role": Role.VIEWER, "how": "password", "password": GOOD_PASSWORD},
    )
    assert Client().login(request=HttpRequest(), username="citra", password=GOOD_PASSWORD)
    assert role_of(get_user_model().objects.get(username="citra")) == Role.VIEWER


def test_a_second_user_with_the_same_name_is_refused_in_words(owner: Any, client: Client) -> None:
    page = client.post(
        reverse("web:users"),
        {"username": "PEMILIK", "role": Role.VIEWER, "how": "link"},
    ).content.decode()
    assert "sudah ada" in page  # "… exists already", in the default language
    assert get_user_model().objects.filter(username__iexact="pemilik").count() == 1


def test_the_last_owner_can_be_neither_demoted_nor_deactivated(owner: Any, client: Client) -> None:
    client.post(reverse("web:user", args=[owner.pk]), {"role": Role.ADMIN})
    owner.refresh_from_db()
    assert role_of(owner) == Role.OWNER and owner.is_superuser
    client.post(reverse("web:user_active", args=[owner.pk]), {"active": "off"})
    owner.refresh_from_db()
    assert owner.is_active

    second = user_with_role(Role.ADMIN, "kedua")
    client.post(reverse("web:user", args=[second.pk]), {"role": Role.OWNER})
    second.refresh_from_db()
    assert role_of(second) == Role.OWNER and second.is_superuser  # Owners reach /admin
    client.post(reverse("web:user", args=[owner.pk]), {"role": Role.VIEWER})
    owner.refresh_from_db()
    assert role_of(owner) == Role.VIEWER and not owner.is_superuser and not owner.is_staff


def test_a_deactivated_user_cannot_log_in_and_is_reactivated(owner: Any, client: Client) -> None:
    dewi = get_user_model().objects.create_user("dewi", password=GOOD_PASSWORD)
    client.post(reverse("web:user_active", args=[dewi.pk]), {"active": "off"})
    assert not Client().login(request=HttpRequest(), username="dewi", password=GOOD_PASSWORD)
    client.post(reverse("web:user_active", args=[dewi.pk]), {"active": "on"})
    assert Client().login(request=HttpRequest(), username="dewi", password=GOOD_PASSWORD)


def test_the_users_page_lists_role_warehouses_and_status(owner: Any, client: Client) -> None:
    invite(client, username="eka", role=Role.ADMIN)
    page = client.get(reverse("web:users")).content.decode()
    row = page.split('data-user="eka"', 1)[1].split("</tr>", 1)[0]
    assert "Admin" in row and ("Invited" in row or "Diundang" in row)


def test_only_an_owner_reaches_the_users_page_and_the_admin(client: Client) -> None:
    client.force_login(user_with_role(Role.ADMIN))
    assert client.get(reverse("web:users")).status_code == 403
    assert client.get("/admin/").status_code == 302  # to the admin's login: not staff


def test_deactivating_an_invited_user_cancels_the_link(owner: Any, client: Client) -> None:
    link = invite(client)
    budi = get_user_model().objects.get(username="budi")
    page = client.get(reverse("web:user", args=[budi.pk])).content.decode()
    assert 'id="cancel-invitation-form"' in page

    client.post(reverse("web:user_active", args=[budi.pk]), {"active": "off"})

    refused = Client().post(link, {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})
    assert refused.status_code == 404
    budi.refresh_from_db()
    assert not budi.is_active and not budi.has_usable_password()
    page = client.get(reverse("web:user", args=[budi.pk])).content.decode()
    assert 'data-testid="invitation-closed"' in page and "cancel-invitation-form" not in page


@pytest.mark.parametrize("warehouse", [str(2**70), "-1", "²", "1e3"])
def test_a_warehouse_no_row_could_have_is_a_form_error_not_a_500(
    owner: Any, client: Client, warehouse: str
) -> None:
    answer = client.post(
        reverse("web:users"),
        {"username": "budi", "role": Role.STAFF, "how": "link", "warehouses": [warehouse]},
    )
    assert answer.status_code == 200 and "errorlist" in answer.content.decode()
    assert not get_user_model().objects.filter(username="budi").exists()


def test_the_admin_has_no_user_form_that_could_bypass_the_roles(owner: Any, client: Client) -> None:
    """Its user form set superuser, staff and active directly: a Staff user made superuser
    there reached every credential, and the last Owner could be deactivated."""
    staff = user_with_role(Role.STAFF, "staf")
    for url in (f"/admin/auth/user/{staff.pk}/change/", "/admin/auth/user/", "/admin/auth/group/"):
        assert client.get(url).status_code == 404
    assert client.get("/admin/").status_code == 200  # the rest of the admin stays the Owner's
