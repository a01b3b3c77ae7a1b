"""The Reject form: the channel's reason codes, with the fields each one requires."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from satustok.channels.protocol import Rejection, RejectReason

MAX_REASON_LENGTH = 490


class RejectForm(forms.Form):
    reason_code = forms.TypedChoiceField(label=_("Reason"), coerce=int)
    reason = forms.CharField(
        label=_("Explanation"),
        required=False,
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2, "style": "width:100%;max-width:420px"}),
        help_text=_("Required for reject shipping, courier problem and buyer's request."),
    )
    shop_close_end_date = forms.DateField(
        label=_("Shop closed until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Required when the shop is closed: the shop goes on holiday until then."),
    )
    shop_close_note = forms.CharField(label=_("Note to buyers"), required=False, max_length=255)

    def __init__(self, *args: Any, reasons: tuple[RejectReason, ...] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reasons = {reason.code: reason for reason in reasons}
        field = self.fields["reason_code"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = [(r.code, f"{r.code} · {gettext(r.label)}") for r in reasons]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reason = self.reasons.get(data.get("reason_code", -1))
        if reason is None:
            return data
        if reason.needs_reason and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Explain the reason: this reason code requires it."))
        if reason.needs_shop_close:
            if not data.get("shop_close_end_date"):
                self.add_error("shop_close_end_date", _("Give the date the shop reopens."))
            if not (data.get("shop_close_note") or "").strip():
                self.add_error("shop_close_note", _("Write a note for buyers."))
        return data

    def rejection(self) -> Rejection:
        data = self.cleaned_data
        reason = self.reasons[data["reason_code"]]
        return Rejection(
            reason_code=reason.code,
            reason=(data.get("reason") or "").strip(),
            shop_close_end_date=data.get("shop_close_end_date")
            if reason.needs_shop_close
            else None,
            shop_close_note=(data.get("shop_close_note") or "").strip()
            if reason.needs_shop_close
            else "",
        )
