"""The data directory: where an installation keeps its database, queue and generated keys.

It comes from ``SATUSTOK_DATA_DIR`` (default ``./var``). Keys are generated on first use and
written with owner-only permissions, so a fresh clone needs no manual set-up and no key is
ever committed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet


def data_dir() -> Path:
    path = Path(os.environ.get("SATUSTOK_DATA_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def _read_or_create(path: Path, make: Callable[[], str]) -> str:
    if path.exists():
        return path.read_text().strip()
    # Write a private temporary file, then link it into place: the link is atomic and fails
    # if another process got there first, so nobody ever reads a half-written key.
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(make() + "\n")
        os.chmod(temporary, 0o600)
        with contextlib.suppress(FileExistsError):  # another process won: use its key
            os.link(temporary, path)
    finally:
        os.unlink(temporary)
    return path.read_text().strip()


def django_secret_key(directory: Path) -> str:
    return os.environ.get("SATUSTOK_SECRET_KEY") or _read_or_create(
        directory / "secret_key", lambda: secrets.token_urlsafe(50)
    )


def encryption_keys(directory: Path) -> list[str]:
    """Fernet keys, newest first. ``SATUSTOK_ENCRYPTION_KEYS`` (comma-separated) allows rotation."""
    configured = os.environ.get("SATUSTOK_ENCRYPTION_KEYS", "")
    if configured.strip():
        return [key.strip() for key in configured.split(",") if key.strip()]
    return [_read_or_create(directory / "encryption_key", lambda: Fernet.generate_key().decode())]
