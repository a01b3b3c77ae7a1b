"""The data directory generates its keys once, privately, and reuses them."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from satustok.core.datadir import data_dir, django_secret_key, encryption_keys


def test_keys_are_created_on_first_use_and_reused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SATUSTOK_ENCRYPTION_KEYS", raising=False)
    monkeypatch.delenv("SATUSTOK_SECRET_KEY", raising=False)
    first = (django_secret_key(tmp_path), encryption_keys(tmp_path))
    second = (django_secret_key(tmp_path), encryption_keys(tmp_path))
    assert first == second
    Fernet(first[1][0].encode())  # a valid Fernet key
    for name in ("secret_key", "encryption_key"):
        mode = stat.S_IMODE((tmp_path / name).stat().st_mode)
        assert mode == 0o600, f"{name} must be readable by its owner only"


def test_environment_keys_win_and_allow_rotation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new, old = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    monkeypatch.setenv("SATUSTOK_ENCRYPTION_KEYS", f"{new}, {old}")
    assert encryption_keys(tmp_path) == [new, old]
    assert not (tmp_path / "encryption_key").exists()


def test_data_dir_comes_from_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "nested" / "data"
    monkeypatch.setenv("SATUSTOK_DATA_DIR", str(target))
    assert data_dir() == target.resolve()
    assert target.is_dir()


def test_processes_starting_together_agree_on_one_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading

    monkeypatch.delenv("SATUSTOK_ENCRYPTION_KEYS", raising=False)
    seen: list[list[str]] = []
    starters = [
        threading.Thread(target=lambda: seen.append(encryption_keys(tmp_path))) for _ in range(8)
    ]
    for starter in starters:
        starter.start()
    for starter in starters:
        starter.join()
    assert len({tuple(keys) for keys in seen}) == 1 and all(keys[0] for keys in seen)
    assert [p.name for p in tmp_path.iterdir()] == ["encryption_key"]  # no temporary left behind
