"""``satustok orders list|poll|restock|purge-webhooks``.

``orders list --json`` prints one object per order with ``integration``, ``order_id``,
``status`` and ``lines`` (each with ``sku``, ``quantity``, ``linked``) — a contract scripts
rely on; fields are only ever added.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import QuerySet
from rich.console import Console
from rich.table import Table

from satustok.channels.models import ChannelAccount
from satustok.cli.output import print_json
from satustok.orders import poller, retention
from satustok.orders.ingest import NotRestockable, restock
from satustok.orders.models import Order, OrderStatus


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
    help = "List orders, poll a shop's orders now, restock a returned order."

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

    def _restock(self, options: dict[str, Any]) -> None:
        found = Order.objects.filter(external_id=options["order_id"]).select_related("account")
        if options["integration"]:
            found = found.filter(account_id=options["integration"])
        if found.count() != 1:
            raise CommandError(
                f"{found.count()} orders have id {options['order_id']}; name the --integration.",
                returncode=2,
            )
        try:
            order = restock(found.get())
        except NotRestockable as refused:
            raise CommandError(str(refused), returncode=2) from None
        if options["json"]:
            print_json(order_document(order))
        else:
            self.stdout.write(f"Order {order.external_id}: returned items are back in stock.")


def _orders(options: dict[str, Any]) -> QuerySet[Order]:
    orders = Order.objects.select_related("account").prefetch_related("lines__variant")
    if options["integration"]:
        orders = orders.filter(account_id=options["integration"])
    if options["status"]:
        orders = orders.filter(status=options["status"])
    if options["unlinked"]:
        orders = orders.filter(has_unlinked_lines=True)
    orders = orders.order_by("-ordered_at", "-id")
    return orders[: options["limit"]] if options["limit"] else orders


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
