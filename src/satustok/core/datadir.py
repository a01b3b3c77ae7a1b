"""The data directory: where an installation keeps its database, queue and generated keys.

It comes from ``SATUSTOK_DATA_DIR`` (default ``./var``). Keys are generated on first use and
written with owner-only permissions, so a fresh clone needs no manual set-up and no key is
ever committed.

Everything in it is private to the user running satustok: the directory is 0700 and its files
0600 (the SQLite database holds sessions — one read from it logs in — and buyers' addresses).
The directory and the database files are made so here, whatever the process's umask; a data
directory left readable by an earlier release is tightened at start, and the change logged.
SQLite creates a database's ``-wal`` and ``-shm`` files with the database file's own mode, so
creating the database file private is enough for them.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

log = logging.getLogger(__name__)

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
# What the ``satustok`` command sets first: whatever a library creates later (Huey's queue
# file, a SQLite journal, the static folder) is the owner's alone.
PRIVATE_UMASK = 0o077


def data_dir() -> Path:
    path = Path(os.environ.get("SATUSTOK_DATA_DIR", "var")).resolve()
    path.mkdir(parents=True, exist_ok=True, mode=PRIVATE_DIR)
    tighten(path)
    return path


def tighten(directory: Path) -> list[Path]:
    """Take group and other permissions off the data directory and the files directly in it.
    Returns (and logs) what was changed: a directory an earlier release made readable by
    every local user."""
    changed = [
        path for path in [directory, *_files_in(directory)] if _remove_group_and_other_access(path)
    ]
    for path in changed:
        log.warning("data directory: %s was readable by other users; now owner-only", path)
    return changed


def _files_in(directory: Path) -> list[Path]:
    return [path for path in directory.iterdir() if path.is_file() and not path.is_symlink()]


def _mode(path: Path) -> int:
    """The permission bits, 0 for a file removed meanwhile (a test database, a temporary)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0


def _remove_group_and_other_access(path: Path) -> bool:
    mode = _mode(path)
    if not mode & 0o077:
        return False
    try:
        os.chmod(path, mode & 0o700)
    except (PermissionError, FileNotFoundError):  # another user's: `check --deploy` says so
        return False
    return True


def private_file(path: Path) -> Path:
    """``path``, created empty with mode 0600 if it does not exist yet (an empty file is an
    empty SQLite database), so that what is written into it later is never readable by others."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE))
    return path


def loose_paths(directory: Path) -> list[Path]:
    """The data directory and files in it that users other than the owner may read or write."""
    return [path for path in [directory, *_files_in(directory)] if _mode(path) & 0o077]


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
