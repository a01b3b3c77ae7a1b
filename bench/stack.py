"""The processes a scenario starts, and the set-up it does through the hub's own services.

- :class:`Sandbox` — the Tokopedia sandbox in **its own process** (``satustok sandbox --seed
  FILE --json``), so the marketplace does not share a GIL with the hub or the load generator;
  driven through its control API.
- :class:`Hub` — the hub as separate processes, as in production: ``satustok run --no-sandbox``
  (uvicorn + the in-process Huey consumer, the embedded default), or a
  web process (``uvicorn satustok.asgi:application``) plus N ``satustok worker`` processes.
  The hub processes share the benchmark's data directory (keys, SQLite database and queue) or
  its ``DATABASE_URL`` / ``SATUSTOK_QUEUE_URL``.
- Set-up helpers (connect, import, push on, register webhooks) run **in the benchmark process**
  on the same database, through the services the CLI and UI call; only what follows is timed.
- :func:`temporary_postgres` / :func:`free_redis_db` — a throw-away PostgreSQL database and an
  empty Redis database number for the ``workers`` scenario.
"""

from __future__ import annotations

import collections
import contextlib
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench import seeds

READY_TIMEOUT = 180.0  # a 100,000-unit seed takes a while to parse


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def satustok(*args: str) -> list[str]:
    """The ``satustok`` console script, run by this Python."""
    return [sys.executable, "-c", "from satustok.cli import main; main()", *args]


class _Drain(threading.Thread):
    """Keeps reading a child's output (a full pipe would block it); keeps the last lines."""

    def __init__(self, stream: Any) -> None:
        super().__init__(daemon=True)
        self.stream = stream
        self.lines: collections.deque[str] = collections.deque(maxlen=200)
        self.start()

    def run(self) -> None:
        for line in self.stream:
            self.lines.append(line)

    def tail(self) -> str:
        return "".join(self.lines)


def _read_until(proc: subprocess.Popen[str], done: Callable[[str], bool], what: str) -> list[str]:
    """Lines of ``proc``'s stdout up to the one ``done`` accepts (bounded in time)."""
    assert proc.stdout is not None
    lines: list[str] = []
    box: dict[str, bool] = {}

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if done(line):
                box["ok"] = True
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(READY_TIMEOUT)
    if not box.get("ok"):
        proc.kill()
        raise RuntimeError(f"{what} did not start:\n{''.join(lines)[-3000:]}")
    return lines


def _stop(proc: subprocess.Popen[str], sig: int = signal.SIGTERM, timeout: float = 20) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


# --- the sandbox ----------------------------------------------------------------------------


WEBHOOK_SENDERS = 8


class Sandbox:
    """``satustok sandbox`` in its own process, on a free port, seeded from a generated world."""

    def __init__(
        self, seed: dict[str, Any], *, latency_ms: int = 0, unlimited: bool = False
    ) -> None:
        self.seed = seed
        self.latency_ms = latency_ms
        self.unlimited = unlimited
        self._dir = tempfile.TemporaryDirectory(prefix="satustok-bench-sandbox-")
        seed_file = Path(self._dir.name) / "seed.json"
        seed_file.write_text(json.dumps(seed))
        command = [
            sys.executable,
            "-c",
            "from satustok_sandbox.cli import main; main()",
            "--seed",
            str(seed_file),
            "--json",
            "--port",
            "0",
            "--latency-ms",
            str(latency_ms),
            *(["--unlimited"] if unlimited else []),
        ]
        # Like a marketplace under load, the sandbox sends several webhooks at once.
        env = {**os.environ, "SATUSTOK_SANDBOX_WEBHOOK_SENDERS": str(WEBHOOK_SENDERS)}
        self.proc = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
        )
        lines = _read_until(self.proc, lambda line: line.startswith("{"), "the sandbox")
        self.info: dict[str, Any] = json.loads(lines[-1])
        self._drain = _Drain(self.proc.stdout)
        self.api_url: str = self.info["api_url"]
        self.accounts_url: str = self.info["accounts_url"]
        self.control_url: str = self.info["control_url"]
        self.client = httpx.Client(base_url=self.control_url, timeout=60, trust_env=False)

    def __enter__(self) -> Sandbox:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def control(self, method: str, path: str, body: Any = None, **params: Any) -> Any:
        answer = self.client.request(method, path, json=body, params=params or None)
        if answer.is_error:
            raise RuntimeError(f"sandbox {method} {path}: {answer.status_code} {answer.text}")
        return answer.json()

    def stats(self) -> dict[str, Any]:
        return self.control("GET", "stats")

    def calls(self) -> list[dict[str, Any]]:
        return self.control("GET", "calls")

    def deliveries(self, event: str | None = None, after: int = 0) -> list[dict[str, Any]]:
        """The delivery log (of ``event``), only records with an id above ``after``."""
        params: dict[str, Any] = {"event": event} if event else {}
        return self.control(
            "GET", "webhooks/deliveries", **params, **({"after": after} if after else {})
        )

    def product(self, product_id: int) -> dict[str, Any]:
        return self.control("GET", f"products/{product_id}")

    def place_order(self, shop_id: int, items: list[dict[str, Any]]) -> dict[str, Any]:
        return self.control("POST", "orders", {"shop_id": shop_id, "items": items})

    def cpu_seconds(self) -> float:
        return process_cpu_seconds(self.proc.pid)

    def stop(self) -> None:
        self.client.close()
        _stop(self.proc, signal.SIGTERM)
        self._dir.cleanup()


