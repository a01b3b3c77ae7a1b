"""``make test``: the whole suite on the embedded default, then on the server set-up.

1. SQLite (the default a seller gets from ``make run``), without the tests marked ``postgres``.
2. PostgreSQL at ``PG_URL`` with the Redis queue at ``REDIS_URL`` (defaults: the local servers)
   when they answer. With ``CI=true`` a missing server is a failure, never a silent skip: CI
   machines have both, so their absence means the run proved less than it claims.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from urllib.parse import urlparse

PG_URL = os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 0), 2):
            return True
    except OSError:
        return False


def pytest(label: str, extra_env: dict[str, str], args: list[str]) -> int:
    print(f"\n=== satustok test suite on {label} ===", flush=True)
    env = {**os.environ, **extra_env}
    return subprocess.call([sys.executable, "-m", "pytest", *args], env=env)


def main(args: list[str]) -> int:
    env_without_db = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    os.environ.clear()
    os.environ.update(env_without_db)
    if code := pytest("SQLite", {}, ["-m", "not postgres", *args]):
        return code
    missing = [
        f"{name} at {url}"
        for name, url in (("PostgreSQL", PG_URL), ("Redis", REDIS_URL))
        if not reachable(url)
    ]
    if missing:
        message = " and ".join(missing) + " not reachable"
        if IN_CI:
            print(f"FAIL: {message} (CI=true requires both)", flush=True)
            return 1
        print(f"WARNING: {message}; the PostgreSQL + Redis run was not done.", flush=True)
        return 0
    server_setup = {"DATABASE_URL": PG_URL, "SATUSTOK_QUEUE_URL": REDIS_URL}
    return pytest("PostgreSQL + Redis", server_setup, ["-m", "not dbless", *args])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
