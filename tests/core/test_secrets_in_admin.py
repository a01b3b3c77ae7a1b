"""No encrypted field has a form field: saving an integration in the Django admin leaves its
secrets as they were (it used to write the masked refresh token, ``••••…``, back as the
token, and the next renewal failed)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.forms import modelform_factory
from django.test import Client
from django.urls import reverse

from satustok.channels import registry
from satustok.channels.connect import default_warehouse
from satustok.channels.models import ChannelAccount

pytestmark = pytest.mark.django_db

SECRETS = {
    "client_secret": "partner-key-0123456789abcdef",
    "access_token": "access-token-0123456789abcdef",
    "refresh_token": "refresh-token-0123456789abcdef",
    "webhook_secret": "webhook-secret-0123456789abcdef",
}


@pytest.fixture
def integration() -> ChannelAccount:
    approval_channel = next(d.code for d in registry.descriptions() if d.by_approval_page)
    return ChannelAccount.objects.create(
        channel=approval_channel,
        shop_id="777",
        shop_name="Toko Rahasia",
        app_id="2001",
        client_id="2001",
        warehouse=default_warehouse(),
        **SECRETS,
    )


def form_data(response: Any) -> dict[str, Any]:
    """What the browser would post back: every field of the change form as shown."""
    form = response.context["adminform"].form
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form[name].value()
        data[name] = "" if value is None else value
        if field.widget.__class__.__name__ == "CheckboxInput" and not value:
            data.pop(name)
    return data


def test_saving_the_admin_change_form_keeps_every_secret(
    client: Client, integration: ChannelAccount
) -> None:
    client.force_login(get_user_model().objects.create_superuser("pemilik", "", "x" * 12))
    change = reverse("admin:channels_channelaccount_change", args=[integration.pk])
    page = client.get(change)
    assert page.status_code == 200
    assert not set(SECRETS) & set(page.context["adminform"].form.fields)
    html = page.content.decode()
    assert not any(secret in html for secret in SECRETS.values())  # not even masked-in-full

    data = {**form_data(page), "shop_name": "Toko Rahasia Baru", "_save": "Save"}
    saved = client.post(change, data)
    assert saved.status_code == 302, saved.content.decode()[:2000]

    integration.refresh_from_db()
    assert integration.shop_name == "Toko Rahasia Baru"  # the save went through
    for name, plain in SECRETS.items():
        assert getattr(integration, name).reveal() == plain, name


def test_no_model_form_gets_an_encrypted_field() -> None:
    """At the field level, so a ModelForm written later cannot bring the bug back."""
    form = modelform_factory(ChannelAccount, fields="__all__")
    assert not set(SECRETS) & set(form.base_fields)
