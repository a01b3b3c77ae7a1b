"""The form a seller fills in to connect a Tokopedia shop (web UI, REST API, CLI). The labels
the founding document names (FS ID, Shop ID, Client ID, Client Secret) are kept exactly."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from satustok.channels.forms import DIGITS
from satustok.channels.protocol import Credentials


class ConnectForm(forms.Form):
    fs_id = forms.RegexField(
        label="FS ID",
        regex=DIGITS,
        max_length=22,
        help_text=_("The Fulfillment Service ID (App ID): a number, e.g. 15001."),
        error_messages={
            "invalid": _("FS ID is a number, e.g. 15001."),
            "required": _("Fill in the FS ID."),
        },
    )
    shop_id = forms.RegexField(
        label="Shop ID",
        regex=DIGITS,
        max_length=22,
        help_text=_("Your shop's number on Tokopedia, e.g. 480001."),
        error_messages={
            "invalid": _("Shop ID is a number, e.g. 480001."),
            "required": _("Fill in the Shop ID."),
        },
    )
    client_id = forms.CharField(
        label="Client ID",
        max_length=255,
        strip=True,
        error_messages={"required": _("Fill in the Client ID.")},
    )
    client_secret = forms.CharField(
        label="Client Secret",
        max_length=255,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Stored encrypted and never shown again."),
        error_messages={"required": _("Fill in the Client Secret.")},
    )

    def credentials(self) -> Credentials:
        data = self.cleaned_data
        return Credentials(
            app_id=data["fs_id"].strip(),
            client_id=data["client_id"],
            client_secret=data["client_secret"],
        )

    def shop_id_value(self) -> str:
        return str(self.cleaned_data["shop_id"]).strip()
