"""Forms of the seller UI (connecting a shop is in channels/forms.py, shared with the CLI)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from satustok.channels.models import ChannelAccount


class ChooseIntegrationForm(forms.Form):
    integration = forms.ModelChoiceField(
        label=_("Integration"),
        queryset=ChannelAccount.objects.none(),
        empty_label=None,
    )

    def __init__(self, *args, channel: str, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        field = self.fields["integration"]
        field.queryset = ChannelAccount.objects.filter(channel=channel).order_by("shop_name")  # type: ignore[attr-defined]


class ManualLinkForm(forms.Form):
    sku = forms.CharField(label=_("Master SKU"), max_length=50, strip=True)