# --- the hub --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Topology:
    """How the hub runs. ``workers`` 0: ``satustok run --no-sandbox`` (web and the in-process
    Huey consumer in one process, the embedded default). N > 0: a web-only process plus N
    ``satustok worker --workers threads`` processes."""

    workers: int = 0
    threads: int = 2

    def describe(self) -> str:
        if not self.workers:
            return "satustok run --no-sandbox (uvicorn + in-process Huey consumer, one process)"
        return (
            f"web-only process + {self.workers} × satustok worker --workers {self.threads} "
            "(separate processes)"
        )


def _web_only_flag() -> str | None:
    """``satustok run``'s flag for a web process without the in-process worker, if it has one."""
    done = subprocess.run(
        satustok("run", "--help"), capture_output=True, text=True, timeout=60, check=False
    )
    for flag in ("--web-only", "--no-worker"):
        if flag in done.stdout:
            return flag
    return None


class Hub:
    """The hub as separate processes on the benchmark's database and queue."""

    def __init__(self, sandbox: Sandbox | None, topology: Topology = Topology()) -> None:
        from django.conf import settings

        self.topology = topology
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "SATUSTOK_DATA_DIR": str(settings.DATA_DIR),
            "SATUSTOK_PUBLIC_URL": self.url,
            "SATUSTOK_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
        }
        if sandbox is not None:  # every channel's base URLs at the sandbox
            env.update({f"SATUSTOK_{name}": url for name, url in sandbox_urls(sandbox).items()})
        self.env = env
        self.procs: list[subprocess.Popen[str]] = []
        self.drains: list[_Drain] = []
        self.web_command = ""
        try:
            if topology.workers:
                self._start_split()
            else:
                self._start_run()
        except BaseException:
            self.stop()
            raise

    def _spawn(self, command: list[str]) -> subprocess.Popen[str]:
        proc = subprocess.Popen(
            command, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.procs.append(proc)
        return proc

    def _start_run(self) -> None:
        args = ("run", "--no-sandbox", "--host", "127.0.0.1", "--port", str(self.port))
        self.web_command = "satustok " + " ".join(args)
        proc = self._spawn(satustok(*args))
        _read_until(proc, lambda line: "Stop with Ctrl+C" in line, "satustok run")
        self.drains.append(_Drain(proc.stdout))

    def _start_split(self) -> None:
        flag = _web_only_flag()
        if flag:
            args = ("run", "--no-sandbox", flag, "--host", "127.0.0.1", "--port", str(self.port))
            self.web_command = "satustok " + " ".join(args)
            web = self._spawn(satustok(*args))
            _read_until(web, lambda line: "Stop with Ctrl+C" in line, "satustok run " + flag)
        else:
            command = [
                sys.executable,
                "-m",
                "uvicorn",
                "satustok.asgi:application",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "warning",
                "--no-access-log",
                "--lifespan",
                "off",
            ]
            self.web_command = "uvicorn satustok.asgi:application"
            web = self._spawn(command)
            wait_for_http(self.url + "/", web)
        self.drains.append(_Drain(web.stdout))
        self.start_workers()

    def start_workers(self) -> None:
        """Start the topology's ``satustok worker`` processes, all at once (so that none has a
        head start on work waiting); returns once each has said it is running."""
        workers = [
            self._spawn(satustok("worker", "--workers", str(self.topology.threads), *periodic))
            for periodic in [()] + [("--no-periodic",)] * (self.topology.workers - 1)
        ]
        for worker in workers:
            _read_until(worker, lambda line: "satustok worker" in line, "satustok worker")
            self.drains.append(_Drain(worker.stdout))

    def start_workers_idle(self, settle: float = 1.0) -> None:
        """Drop what the queue holds (the backlog's deliveries stay stored), start the workers
        and let them settle: the caller then queues the work itself."""
        flush_queue()
        self.start_workers()
        time.sleep(settle)

    def stop_workers(self) -> None:
        """Stop the worker processes (gracefully): the web process goes on storing deliveries
        and queueing their tasks, which wait for :meth:`start_workers`."""
        while len(self.procs) > 1:
            _stop(self.procs.pop(), signal.SIGINT)
            self.drains.pop()

    def __enter__(self) -> Hub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def cpu_seconds(self) -> dict[str, float]:
        """CPU time (user + system) each hub process has used so far, by role."""
        roles = ["web" if self.topology.workers else "hub"] + [
            f"worker-{n}" for n in range(1, len(self.procs))
        ]
        pids = [p.pid for p in self.procs]
        return {role: process_cpu_seconds(pid) for role, pid in zip(roles, pids, strict=False)}

    def webhook_url(self, account_id: int, event: str) -> str:
        return f"{self.url}/webhooks/tokopedia/{account_id}/{event}/"

    def output(self) -> str:
        return "\n".join(drain.tail() for drain in self.drains)

    def stop(self) -> None:
        # Workers stop gracefully on SIGINT (Huey finishes the task in hand); the web on SIGTERM.
        for proc in reversed(self.procs):
            _stop(proc, signal.SIGINT if proc is not self.procs[0] else signal.SIGTERM)


def process_cpu_seconds(pid: int) -> float:
    """utime + stime of a live process (all its threads), from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_cpu_seconds() -> float:
    """CPU time all PostgreSQL server processes on this machine have used so far (the server
    shares the two cores with the hub: its share is part of the evidence)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue  # the process ended meanwhile
        if "(postgres)" in text.split(" ", 2)[1]:
            total += process_cpu_seconds(int(stat.parent.name))
    return round(total, 2)


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {role: round(after[role] - before.get(role, 0.0), 2) for role in after}


def wait_for_http(url: str, proc: subprocess.Popen[str] | None = None) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url}: the process exited ({proc.returncode})")
        with contextlib.suppress(httpx.HTTPError):
            httpx.get(url, timeout=2, trust_env=False)
            return
        time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {READY_TIMEOUT:.0f} s")


