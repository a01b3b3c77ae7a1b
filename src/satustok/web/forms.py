"""Forms of the seller UI (connecting a shop is in channels/forms.py, shared with the CLI)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from satustok.channels.models import ChannelAccount


def _an_id(value: object) -> bool:
    """A primary key the database can look up: ``pk=2**70`` overflows SQLite's integer (a 500,
    not the 'not one of the choices' a seller should read) and PostgreSQL's bigint."""
    text = str(value)
    return text.isascii() and text.isdigit() and 0 < int(text) < 2**63


class IdChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A choice of one row by id that refuses any value no row could have, in the field's own
    words, before it reaches the database."""

    def to_python(self, value: object) -> object:
        if value in self.empty_values:
            return None
        if not _an_id(value):
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Several rows by id; as :class:`IdChoiceField`."""

    def _check_values(self, value: object) -> object:
        for each in value or ():  # type: ignore[attr-defined]
            if not _an_id(each):
                raise forms.ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": each},
                )
        return super()._check_values(value)  # type: ignore[misc]


class ChooseIntegrationForm(forms.Form):
    integration = IdChoiceField(
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
