"""Forms of the seller UI (connecting a shop is in channels/forms.py, shared with the CLI)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from satustok.channels.models import ChannelAccount
from satustok.web.params import as_id


class IdChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    """A choice of one row by id that refuses any value no row could have, in the field's own
    words, before it reaches the database (``pk=2**70`` was a 500: SQLite's integer overflows)."""

    def to_python(self, value: object) -> object:
        if value in self.empty_values:
            return None
        if as_id(value) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdMultipleChoiceField(forms.ModelMultipleChoiceField):  # type: ignore[type-arg]
    """Several rows by id; as :class:`IdChoiceField`."""

    def _check_values(self, value: object) -> object:
        for each in value or ():  # type: ignore[attr-defined]
            if as_id(each) is None:
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
