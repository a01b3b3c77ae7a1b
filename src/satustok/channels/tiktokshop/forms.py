"""The form a seller fills in to connect a TikTok Shop (or migrated Tokopedia) shop: the app's
App Key, App Secret and Service ID; the shop is chosen on TikTok Shop's page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from satustok.channels.forms import pattern_field, secret_field
from satustok.channels.protocol import Credentials

APP_KEY = r"^\s*[A-Za-z0-9_-]{1,64}\s*$"
SERVICE_ID = r"^\s*\d{1,30}\s*$"


class ConnectForm(forms.Form):
    app_key = pattern_field(
        "App Key",
        regex=APP_KEY,
        max_length=66,
        help_text=_("Your app's key in TikTok Shop Partner Center, e.g. 6a1b2c3d4e5f6."),
        invalid=_("App Key is letters and digits, e.g. 6a1b2c3d4e5f6."),
        required=_("Fill in the App Key."),
    )
    app_secret = secret_field("App Secret", required=_("Fill in the App Secret."))
    service_id = pattern_field(
        "Service ID",
        regex=SERVICE_ID,
        max_length=32,
        help_text=_("The number of the app's service, for the seller's authorization link."),
        invalid=_("Service ID is a number, e.g. 7123456789012345678."),
        required=_("Fill in the Service ID."),
    )

    def credentials(self) -> Credentials:
        data = self.cleaned_data
        return Credentials(
            app_id=data["app_key"].strip(),
            client_id=data["service_id"].strip(),
            client_secret=data["app_secret"],
        )

    def shop_id_value(self) -> str:
        return ""  # chosen on TikTok Shop's page
