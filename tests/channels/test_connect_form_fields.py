"""The field builders every channel's connect form is made of."""

from __future__ import annotations

import pytest
from django import forms
from django.utils import translation

from satustok.channels.forms import pattern_field, secret_field, text_field

pytestmark = pytest.mark.dbless


class Form(forms.Form):
    number = pattern_field("Number", help_text="help", invalid="not a number", required="fill")
    key = pattern_field(
        "Key", regex=r"^[a-z]+$", max_length=5, help_text="", invalid="letters", required="fill"
    )
    name = text_field("Name", required="name please")
    secret = secret_field("Secret", required="secret please")


def test_a_pattern_field_forgives_spaces_around_digits_and_says_the_channel_s_words() -> None:
    form = Form({"number": " 15001 ", "key": "abc", "name": " x ", "secret": " s3cret "})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["number"].strip() == "15001"
    assert form.cleaned_data["name"] == "x"
    wrong = Form({"number": "15 001", "key": "ABC"})
    assert not wrong.is_valid()
    assert wrong.errors == {
        "number": ["not a number"],
        "key": ["letters"],
        "name": ["name please"],
        "secret": ["secret please"],
    }


def test_a_secret_is_never_rendered_back() -> None:
    field = Form().fields["secret"]
    assert isinstance(field.widget, forms.PasswordInput)
    assert not field.widget.render_value
    assert field.widget.attrs["autocomplete"] == "off"
    assert "s3cret" not in str(Form({"secret": "s3cret"})["secret"])
    with translation.override("en"):
        assert str(field.help_text) == "Stored encrypted and never shown again."
