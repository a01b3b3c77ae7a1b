"""``satustok sandbox``: serve the marketplace sandboxes on loopback until stopped.

Prints what a client needs (URLs, app credentials, shops) only once the server is listening, so
a script can read the line and call the API right away; ``--json`` prints exactly one JSON
object on one line. A bad seed is reported in one readable message and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any

from satustok_sandbox.server import RunningSandbox, SandboxStartError, start_in_thread
from satustok_sandbox.tokopedia.seed import Seed, SeedError, load_seed, schema_text

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="satustok sandbox",
        description=(
            "Run the local marketplace sandboxes (simulators of the Tokopedia Open API, the "
            "Shopee Open Platform API v2 and the TikTok Shop Partner API) on one server."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=8899, help="port (0 picks a free one)")
    parser.add_argument("--seed", metavar="FILE", help="seed JSON file (default: the demo seed)")
    parser.add_argument("--latency-ms", type=int, default=0, help="added to every API call")
    parser.add_argument("--unlimited", action="store_true", help="switch rate limiting off")
    parser.add_argument("--json", action="store_true", help="print one JSON line instead of tables")
    parser.add_argument(
        "--print-schema", action="store_true", help="print the seed JSON Schema and exit"
    )
    return parser


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    if args.print_schema:
        sys.stdout.write(schema_text())
        return
    if args.latency_ms < 0:
        _fail(2, "--latency-ms must be zero or more")
    sandbox = _start(args, _seed(args.seed))
    if args.json:
        print(json.dumps(sandbox.info), flush=True)
    else:
        print_human(sandbox.info)
    serve_until_stopped(sandbox)


def _fail(code: int, message: str) -> None:
    print(f"satustok sandbox: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


def _seed(path: str | None) -> Seed | None:
    if path is None:
        return None
    try:
        return load_seed(path)
    except SeedError as error:
        _fail(2, str(error))
    return None  # unreachable: _fail raises


def _start(args: argparse.Namespace, seed: Seed | None) -> RunningSandbox:
    if args.host not in LOOPBACK_HOSTS:
        print(
            f"satustok sandbox: warning: binding to {args.host} exposes the sandbox beyond this "
            "machine",
            file=sys.stderr,
        )
    try:
        return start_in_thread(
            seed=seed,
            host=args.host,
            port=args.port,
            latency_ms=args.latency_ms,
            unlimited=args.unlimited,
        )
    except SandboxStartError as error:
        _fail(1, str(error))
        raise  # unreachable: _fail raises


def print_human(info: dict[str, Any]) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    console.print(f"[bold]Tokopedia sandbox[/bold] listening on {info['base_url']}")
    for label in ("accounts_url", "api_url", "control_url"):
        console.print(f"  {label:<13} {info[label]}")
    apps = Table("fs_id", "name", "client_id", "client_secret", "webhook_secret", title="Apps")
    for app in info["apps"]:
        apps.add_row(
            str(app["fs_id"]),
            app["name"],
            app["client_id"],
            app["client_secret"],
            app["webhook_secret"],
        )
    shops = Table("shop_id", "name", "tier", "open", "linked fs_ids", title="Shops")
    for shop in info["shops"]:
        shops.add_row(
            str(shop["shop_id"]),
            shop["name"],
            shop["tier"],
            "yes" if shop["is_open"] else "no",
            ", ".join(map(str, shop["fs_ids"])) or "-",
        )
    console.print(apps, shops)
    if "shopee" in info:
        print_shopee(console, info["shopee"])
    if "tiktokshop" in info:
        print_tiktokshop(console, info["tiktokshop"])
    console.print("Press Ctrl+C to stop.")
    sys.stdout.flush()


def print_shopee(console: Any, shopee: dict[str, Any]) -> None:
    from rich.table import Table

    console.print(f"[bold]Shopee sandbox[/bold] API base {shopee['base_url']}")
    for label in ("auth_partner_url", "control_url"):
        console.print(f"  {label:<17} {shopee[label]}")
    partners = Table("partner_id", "name", "partner_key", title="Shopee partner apps")
    for partner in shopee["partners"]:
        partners.add_row(str(partner["partner_id"]), partner["name"], partner["partner_key"])
    shops = Table("shop_id", "name", "status", "locations", title="Shopee shops")
    for shop in shopee["shops"]:
        shops.add_row(
            str(shop["shop_id"]), shop["shop_name"], shop["status"], ", ".join(shop["location_ids"])
        )
    console.print(partners, shops)


def print_tiktokshop(console: Any, tiktokshop: dict[str, Any]) -> None:
    from rich.table import Table

    console.print(f"[bold]TikTok Shop sandbox[/bold] API base {tiktokshop['base_url']}")
    for label in ("auth_url", "services_url", "control_url"):
        console.print(f"  {label:<13} {tiktokshop[label]}")
    apps = Table("app_key", "name", "app_secret", "service_id", title="TikTok Shop apps")
    for app in tiktokshop["apps"]:
        apps.add_row(app["app_key"], app["name"], app["app_secret"], app["service_id"])
    shops = Table("shop id", "name", "cipher", "seller", "warehouses", title="TikTok Shop shops")
    for shop in tiktokshop["shops"]:
        shops.add_row(
            shop["id"],
            shop["name"],
            shop["cipher"],
            shop["seller_name"],
            ", ".join(w["id"] for w in shop["warehouses"]),
        )
    console.print(apps, shops)


def serve_until_stopped(sandbox: RunningSandbox) -> None:
    """Block until SIGINT/SIGTERM (or the server dies), then stop cleanly."""
    stop = threading.Event()
    previous: dict[signal.Signals, Any] = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGINT, signal.SIGTERM):
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
    try:
        while not stop.wait(0.2) and sandbox.thread.is_alive():
            pass
    finally:
        sandbox.stop()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
