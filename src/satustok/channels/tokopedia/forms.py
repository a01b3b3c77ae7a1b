"""The form a seller fills in to connect a Tokopedia shop (web UI, REST API, CLI). The labels
the founding document names (FS ID, Shop ID, Client ID, Client Secret) are kept exactly."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from satustok.channels.forms import pattern_field, secret_field, text_field
from satustok.channels.protocol import Credentials


class ConnectForm(forms.Form):
    fs_id = pattern_field(
        "FS ID",
        help_text=_("The Fulfillment Service ID (App ID): a number, e.g. 15001."),
        invalid=_("FS ID is a number, e.g. 15001."),
        required=_("Fill in the FS ID."),
    )
    shop_id = pattern_field(
        "Shop ID",
        help_text=_("Your shop's number on Tokopedia, e.g. 480001."),
        invalid=_("Shop ID is a number, e.g. 480001."),
        required=_("Fill in the Shop ID."),
    )
    client_id = text_field("Client ID", required=_("Fill in the Client ID."))
    client_secret = secret_field("Client Secret", required=_("Fill in the Client Secret."))

    def credentials(self) -> Credentials:
        data = self.cleaned_data
        return Credentials(
            app_id=data["fs_id"].strip(),
            client_id=data["client_id"],
            client_secret=data["client_secret"],
        )

    def shop_id_value(self) -> str:
        return str(self.cleaned_data["shop_id"]).strip()
