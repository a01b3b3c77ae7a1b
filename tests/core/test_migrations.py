"""Every model change ships with its migration."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_no_model_change_is_missing_a_migration() -> None:
    out = io.StringIO()
    try:
        call_command("makemigrations", "--check", "--dry-run", stdout=out)
    except SystemExit as exit_:  # makemigrations --check exits 1 when something is missing
        raise AssertionError("missing migrations:\n" + out.getvalue()) from exit_
