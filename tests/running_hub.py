"""Starting satustok as a separate process, as ``make run`` does, for end-to-end tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

BANNER_END = "Stop with Ctrl+C"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def satustok(*args: str) -> list[str]:
    """The ``satustok`` console script, run by this test's Python."""
    return [sys.executable, "-c", "from satustok.cli import main; main()", *args]


def hub_environment(data_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment on a throw-away SQLite data directory."""
    env = {**os.environ, "SATUSTOK_DATA_DIR": str(data_dir), **extra}
    env.pop("DATABASE_URL", None)
    return env


def start_hub(env: dict[str, str]) -> tuple[subprocess.Popen[str], str]:
    """Migrate, then ``satustok run`` on free ports; returns once the banner is printed."""
    subprocess.run(satustok("migrate", "--noinput"), env=env, check=True, capture_output=True)
    ports = ("--port", str(free_port()), "--sandbox-port", str(free_port()))
    proc = subprocess.Popen(
        satustok("run", *ports),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return proc, read_banner(proc)


def read_banner(proc: subprocess.Popen[str]) -> str:
    assert proc.stdout is not None
    lines: list[str] = []
    for line in proc.stdout:
        lines.append(line)
        if BANNER_END in line:
            return "".join(lines)
    raise AssertionError("satustok run exited early:\n" + "".join(lines))


def stop_hub(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    proc.wait(timeout=15)


def eventually(check: Callable[[], bool], seconds: float = 20) -> float:
    """Poll ``check`` until it holds; how long that took, in seconds (fails after ``seconds``)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if check():
            return time.monotonic() - started
        time.sleep(0.05)
    raise AssertionError(f"not reached within {seconds}s")
