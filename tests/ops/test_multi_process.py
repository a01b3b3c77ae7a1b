"""The many-machines set-up, on one machine: two web processes (``satustok run --web-only``) and
two queue workers (``satustok worker``), as separate processes sharing one PostgreSQL database
and one Redis queue, each with its own data directory (keys come from the environment, as on
several hosts), and a Tokopedia sandbox as its own process.

The propagation scenario runs through them: both demo shops connected and imported with the CLI,
*Push stock* on for shop B, webhooks registered for shop A pointing at web process 1; then
buyer orders on shop A with the sandbox sending every webhook twice, while this test replays
every webhook the sandbox sent to web process 2 as well — so each order's events arrive at least
three times, at two web processes, and are processed by two workers at once. It checks:

- every order is in the hub exactly once, and reserved exactly once (one ``order_reserve``
  movement per order line in the ledger, nothing else);
- shop B's stock on the channel converges to the master available stock;
- every stored webhook delivery was processed by a task that ran on one of the two workers
  (their ``--log-tasks`` logs, JSON), both workers ran some, and no task failed — so the web
  processes ran none themselves (``--web-only``);
- both web processes are ready (``/readyz``) on PostgreSQL + Redis and both took webhooks.

The test provisions its own PostgreSQL database and Redis database, so it does not depend on
the pass of ``make test``; it is ``dbless`` (it touches no test database of pytest's), so it runs
once, in the first pass. Without PostgreSQL or Redis it is skipped on a developer machine and
fails under ``CI=true``.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
import redis
from cryptography.fernet import Fernet
from ops_helpers import POSTGRES, REDIS, postgres_or_skip, redis_or_skip
from psycopg import sql

from running_hub import free_port, satustok

pytestmark = pytest.mark.dbless  # its own PostgreSQL database and Redis db, not pytest's

SHOP_A, SHOP_B = 480001, 480002
ORDERS = 20
SKUS = 4  # orders are spread over this many SKUs shared by both shops
ADMIN_DSN = f"postgresql://postgres@{POSTGRES[0]}:{POSTGRES[1]}/test"
REDIS_CLAIM = "satustok:multi-process-test:claim"
SANDBOX_MAIN = "from satustok_sandbox.cli import main; main()"


# --- provisioning ----------------------------------------------------------------------------


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    name = f"satustok_mp_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield f"postgres://postgres@{POSTGRES[0]}:{POSTGRES[1]}/{name}"
    finally:
        with psycopg.connect(ADMIN_DSN, autocommit=True) as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextlib.contextmanager
def redis_database() -> Iterator[str]:
    """An empty Redis database, claimed with a marker key (0 and 15 are left to other tests)."""
    token = uuid.uuid4().hex
    for index in range(14, 0, -1):
        client = redis.Redis(host=REDIS[0], port=REDIS[1], db=index)
        if client.dbsize() == 0 and client.set(REDIS_CLAIM, token, nx=True, ex=900):
            try:
                yield f"redis://{REDIS[0]}:{REDIS[1]}/{index}"
            finally:
                client.flushdb()
                client.close()
            return
        client.close()
    pytest.fail("no empty Redis database (1-14) to run the multi-process test in")


# --- processes -------------------------------------------------------------------------------


@dataclass
class Process:
    name: str
    proc: subprocess.Popen[bytes]
    stdout: Path
    stderr: Path

    def output(self) -> str:
        return self.stdout.read_text(errors="replace") + self.stderr.read_text(errors="replace")

    def json_logs(self) -> list[dict[str, Any]]:
        records = []
        for line in self.stderr.read_text(errors="replace").splitlines():
            if line.startswith("{"):
                records.append(json.loads(line))
        return records


@dataclass
class Cluster:
    root: Path
    env: dict[str, str]
    control: str = ""
    webs: list[str] = field(default_factory=list)
    processes: list[Process] = field(default_factory=list)

    def start(self, name: str, args: list[str], **env: str) -> Process:
        directory = self.root / name
        directory.mkdir()
        out, err = directory / "stdout.log", directory / "stderr.log"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            proc = subprocess.Popen(
                args,
                env={**self.env, "SATUSTOK_DATA_DIR": str(directory / "data"), **env},
                stdout=stdout,
                stderr=stderr,
                start_new_session=True,
            )
        process = Process(name, proc, out, err)
        self.processes.append(process)
        return process

    def cli(self, *args: str, stdin: str = "") -> str:
        done = subprocess.run(
            satustok(*args),
            env={**self.env, "SATUSTOK_DATA_DIR": str(self.root / "cli")},
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, f"satustok {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def cli_json(self, *args: str, stdin: str = "") -> Any:
        return json.loads(self.cli(*args, "--json", stdin=stdin).strip().splitlines()[-1])

    def stop(self) -> None:
        """Workers first, with SIGINT (finish the current task, then exit); then the rest with
        SIGTERM, as a process supervisor would."""
        for process in sorted(self.processes, key=lambda p: not p.name.startswith("worker")):
            if process.proc.poll() is None:
                worker = process.name.startswith("worker")
                process.proc.send_signal(signal.SIGINT if worker else signal.SIGTERM)
        for process in self.processes:
            try:
                process.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.proc.kill()
                process.proc.wait(timeout=5)

    def report(self) -> str:
        return "\n".join(
            f"--- {p.name} (exit {p.proc.poll()}) ---\n{p.output()[-3000:]}" for p in self.processes
        )


def eventually(check: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not reached within {seconds}s: {what}")
        time.sleep(0.1)


def first_json_line(path: Path) -> dict[str, Any] | None:
    """The one JSON line a ``--json`` sandbox prints once it listens (None until then)."""
    line = path.read_text().partition("\n")[0]
    return dict(json.loads(line)) if path.read_text().endswith("\n") and line else None


def ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


# --- the hub's database, read directly -------------------------------------------------------


class Hub:
    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn.replace("postgres://", "postgresql://"), autocommit=True)

    def rows(self, query: str, *params: Any) -> list[tuple[Any, ...]]:
        return self.conn.execute(query, params).fetchall()  # type: ignore[arg-type]

    def value(self, query: str, *params: Any) -> Any:
        return self.rows(query, *params)[0][0]

    def available(self, warehouse_id: int, sku: str) -> int:
        return int(
            self.value(
                "SELECT l.on_hand - l.reserved FROM inventory_stocklevel l "
                "JOIN catalog_variant v ON v.id = l.variant_id "
                "WHERE l.warehouse_id = %s AND v.sku = %s",
                warehouse_id,
                sku,
            )
        )


# --- the test --------------------------------------------------------------------------------


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[Cluster, Hub]]:
    postgres_or_skip()
    redis_or_skip()
    inherited = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("SATUSTOK_") and k not in {"DATABASE_URL", "PORT"}
    }
    with postgres_database() as dsn, redis_database() as queue_url:
        web_ports = [free_port(), free_port()]
        webs = [f"http://127.0.0.1:{port}" for port in web_ports]
        cluster = Cluster(
            root=tmp_path,
            env={
                **inherited,
                "DATABASE_URL": dsn,
                "SATUSTOK_QUEUE_URL": queue_url,
                # Several hosts share these by configuration, not by a shared data directory.
                "SATUSTOK_SECRET_KEY": uuid.uuid4().hex * 2,
                "SATUSTOK_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
                "SATUSTOK_PUBLIC_URL": webs[0],  # webhooks are registered at web process 1
                "SATUSTOK_LOG_FORMAT": "json",
                "SATUSTOK_ADMIN_USER": "admin",
                "SATUSTOK_ADMIN_PASSWORD": "multi-process-test",
            },
            webs=webs,
        )
        (tmp_path / "cli").mkdir()
        hub: Hub | None = None
        try:
            sandbox = cluster.start(
                "sandbox",
                [sys.executable, "-c", SANDBOX_MAIN, "--port", "0", "--json"],
            )
            cluster.cli("migrate", "--noinput")
            info = eventually(lambda: first_json_line(sandbox.stdout), 20, "the sandbox's JSON")
            cluster.control = info["control_url"]
            cluster.env["SATUSTOK_TOKOPEDIA_ACCOUNTS_URL"] = info["accounts_url"]
            cluster.env["SATUSTOK_TOKOPEDIA_API_URL"] = info["api_url"]
            for number, port in enumerate(web_ports, 1):
                cluster.start(
                    f"web{number}",
                    satustok("run", "--no-sandbox", "--web-only", "--port", str(port)),
                )
            workers = [
                cluster.start("worker1", satustok("worker", "--log-tasks")),
                cluster.start("worker2", satustok("worker", "--log-tasks", "--no-periodic")),
            ]
            for web in webs:
                eventually(lambda web=web: ready(web), 30, f"{web}/readyz answers 200")
            for worker in workers:
                eventually(
                    lambda worker=worker: "satustok worker:" in worker.stdout.read_text(),
                    30,
                    f"{worker.name} started",
                )
            hub = Hub(dsn)
            yield cluster, hub
        except BaseException:
            print(cluster.report())
            raise
        finally:
            if hub is not None:
                hub.conn.close()
            cluster.stop()


class Replayer:
    """Posts every webhook the sandbox delivered to web process 1 to web process 2 as well
    (same body, same signature): a second web process receiving the same events."""

    def __init__(self, control: str, web1: str, web2: str) -> None:
        self.control, self.web1, self.web2 = control, web1, web2
        self.seen: set[int] = set()
        self.answers: Counter[int] = Counter()
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Replayer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.thread.join(30)
        self.replay_new()  # whatever was delivered since the last round

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                self.replay_new()
            except Exception as error:  # reported by the test, never lost in a thread
                self.errors.append(repr(error))
            time.sleep(0.05)

    def replay_new(self) -> None:
        with httpx.Client(timeout=10) as client:
            deliveries = client.get(f"{self.control}webhooks/deliveries").json()
            for item in deliveries:
                if item["id"] in self.seen or item["duplicate"] or item["dropped"]:
                    continue
                self.seen.add(item["id"])
                if item["attempt"] > 1:  # a retry of one already replayed
                    continue
                body = json.dumps(item["payload"], separators=(",", ":"), ensure_ascii=False)
                answer = client.post(
                    item["url"].replace(self.web1, self.web2),
                    content=body.encode(),
                    headers={"Authorization-Hmac": item["signature"]},
                )
                self.answers[answer.status_code] += 1


def test_two_web_processes_and_two_workers_process_every_order_exactly_once(
    cluster: tuple[Cluster, Hub],
) -> None:
    stack, hub = cluster
    web1, web2 = stack.webs
    started = time.monotonic()

    # Connect and import both demo shops with the CLI; push on for B; webhooks for A (→ web 1).
    app = httpx.get(f"{stack.control}info", timeout=5).json()["apps"][0]
    ids: dict[int, int] = {}
    for shop in (SHOP_A, SHOP_B):
        added = stack.cli_json(
            "integrations",
            "add",
            "tokopedia",
            "--fs-id",
            str(app["fs_id"]),
            "--shop-id",
            str(shop),
            "--client-id",
            app["client_id"],
            stdin=app["client_secret"] + "\n",
        )
        ids[shop] = int(added["id"])
        stack.cli("import", "tokopedia", str(ids[shop]))
    stack.cli("integrations", "push", str(ids[SHOP_B]), "on")
    stack.cli("integrations", "webhooks", str(ids[SHOP_A]))
    warehouse_b = hub.value(
        "SELECT warehouse_id FROM channels_channelaccount WHERE id = %s", ids[SHOP_B]
    )

    # SKUs listed on both shops, with enough stock on A for their share of the orders.
    shared = []
    for variant in stack.cli_json("catalog", "list"):
        by_shop = {ls["integration"]: ls for ls in variant["listings"]}
        a, b = by_shop.get(ids[SHOP_A]), by_shop.get(ids[SHOP_B])
        if a and b and a["stock"] >= ORDERS and variant["available"] >= ORDERS:
            shared.append({"sku": variant["sku"], "a": a["external_id"], "b": b["external_id"]})
    assert len(shared) >= SKUS, f"the demo seed shares only {len(shared)} such SKUs"
    shared = shared[:SKUS]

    def channel_stock(product_id: str) -> int:
        answer = httpx.get(f"{stack.control}products/{product_id}", timeout=5)
        return int(answer.json()["stock"])

    def b_matches_master() -> bool:
        return all(
            channel_stock(s["b"]) == max(hub.available(warehouse_b, s["sku"]), 0) for s in shared
        )

    eventually(b_matches_master, 30, "switching push on set shop B to the master stock")
    before = {s["sku"]: hub.available(warehouse_b, s["sku"]) for s in shared}

    # N buyer orders on shop A; every webhook sent twice to web 1 and replayed to web 2.
    httpx.post(
        f"{stack.control}faults", json={"webhooks": {"duplicate": 1.0}}, timeout=5
    ).raise_for_status()
    placed: dict[str, str] = {}  # channel order id → SKU
    with Replayer(stack.control, web1, web2) as replayer:
        for number in range(ORDERS):
            item = shared[number % SKUS]
            answer = httpx.post(
                f"{stack.control}orders",
                json={"shop_id": SHOP_A, "items": [{"product_id": int(item["a"]), "quantity": 1}]},
                timeout=5,
            )
            assert answer.status_code == 201, answer.text
            placed[str(answer.json()["order_id"])] = item["sku"]
        orders_of_a = "SELECT count(*) FROM orders_order WHERE account_id = %s"
        eventually(
            lambda: hub.value(orders_of_a, ids[SHOP_A]) >= ORDERS, 30, "every order in the hub"
        )
        time.sleep(0.5)  # the last webhooks' duplicates and replays
    assert not replayer.errors, replayer.errors
    assert replayer.answers and set(replayer.answers) == {200}, replayer.answers

    sold = Counter(placed.values())
    expected = {sku: before[sku] - sold[sku] for sku in before}
    eventually(
        lambda: {sku: hub.available(warehouse_b, sku) for sku in expected} == expected,
        30,
        "master available = before − orders",
    )
    eventually(b_matches_master, 30, "shop B's channel stock = master available")
    pending = "SELECT count(*) FROM orders_webhookdelivery WHERE status = 'received'"
    eventually(lambda: hub.value(pending) == 0, 30, "every webhook delivery processed")

    # Every order exactly once, reserved exactly once.
    orders = hub.rows(
        "SELECT o.external_id, count(*) OVER (PARTITION BY o.external_id), o.stock_effect, "
        "  (SELECT count(*) FROM orders_orderline l WHERE l.order_id = o.id AND l.linked), "
        "  (SELECT count(*) FROM inventory_stockmovement m "
        "    WHERE m.reference = 'order:' || o.id AND m.reason = 'order_reserve'), "
        "  (SELECT count(*) FROM inventory_stockmovement m "
        "    WHERE m.reference = 'order:' || o.id AND m.reason <> 'order_reserve'), "
        "  (SELECT coalesce(sum(m.reserved_delta), 0) FROM inventory_stockmovement m "
        "    WHERE m.reference = 'order:' || o.id) "
        "FROM orders_order o WHERE o.account_id = %s",
        ids[SHOP_A],
    )
    assert {row[0] for row in orders} == set(placed)
    for external_id, copies, effect, lines, reserves, others, reserved in orders:
        assert (copies, effect, lines, reserves, others, reserved) == (
            1,
            "reserved",
            1,
            1,
            0,
            1,
        ), f"order {external_id}"

    # Deliveries: each order's notification reached the hub at least three times (twice at
    # web 1 from the sandbox, once at web 2 from the replay), every one stored and processed.
    notifications = hub.rows(
        "SELECT order_external_id, count(*) FROM orders_webhookdelivery "
        "WHERE event = 'order_notification' AND signature_ok GROUP BY order_external_id"
    )
    assert {order for order, n in notifications if n >= 3} >= set(placed), notifications
    failed = hub.rows("SELECT id, error FROM orders_webhookdelivery WHERE status = 'failed'")
    assert not failed, failed
    good = {row[0] for row in hub.rows("SELECT id FROM orders_webhookdelivery WHERE signature_ok")}
    sandbox_answers = Counter(
        d["status_code"]
        for d in httpx.get(f"{stack.control}webhooks/deliveries", timeout=5).json()
        if d["url"].startswith(web1)
    )
    assert set(sandbox_answers) == {200}, sandbox_answers  # web 1 took every delivery

    # Both workers did the work, and only they did: every delivery was processed by one of
    # them (a task takes the deliveries waiting with its own: the row says which worker).
    workers = {p.name: p for p in stack.processes if p.name.startswith("worker")}
    done: dict[str, Counter[str]] = {}
    pids: dict[str, set[int]] = {}
    for name, worker in workers.items():
        records = [r for r in worker.json_logs() if r["logger"] == "satustok.worker"]
        ends = [r for r in records if "outcome" in r]
        assert not [r for r in ends if r["outcome"] != "complete"], ends
        done[name] = Counter(r["task"] for r in ends)
        pids[name] = {r["process"] for r in records}
    for name in workers:
        assert done[name]["process_webhook"] > 0, done
        assert len(pids[name]) == 1
    assert pids["worker1"] != pids["worker2"]
    assert sum(c["push_stock"] for c in done.values()) > 0, done
    worker_of = {pid: name for name, found in pids.items() for pid in found}
    processed_by = {
        delivery: worker_of.get(int(by.rpartition(":")[2]), by)
        for delivery, by in hub.rows(
            "SELECT id, processed_by FROM orders_webhookdelivery WHERE signature_ok"
        )
    }
    assert set(processed_by.values()) == set(workers), processed_by

    # The same order's copies were processed by both workers (so the row lock, not luck, kept
    # them apart).
    copies_of: dict[str, list[int]] = {}
    for delivery, order in hub.rows(
        "SELECT id, order_external_id FROM orders_webhookdelivery "
        "WHERE event = 'order_notification' AND signature_ok"
    ):
        copies_of.setdefault(order, []).append(delivery)
    on_both = {
        order for order in placed if {processed_by[d] for d in copies_of[order]} == set(workers)
    }
    assert on_both, "no order had its copies processed by both workers"
    print(
        f"\nmulti-process: {ORDERS} orders, {len(good)} deliveries, tasks per worker "
        f"{ {name: dict(c) for name, c in done.items()} }, replayed {replayer.answers[200]}; "
        f"{len(on_both)} orders processed on both workers; "
        f"{time.monotonic() - started:.1f}s after the cluster was up"
    )
