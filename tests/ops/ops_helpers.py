"""Helpers shared by the operations tests: PostgreSQL and Redis on this machine."""

from __future__ import annotations

import os
import socket

import pytest

POSTGRES = ("127.0.0.1", 5432)
REDIS = ("127.0.0.1", 6379)


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def reachable(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


def require(name: str, address: tuple[str, int]) -> None:
    """Skip when the server is missing on a developer machine; fail under CI=true."""
    if reachable(address):
        return
    message = f"{name} is not reachable at {address[0]}:{address[1]}"
    if in_ci():
        pytest.fail(f"{message} (CI=true requires it)")
    pytest.skip(message)


def redis_or_skip() -> None:
    require("Redis", REDIS)


def postgres_or_skip() -> None:
    require("PostgreSQL", POSTGRES)
