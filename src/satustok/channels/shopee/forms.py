"""The form a seller fills in to connect a Shopee shop: the app's Partner ID and Key."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from satustok.channels.forms import pattern_field, secret_field
from satustok.channels.protocol import Credentials


class ConnectForm(forms.Form):
    """Shopee connects through its own approval page: the seller gives the app's Partner ID and
    Partner Key here, approves the shop on Shopee, and comes back with the shop chosen there."""

    partner_id = pattern_field(
        "Partner ID",
        help_text=_("Your app's number in the Shopee Open Platform console, e.g. 2001887."),
        invalid=_("Partner ID is a number, e.g. 2001887."),
        required=_("Fill in the Partner ID."),
    )
    partner_key = secret_field("Partner Key", required=_("Fill in the Partner Key."))

    def credentials(self) -> Credentials:
        partner_id = self.cleaned_data["partner_id"].strip()
        return Credentials(
            app_id=partner_id, client_id=partner_id, client_secret=self.cleaned_data["partner_key"]
        )

    def shop_id_value(self) -> str:
        return ""  # chosen on Shopee's page
