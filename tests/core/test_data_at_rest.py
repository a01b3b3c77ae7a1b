"""The data directory is the owner's alone: 0700, and its files (keys, the SQLite database and
its -wal/-shm, the queue) 0600, even under a permissive umask; an older data directory left
readable by everyone is tightened at start, and the change logged."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from running_hub import hub_environment, satustok
from satustok.core.datadir import data_dir, private_file

pytestmark = pytest.mark.dbless  # its own throw-away SQLite data directory

PERMISSIVE_UMASK = 0o022  # the usual default: files 0644, directories 0755


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def run_satustok(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        satustok(*args),
        env=hub_environment(data),
        capture_output=True,
        text=True,
        check=True,
        preexec_fn=lambda: os.umask(PERMISSIVE_UMASK),
        timeout=120,
    )


def test_a_fresh_start_makes_everything_owner_only(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_satustok(data, "migrate", "--noinput")
    run_satustok(data, "check")  # a second start opens the queue and the WAL database again
    assert mode(data) == 0o700
    files = {path.name: mode(path) for path in data.iterdir() if path.is_file()}
    for name in ("secret_key", "encryption_key", "satustok.sqlite3", "queue.sqlite3"):
        assert files.pop(name) == 0o600, name
    # whatever else SQLite or Huey made (-wal, -shm …) is private too
    assert all(value == 0o600 for value in files.values()), files


def test_a_loose_data_directory_is_tightened_at_start_and_logged(tmp_path: Path) -> None:
    data = tmp_path / "data"
    run_satustok(data, "migrate", "--noinput")
    os.chmod(data, 0o755)
    for name in ("satustok.sqlite3", "secret_key"):
        os.chmod(data / name, 0o644)
    started = run_satustok(data, "check")
    assert mode(data) == 0o700
    assert mode(data / "satustok.sqlite3") == 0o600 and mode(data / "secret_key") == 0o600
    assert "satustok.sqlite3 was readable by other users; now owner-only" in started.stderr


def test_data_dir_and_private_files_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the satustok command's umask (the test suite, a WSGI server importing the
    settings) the directory and the database file are still created private."""
    old = os.umask(PERMISSIVE_UMASK)
    try:
        monkeypatch.setenv("SATUSTOK_DATA_DIR", str(tmp_path / "fresh"))
        directory = data_dir()
        database = private_file(directory / "satustok.sqlite3")
    finally:
        os.umask(old)
    assert mode(directory) == 0o700 and mode(database) == 0o600
    import sqlite3

    connection = sqlite3.connect(database)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("CREATE TABLE t (x)")
    # SQLite gives its -wal/-shm the database file's own mode
    assert mode(Path(f"{database}-wal")) == 0o600 and mode(Path(f"{database}-shm")) == 0o600
    connection.close()
