"""``satustok check --deploy`` passes with the documented production settings and refuses,
in words, a production set-up that is not safe to expose; ``satustok run`` says plainly which
marketplaces it talks to, and in production mode never starts the sandbox."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from running_hub import hub_environment, satustok, start_hub, stop_hub
from satustok.channels import registry

A_CHANNEL_URL = "SATUSTOK_" + sorted(registry.base_url_settings())[0]

pytestmark = pytest.mark.dbless  # throw-away SQLite data directories, no hub database

# docs/operations.md, "Running on the internet": the settings of a hub behind a TLS proxy.
PRODUCTION = {
    "SATUSTOK_MODE": "production",
    "SATUSTOK_PUBLIC_URL": "https://hub.example.com",
    "SATUSTOK_SSL_REDIRECT": "1",
    "SATUSTOK_TRUSTED_PROXY_COUNT": "1",
    # Never connected to by the check: only its form (a password in it) is looked at.
    "SATUSTOK_QUEUE_URL": "redis://:Rahasia-Redis-Panjang@redis.internal:6379/0",
}


def check_deploy(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = hub_environment(tmp_path / "data", **env)
    for name in ("SATUSTOK_QUEUE_URL", "SATUSTOK_DEBUG", "SATUSTOK_MODE"):
        if name not in env:
            environment.pop(name, None)  # this test's settings only, not the CI's
    return subprocess.run(
        satustok("check", "--deploy"), env=environment, capture_output=True, text=True, timeout=60
    )


def test_the_documented_production_settings_pass(tmp_path: Path) -> None:
    checked = check_deploy(tmp_path, **PRODUCTION)
    assert checked.returncode == 0, checked.stderr
    assert "System check identified no issues" in checked.stdout
    assert "WARNING" not in checked.stderr.upper() and "ERROR" not in checked.stderr.upper()


@pytest.mark.parametrize(
    ("override", "code", "words"),
    [
        (
            {"SATUSTOK_PUBLIC_URL": "http://hub.example.com"},
            "satustok.E001",
            "SATUSTOK_PUBLIC_URL is 'http://hub.example.com': in production mode it must be",
        ),
        (
            {"SATUSTOK_QUEUE_URL": "redis://redis.internal:6379/0"},
            "satustok.E006",
            "SATUSTOK_QUEUE_URL names a Redis without a password",
        ),
        (
            # The flag accepts only a Redis on this machine's loopback.
            {
                "SATUSTOK_QUEUE_URL": "redis://redis.internal:6379/0",
                "SATUSTOK_QUEUE_ALLOW_UNAUTHENTICATED": "1",
            },
            "satustok.E006",
            "SATUSTOK_QUEUE_URL names a Redis without a password",
        ),
        (
            {"SATUSTOK_DEBUG": "1"},
            "satustok.E002",
            "SATUSTOK_DEBUG=1 in production mode",
        ),
        (
            {A_CHANNEL_URL: "http://127.0.0.1:8899/sandbox"},
            "satustok.E005",
            "in production mode a marketplace's address must be its real https address",
        ),
    ],
)
def test_an_unsafe_production_set_up_fails_with_a_clear_message(
    tmp_path: Path, override: dict[str, str], code: str, words: str
) -> None:
    checked = check_deploy(tmp_path, **{**PRODUCTION, **override})
    assert checked.returncode != 0
    assert code in checked.stderr and words in checked.stderr
    assert "Traceback" not in checked.stderr


def test_a_loopback_redis_without_password_is_accepted_only_when_said(tmp_path: Path) -> None:
    loopback = {**PRODUCTION, "SATUSTOK_QUEUE_URL": "redis://127.0.0.1:6379/3"}
    assert check_deploy(tmp_path, **loopback).returncode != 0
    allowed = check_deploy(tmp_path, **loopback, SATUSTOK_QUEUE_ALLOW_UNAUTHENTICATED="1")
    assert allowed.returncode == 0, allowed.stderr


def test_demo_mode_only_warns_about_a_loopback_redis_without_password(tmp_path: Path) -> None:
    """CI's Redis on 127.0.0.1 has no password: the test suite and `make run` keep working."""
    checked = check_deploy(tmp_path, SATUSTOK_QUEUE_URL="redis://127.0.0.1:6379/3")
    assert checked.returncode == 0
    assert "satustok.W006" in checked.stderr and "satustok.W001" in checked.stderr


def test_an_unknown_mode_is_refused_in_words(tmp_path: Path) -> None:
    checked = check_deploy(tmp_path, SATUSTOK_MODE="prod")
    assert checked.returncode != 0
    assert "SATUSTOK_MODE='prod' is not a mode satustok knows" in checked.stderr


def test_run_refuses_an_unsafe_production_set_up(tmp_path: Path) -> None:
    env = hub_environment(tmp_path / "data", **{**PRODUCTION, "SATUSTOK_PUBLIC_URL": "http://x"})
    started = subprocess.run(
        satustok("run", "--port", "0"), env=env, capture_output=True, text=True, timeout=60
    )
    assert started.returncode != 0
    assert "satustok will not start" in started.stderr and "SATUSTOK_PUBLIC_URL" in started.stderr
    assert "satustok is running" not in started.stdout


def test_run_in_production_mode_never_starts_the_sandbox(tmp_path: Path) -> None:
    env = hub_environment(
        tmp_path / "data",
        **{**PRODUCTION, "SATUSTOK_QUEUE_URL": ""},  # the SQLite queue of one machine
        SATUSTOK_ADMIN_PASSWORD="kopi-susu-gula-aren",
    )
    proc, banner = start_hub(env)  # without --no-sandbox
    try:
        assert "PRODUCTION MODE — talking to the real marketplaces" in banner
        assert "Sandbox" not in banner and "DEMO" not in banner
    finally:
        stop_hub(proc)


def test_run_in_demo_mode_says_so_plainly(tmp_path: Path) -> None:
    env = hub_environment(tmp_path / "data", SATUSTOK_ADMIN_PASSWORD="kopi-susu-gula-aren")
    env.pop("SATUSTOK_MODE", None)
    proc, banner = start_hub(env)
    try:
        assert "DEMO MODE — talking to the sandbox marketplaces, not the real ones" in banner
    finally:
        stop_hub(proc)
