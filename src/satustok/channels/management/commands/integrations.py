"""``satustok integrations add tokopedia …`` and ``satustok integrations list``."""

from __future__ import annotations

import getpass
import sys
from dataclasses import asdict
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.table import Table

from satustok.channels.connect import SellerProblem, connect_shop
from satustok.channels.forms import TokopediaConnectForm
from satustok.channels.http.errors import ChannelError
from satustok.channels.models import ChannelAccount
from satustok.channels.problems import Problem, explain, problem
from satustok.core.cli_output import fail, print_json


def account_document(account: ChannelAccount) -> dict[str, Any]:
    return {
        "id": account.pk,
        "channel": account.channel,
        "shop_id": account.shop_id,
        "shop_name": account.shop_name,
        "fs_id": account.app_id,
        "client_id": account.client_id,
        "client_secret": account.client_secret.masked(),
        "health": account.health,
        "push_stock": account.push_stock,
        "push_price": account.push_price,
        "warehouse": account.warehouse.code,
        "shop_warehouses": account.shop_warehouses,
        "created_at": account.created_at.isoformat(),
    }


class Command(BaseCommand):
    help = "Connect shops (integrations) and list them."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        add = commands.add_parser("add", help="connect a shop")
        add.add_argument("channel", choices=["tokopedia"])
        add.add_argument("--fs-id", required=True)
        add.add_argument("--shop-id", required=True)
        add.add_argument("--client-id", required=True)
        add.add_argument(
            "--client-secret",
            default="-",
            help="the secret, or '-' (default) to read it from standard input",
        )
        add.add_argument("--json", action="store_true")
        listing = commands.add_parser("list", help="list the integrations")
        listing.add_argument("--json", action="store_true")
        push = commands.add_parser("push", help="switch pushing stock to the channel on or off")
        push.add_argument("integration", type=int)
        push.add_argument("state", choices=["on", "off"])
        push.add_argument("--json", action="store_true")
        hooks = commands.add_parser(
            "webhooks", help="register the hub's webhook URLs with the channel"
        )
        hooks.add_argument("integration", type=int)
        hooks.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        actions = {
            "add": self._add,
            "list": self._list,
            "push": self._push,
            "webhooks": self._webhooks,
        }
        actions[options["action"]](options)

    def _push(self, options: dict[str, Any]) -> None:
        from satustok.sync.pusher import set_push_stock

        account = _account(options["integration"])
        set_push_stock(account, options["state"] == "on")
        if options["json"]:
            print_json(account_document(account))
        else:
            self.stdout.write(f"Push stock is {options['state']} for {account.shop_name}.")

    def _webhooks(self, options: dict[str, Any]) -> None:
        from satustok.orders.registration import register_webhooks

        account = _account(options["integration"])
        try:
            registered = register_webhooks(account)
        except ChannelError as error:
            failure = explain(
                error,
                channel=account.get_channel_display(),
                app_id=account.app_id,
                shop_id=account.shop_id,
            )
            raise fail(failure, options["json"]) from None
        if options["json"]:
            print_json({"integration": account.pk, **asdict(registered)})
            return
        for event, url in registered.urls.items():
            self.stdout.write(f"{event}: {url}")

    def _add(self, options: dict[str, Any]) -> None:
        form = TokopediaConnectForm(
            {
                "fs_id": options["fs_id"],
                "shop_id": options["shop_id"],
                "client_id": options["client_id"],
                "client_secret": _secret(options["client_secret"]),
            }
        )
        try:
            if not form.is_valid():
                raise _invalid(form)
            account = connect_shop("tokopedia", form.credentials(), form.shop_id_value())
        except SellerProblem as failure:
            raise fail(failure, options["json"]) from None
        if options["json"]:
            print_json(account_document(account))
        else:
            self.stdout.write(f"Connected {account.shop_name} as integration {account.pk}.")

    def _list(self, options: dict[str, Any]) -> None:
        as_json = options["json"]
        accounts = ChannelAccount.objects.select_related("warehouse").order_by("pk")
        if as_json:
            print_json([account_document(account) for account in accounts])
            return
        table = Table("ID", "Channel", "Shop", "Shop ID", "FS ID", "Health", "Push stock")
        for a in accounts:
            table.add_row(
                str(a.pk),
                a.get_channel_display(),
                a.shop_name,
                a.shop_id,
                a.app_id,
                a.get_health_display(),
                "on" if a.push_stock else "off",
            )
        Console().print(table)


def _account(pk: int) -> ChannelAccount:
    try:
        return ChannelAccount.objects.select_related("warehouse").get(pk=pk)
    except ChannelAccount.DoesNotExist:
        raise CommandError(
            f"No integration with id {pk}; see `satustok integrations list`.", returncode=2
        ) from None


def _secret(value: str) -> str:
    if value != "-":
        return value
    if sys.stdin.isatty():
        return getpass.getpass("Client Secret: ")
    return sys.stdin.readline().strip()


def _invalid(form: TokopediaConnectForm) -> SellerProblem:
    fields = "; ".join(
        f"{form.fields[name].label}: {' '.join(str(e) for e in errors)}"
        for name, errors in form.errors.items()
    )
    found = problem(Problem.INVALID_INPUT)
    found.detail = fields
    return found
