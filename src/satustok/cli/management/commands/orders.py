"""``satustok orders list|poll|ship|labels|bulk|restock|purge-webhooks``.

``ship`` arranges one order's shipment, ``labels`` writes orders' labels as one PDF, ``bulk``
runs a bulk action (accept, arrange pickup or drop-off, labels) over orders now, in this
process, and prints each order's result — the same services as the web pages and the API.

``orders list --json`` prints one object per order with ``integration``, ``order_id``,
``status`` and ``lines`` (each with ``sku``, ``quantity``, ``linked``) — a contract scripts
rely on; fields are only ever added.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from rich.console import Console
from rich.table import Table

from satustok.channels.models import ChannelAccount
from satustok.channels.problems import SellerProblem
from satustok.channels.protocol import Shipment, ShipMethod
from satustok.cli.output import print_json
from satustok.orders import actions, batches, poller, retention
from satustok.orders.ingest import NotRestockable, restock
from satustok.orders.models import Order, OrderStatus

T = TypeVar("T")


def order_document(order: Order) -> dict[str, Any]:
    return {
        "id": order.pk,
        "integration": order.account_id,
        "integration_name": order.account.shop_name,
        "channel": order.account.channel,
        "order_id": order.external_id,
        "invoice": order.invoice,
        "status": order.status,
        "channel_status": order.channel_status,
        "buyer": order.buyer_name,
        "total": order.total,
        "ordered_at": order.ordered_at.isoformat(),
        "stock_effect": order.stock_effect,
        "warehouse": order.stock_warehouse.code,  # where the order's stock moves
        "has_unlinked_lines": order.has_unlinked_lines,
        "lines": [
            {
                "product_id": line.external_product_id,
                "sku": line.sku,
                "name": line.name,
                "quantity": line.quantity,
                "price": line.price,
                "linked": line.linked,
                "master_sku": line.variant.sku if line.variant else None,
                "stock_effect": line.stock_effect,
            }
            for line in order.lines.all()
        ],
    }


class Command(BaseCommand):
    help = (
        "List orders, poll a shop's orders now, ship them, print their labels, work many at "
        "once, restock a returned order."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        listing = commands.add_parser("list", help="list orders, newest first")
        listing.add_argument("--integration", type=int)
        listing.add_argument("--status", choices=OrderStatus.values)
        listing.add_argument(
            "--unlinked", action="store_true", help="only orders with unlinked lines"
        )
        listing.add_argument("--limit", type=int, default=0, help="at most this many (0: all)")
        listing.add_argument("--json", action="store_true")
        poll = commands.add_parser("poll", help="read an integration's orders from the channel now")
        poll.add_argument("integration", type=int, nargs="?", help="default: every integration")
        poll.add_argument("--json", action="store_true")
        ship = commands.add_parser("ship", help="arrange an order's shipment")
        ship.add_argument("order_id", help="the channel's order id")
        ship.add_argument("--integration", type=int)
        ship.add_argument("--method", choices=ShipMethod.values, default=ShipMethod.PICKUP)
        ship.add_argument("--slot", default="", help="a pickup slot id (default: the earliest)")
        ship.add_argument("--tracking-number", default="", help="own courier: its tracking number")
        ship.add_argument("--json", action="store_true")
        labels = commands.add_parser("labels", help="write orders' shipping labels as one PDF")
        labels.add_argument("order_ids", nargs="+", help="the channel's order ids")
        labels.add_argument("--integration", type=int)
        labels.add_argument("--layout", choices=batches.LAYOUTS, default=batches.LAYOUTS[0])
        labels.add_argument("--output", "-o", required=True, help="the PDF file to write")
        labels.add_argument("--json", action="store_true")
        bulk = commands.add_parser("bulk", help="accept, arrange or print many orders now")
        bulk.add_argument("kind", choices=sorted(batches.WORKERS))
        bulk.add_argument("order_ids", nargs="*", help="the channel's order ids")
        bulk.add_argument("--status", choices=OrderStatus.values, help="every order at this status")
        bulk.add_argument("--integration", type=int)
        bulk.add_argument("--method", choices=batches.BULK_METHODS, default=ShipMethod.PICKUP)
        bulk.add_argument("--layout", choices=batches.LAYOUTS, default=batches.LAYOUTS[0])
        bulk.add_argument("--output", "-o", help="labels: copy the PDF here")
        bulk.add_argument("--json", action="store_true")
        back = commands.add_parser("restock", help="put a returned order's items back in stock")
        back.add_argument("order_id", help="the channel's order id")
        back.add_argument("--integration", type=int)
        back.add_argument("--json", action="store_true")
        purge = commands.add_parser(
            "purge-webhooks",
            help="delete webhook deliveries older than SATUSTOK_WEBHOOK_RETENTION_DAYS now "
            "(the worker does it every hour)",
        )
        purge.add_argument("--days", type=int, help="keep this many days instead")
        purge.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        actions = {
            "list": self._list,
            "poll": self._poll,
            "ship": self._ship,
            "labels": self._labels,
            "bulk": self._bulk,
            "restock": self._restock,
            "purge-webhooks": self._purge,
        }
        actions[options["action"]](options)

    def _list(self, options: dict[str, Any]) -> None:
        orders = _orders(options)
        if options["json"]:
            print_json([order_document(order) for order in orders])
            return
        table = Table("ID", "Integration", "Order ID", "Invoice", "Status", "Lines", "Unlinked")
        for order in orders:
            table.add_row(
                str(order.pk),
                order.account.shop_name,
                order.external_id,
                order.invoice,
                f"{order.status} ({order.channel_status})",
                ", ".join(
                    f"{line.sku or line.external_product_id}×{line.quantity}"
                    for line in order.lines.all()
                ),
                "yes" if order.has_unlinked_lines else "",
            )
        Console(width=160).print(table)

    def _purge(self, options: dict[str, Any]) -> None:
        if options["days"] is not None and options["days"] < 0:
            raise CommandError("--days cannot be negative.")
        purged = retention.purge_deliveries(retention_days=options["days"])
        if options["json"]:
            print_json({"deliveries": purged.deliveries, "refusal_counts": purged.refusal_counts})
        else:
            self.stdout.write(_purge_line(purged))

    def _poll(self, options: dict[str, Any]) -> None:
        ids = [options["integration"]] if options["integration"] else poller.accounts_to_poll()
        results = [poller.poll_account(_account(pk).pk, force=True) for pk in ids]
        documents = [
            {
                "integration": r.account_id,
                "skipped": r.skipped,
                "since": r.since.isoformat() if r.since else None,
                "until": r.until.isoformat() if r.until else None,
                "listed": r.listed,
                "reread": r.reread,
                "relinked": r.relinked,
                "error": r.error,
            }
            for r in results
        ]
        if options["json"]:
            print_json(documents)
        for result in results:
            if not options["json"]:
                self.stdout.write(_poll_line(result))
        if any(r.error for r in results):
            raise CommandError("; ".join(r.error for r in results if r.error), returncode=9)

    def _ship(self, options: dict[str, Any]) -> None:
        order = _one_order(options["order_id"], options["integration"])
        method = options["method"]
        slot = options["slot"] or (_earliest_slot(order, method) if method == "pickup" else "")
        shipment = Shipment(method, slot, options["tracking_number"].strip())
        order = _seller_call(lambda: actions.arrange_shipment(order, shipment))
        if options["json"]:
            print_json(order_document(order))
        else:
            self.stdout.write(
                f"Order {order.external_id}: {order.get_status_display()} "
                f"({order.channel_status}) {order.tracking_number}".rstrip()
            )

    def _labels(self, options: dict[str, Any]) -> None:
        from satustok.orders.labels import LabelSheet, LabelUnreadable

        sheet = LabelSheet(options["layout"])
        results = []
        for external_id in options["order_ids"]:
            order = _one_order(external_id, options["integration"])
            try:
                pages = sheet.add(order, _seller_call(partial(actions.channel_labels, order)))
            except (CommandError, LabelUnreadable) as failed:
                results.append({"order_id": external_id, "ok": False, "message": str(failed)})
                continue
            results.append({"order_id": external_id, "ok": True, "labels": pages})
        printed = [r for r in results if r["ok"]]
        if printed:
            with open(options["output"], "wb") as out:
                sheet.write(out)
        self._report(results, options, f"{len(printed)} order(s) → {options['output']}")
        if len(printed) < len(results):
            raise CommandError("Some labels could not be printed (see above).", returncode=14)

    def _bulk(self, options: dict[str, Any]) -> None:
        found = _orders_for_bulk(options)
        params = {"method": options["method"], "layout": options["layout"]}
        try:
            batch = batches.start(options["kind"], found, params=params)
        except batches.BatchRefused as refused:
            raise CommandError(str(refused), returncode=2) from None
        batch = batches.run(batch.pk)  # here and now: the operator waits for the results
        results = [
            {"order_id": item.order.external_id, "state": item.state, "message": item.message}
            for item in batch.items.select_related("order").order_by("id")
        ]
        path = batches.batch_file(batch)
        if path is not None and options["output"]:
            shutil.copyfile(path, options["output"])
        summary = f"bulk action {batch.pk}: {batch.done - batch.failed} done, {batch.failed} failed"
        self._report(results, options, summary)
        if batch.failed:
            raise CommandError(f"{batch.failed} order(s) failed (see above).", returncode=14)

    def _report(self, results: list[dict[str, Any]], options: dict[str, Any], summary: str) -> None:
        if options["json"]:
            print_json(results)
            return
        for result in results:
            state = result.get("state") or ("ok" if result["ok"] else "failed")
            self.stdout.write(f"{result['order_id']}: {state} {result.get('message', '')}".rstrip())
        self.stdout.write(summary)

    def _restock(self, options: dict[str, Any]) -> None:
        found = _one_order(options["order_id"], options["integration"])
        try:
            order = restock(found)
        except NotRestockable as refused:
            raise CommandError(str(refused), returncode=2) from None
        if options["json"]:
            print_json(order_document(order))
        else:
            self.stdout.write(f"Order {order.external_id}: returned items are back in stock.")


def _orders(options: dict[str, Any]) -> QuerySet[Order]:
    orders = Order.objects.select_related("account__warehouse", "warehouse").prefetch_related(
        "lines__variant"
    )
    if options["integration"]:
        orders = orders.filter(account_id=options["integration"])
    if options["status"]:
        orders = orders.filter(status=options["status"])
    if options["unlinked"]:
        orders = orders.filter(has_unlinked_lines=True)
    orders = orders.order_by("-ordered_at", "-id")
    return orders[: options["limit"]] if options["limit"] else orders


def _one_order(external_id: str, integration: int | None) -> Order:
    found = Order.objects.filter(external_id=external_id).select_related(
        "account__warehouse", "warehouse"
    )
    if integration:
        found = found.filter(account_id=integration)
    if found.count() != 1:
        raise CommandError(
            f"{found.count()} orders have id {external_id}; name the --integration.", returncode=2
        )
    return found.get()


def _orders_for_bulk(options: dict[str, Any]) -> list[int]:
    if bool(options["order_ids"]) == bool(options["status"]):
        raise CommandError("Name the orders, or choose them with --status.", returncode=2)
    if options["status"]:
        chosen = Order.objects.filter(status=options["status"])
        if options["integration"]:
            chosen = chosen.filter(account_id=options["integration"])
        return list(chosen.order_by("ship_by", "id").values_list("pk", flat=True))
    return [_one_order(pk, options["integration"]).pk for pk in options["order_ids"]]


def _earliest_slot(order: Order, method: str) -> str:
    options = _seller_call(lambda: actions.shipping_options(order))
    offered = next((option for option in options if option.method == method), None)
    return offered.slots[0].id if offered is not None and offered.slots else ""


def _seller_call(call: Callable[[], T]) -> T:
    """A channel's refusal in the seller's words, with the problem's exit code."""
    try:
        return call()
    except SellerProblem as problem:
        message = f"{problem.headline}. {problem.explanation}"
        raise CommandError(message, returncode=problem.exit_code) from None


def _account(pk: int) -> ChannelAccount:
    try:
        return ChannelAccount.objects.get(pk=pk)
    except ChannelAccount.DoesNotExist:
        raise CommandError(
            f"No integration with id {pk}; see `satustok integrations list`.", returncode=2
        ) from None


def _purge_line(purged: retention.Purged) -> str:
    return (
        f"Deleted {purged.deliveries} webhook deliveries and "
        f"{purged.refusal_counts} daily counts of refused deliveries."
    )


def _poll_line(result: poller.PollResult) -> str:
    if result.skipped:
        return f"Integration {result.account_id}: another poll is running; skipped."
    if result.error:
        return f"Integration {result.account_id}: {result.error}"
    return (
        f"Integration {result.account_id}: {result.listed} orders listed, "
        f"{result.reread} re-read, {result.relinked} re-linked."
    )