# --- set-up through the hub's services (in this process, on the shared database) -----------


def sandbox_urls(sandbox: Sandbox) -> dict[str, str]:
    """Each channel's settings naming its base URLs, pointed at the sandbox (what ``satustok
    run`` does with the sandbox it starts)."""
    from satustok.channels import registry

    return {
        name: url
        for description in registry.descriptions()
        for name, url in description.sandbox_settings(sandbox.info).items()
    }


def point_hub_at(sandbox: Sandbox) -> None:
    from django.conf import settings

    for name, url in sandbox_urls(sandbox).items():
        setattr(settings, name, url)


def connect(
    shop_id: int,
    fs_id: int = seeds.FS_ID,
    client_id: str = seeds.CLIENT_ID,
    client_secret: str = seeds.CLIENT_SECRET,
) -> Any:
    from satustok.channels.connect import connect_shop
    from satustok.channels.protocol import Credentials

    credentials = Credentials(str(fs_id), client_id, client_secret)
    return connect_shop("tokopedia", credentials, str(shop_id))


def import_now(account: Any) -> Any:
    from satustok.sync import imports, tasks

    return tasks.run_import_now(imports.start_run(account).pk)


def push_on(account: Any) -> None:
    from satustok.sync.pusher import set_push_stock

    set_push_stock(account, True)


def register_webhooks(account: Any, public_url: str) -> str:
    """Point the app's webhooks at the hub; returns the webhook secret now in force."""
    from django.conf import settings

    from satustok.orders.registration import register_webhooks as register

    settings.PUBLIC_URL = public_url
    register(account)
    account.refresh_from_db()
    return str(account.webhook_secret.reveal())


def pending_pushes(account_ids: list[int]) -> int:
    """Linked listings still marked for a push (what the pusher has not converged yet)."""
    from satustok.channels.models import Listing

    return Listing.objects.filter(
        account_id__in=account_ids, needs_push=True, push_blocked=False, variant__isnull=False
    ).count()


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.1) -> float:
    """Seconds until ``check()`` held; raises TimeoutError after ``timeout``."""
    started = time.perf_counter()
    while True:
        if check():
            return time.perf_counter() - started
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"not reached within {timeout} s")
        time.sleep(interval)


def flush_queue() -> None:
    """Empty the Huey queue and schedule (what a previous run left must not run in this one)."""
    from huey.contrib.djhuey import HUEY

    HUEY.storage.flush_all()


def queue_name() -> str:
    from huey.contrib.djhuey import HUEY

    from satustok.core.queue import backend_name

    return {"redis": "Redis", "sqlite": "SQLite"}.get(backend_name(HUEY.storage), "memory")


# --- figures --------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def summary_ms(values: list[float]) -> dict[str, float]:
    """p50 / p90 / p99 / max / mean of durations in seconds, as milliseconds."""
    if not values:
        return {}
    return {
        "p50": round(percentile(values, 50) * 1000, 1),
        "p90": round(percentile(values, 90) * 1000, 1),
        "p99": round(percentile(values, 99) * 1000, 1),
        "max": round(max(values) * 1000, 1),
        "mean": round(statistics.fmean(values) * 1000, 1),
    }


# --- PostgreSQL and Redis for the workers scenario -------------------------------------------

PG_ADMIN_URL = os.environ.get("BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379


@contextlib.contextmanager
def temporary_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database (dropped afterwards); yields its URL."""
    import psycopg

    name = f"satustok_bench_{os.getpid()}_{int(time.time() * 1000) % 10_000_000}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def free_redis_db() -> Iterator[str]:
    """An empty Redis database number (flushed afterwards); yields ``redis://…/<n>``."""
    import redis

    for number in range(15, 7, -1):
        client = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=number)
        if client.dbsize() == 0:
            try:
                yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{number}"
            finally:
                client.flushdb()
                client.close()
            return
        client.close()
    raise RuntimeError("no empty Redis database among 8..15")
