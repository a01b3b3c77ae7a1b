"""SATUSTOK_ADMIN_PASSWORD passes Django's password validators (length, common, numeric,
similarity) or the hub refuses to start, saying what to choose; a generated one passes."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model, password_validation

from running_hub import free_port, hub_environment, satustok
from satustok.core.firstuser import WeakAdminPassword, ensure_first_user


@pytest.mark.django_db
@pytest.mark.parametrize(
    "weak", ["password123", "12345678901234", "pendek", "penjual-toko", "qwertyuiop"]
)
def test_a_weak_admin_password_is_refused_and_nobody_is_created(
    weak: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SATUSTOK_ADMIN_USER", "penjual-toko")
    monkeypatch.setenv("SATUSTOK_ADMIN_PASSWORD", weak)
    with pytest.raises(WeakAdminPassword) as refused:
        ensure_first_user()
    assert "SATUSTOK_ADMIN_PASSWORD" in str(refused.value)
    assert "Choose at least 10 characters" in str(refused.value)
    assert not get_user_model().objects.exists()


@pytest.mark.django_db
def test_a_strong_admin_password_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SATUSTOK_ADMIN_USER", "penjual")
    monkeypatch.setenv("SATUSTOK_ADMIN_PASSWORD", "rahasia-demo-123")
    first = ensure_first_user()
    assert first.created and first.password == "rahasia-demo-123"
    assert get_user_model().objects.get(username="penjual").check_password("rahasia-demo-123")


@pytest.mark.django_db
def test_a_generated_password_passes_the_validators(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SATUSTOK_ADMIN_PASSWORD", raising=False)
    first = ensure_first_user()
    user = get_user_model().objects.get(username=first.username)
    assert first.password and user.check_password(first.password)
    password_validation.validate_password(first.password, user=user)  # raises if not


@pytest.mark.dbless
def test_satustok_run_refuses_a_weak_admin_password_in_words(tmp_path: Path) -> None:
    env = hub_environment(tmp_path, SATUSTOK_ADMIN_PASSWORD="12345678")
    subprocess.run(satustok("migrate", "--noinput"), env=env, check=True, capture_output=True)
    ports = ("--port", str(free_port()), "--no-sandbox")
    run = subprocess.run(
        satustok("run", *ports), env=env, capture_output=True, text=True, timeout=60
    )
    assert run.returncode != 0
    assert "SATUSTOK_ADMIN_PASSWORD is not accepted" in run.stderr
    assert "This password is entirely numeric." in run.stderr
    assert "Traceback" not in run.stderr
