"""``satustok integrations add CHANNEL …`` (typed credentials), ``satustok integrations
authorize CHANNEL …`` (the channel's approval page), ``list``, ``push``, ``webhooks`` and
``move`` (a shop's old integration onto its new one).

Each channel's options are its connect form's fields (``--fs-id``, ``--partner-key``…), from
the registry: the same form, checks and messages as the web UI. A secret field reads standard
input when given as ``-`` (the default), so it stays out of the shell's history.

``authorize`` prints the approval page's address; the seller opens it in any browser, approves,
and pastes back the address the marketplace sent the browser to (it holds the one-time code),
the way command-line tools without a browser of their own do it."""

from __future__ import annotations

import getpass
import secrets
import sys
from dataclasses import asdict
from typing import Any
from urllib.parse import parse_qs, urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.forms import PasswordInput
from django.urls import reverse
from rich.console import Console
from rich.table import Table

from satustok.channels import registry
from satustok.channels.connect import (
    SellerProblem,
    authorization_url,
    connect_shop,
    finish_authorization,
)
from satustok.channels.forms import ConnectForm
from satustok.channels.http.errors import ChannelError
from satustok.channels.models import ChannelAccount
from satustok.channels.problems import Problem, explain, problem
from satustok.cli.output import fail, print_json


def account_document(account: ChannelAccount) -> dict[str, Any]:
    return {
        "id": account.pk,
        "channel": account.channel,
        "shop_id": account.shop_id,
        "shop_name": account.shop_name,
        "app_id": account.app_id,
        "client_id": account.client_id,
        "client_secret": account.client_secret.masked(),
        "health": account.health,
        "push_stock": account.push_stock,
        "warehouse": account.warehouse.code,
        "shop_warehouses": account.shop_warehouses,
        "created_at": account.created_at.isoformat(),
    }


class Command(BaseCommand):
    help = "Connect shops (integrations) and list them."

    def add_arguments(self, parser: CommandParser) -> None:
        commands = parser.add_subparsers(dest="action", required=True)
        add = commands.add_parser("add", help="connect a shop with typed credentials")
        _channel_parsers(add, approval_page=False)
        authorize = commands.add_parser(
            "authorize", help="connect a shop through the channel's approval page"
        )
        _channel_parsers(authorize, approval_page=True)
        listing = commands.add_parser("list", help="list the integrations")
        listing.add_argument("--json", action="store_true")
        push = commands.add_parser("push", help="switch pushing stock to the channel on or off")
        push.add_argument("integration", type=int)
        push.add_argument("state", choices=["on", "off"])
        push.add_argument("--json", action="store_true")
        move = commands.add_parser(
            "move", help="move a shop's integration onto another (e.g. to a channel's new API)"
        )
        move.add_argument("integration", type=int, help="the integration to move (the old one)")
        move.add_argument("to", type=int, help="the integration that serves the shop now")
        move.add_argument("--json", action="store_true")
        hooks = commands.add_parser(
            "webhooks", help="register the hub's webhook URLs with the channel"
        )
        hooks.add_argument("integration", type=int)
        hooks.add_argument("--json", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        actions = {
            "add": self._add,
            "authorize": self._authorize,
            "list": self._list,
            "push": self._push,
            "webhooks": self._webhooks,
            "move": self._move,
        }
        actions[options["action"]](options)

    def _push(self, options: dict[str, Any]) -> None:
        from satustok.sync.pusher import PushRefused, set_push_stock

        account = _account(options["integration"])
        try:
            set_push_stock(account, options["state"] == "on")
        except PushRefused as refused:
            raise CommandError(str(refused), returncode=2) from None
        if options["json"]:
            print_json(account_document(account))
        else:
            self.stdout.write(f"Push stock is {options['state']} for {account.shop_name}.")

    def _move(self, options: dict[str, Any]) -> None:
        from satustok.orders.moving import MoveRefused, move_integration

        legacy, successor = _account(options["integration"]), _account(options["to"])
        try:
            moved = move_integration(legacy, successor)
        except MoveRefused as refused:
            raise CommandError(str(refused), returncode=2) from None
        document = {
            "moved": legacy.pk,
            "to": successor.pk,
            "carried_over": moved.carried_over,
            "not_on_successor": moved.not_on_successor,
            "open_orders": moved.open_orders,
        }
        if options["json"]:
            print_json(document)
            return
        self.stdout.write(
            f"Moved {legacy.shop_name} to integration {successor.pk}: {moved.carried_over} "
            f"products carried over, {moved.open_orders} open orders still followed there."
        )

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
        channel = options["channel"]
        try:
            form = _bound_form(channel, options)
            account = connect_shop(channel, form.credentials(), form.shop_id_value())
        except SellerProblem as failure:
            raise fail(failure, options["json"]) from None
        self._connected(account, options)

    def _authorize(self, options: dict[str, Any]) -> None:
        channel, state = options["channel"], secrets.token_urlsafe(16)
        try:
            form = _bound_form(channel, options)
            url = authorization_url(channel, form.credentials(), _redirect_url(channel), state)
            self.stderr.write(
                "Open this address in a browser, approve, then paste here the address the "
                "browser was sent to:"
            )
            self.stdout.write(url)
            self.stdout.flush()
            returned = _returned(sys.stdin.readline(), state)
            account = finish_authorization(
                channel,
                form.credentials(),
                returned.get("code", ""),
                returned.get("shop_id", "").strip(),
                refusal=returned.get("error", ""),
            )
        except SellerProblem as failure:
            raise fail(failure, options["json"]) from None
        self._connected(account, options)

    def _connected(self, account: ChannelAccount, options: dict[str, Any]) -> None:
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
        table = Table("ID", "Channel", "Shop", "Shop ID", "App ID", "Health", "Push stock")
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


def _channel_parsers(parent: CommandParser, *, approval_page: bool) -> None:
    """One sub-command per channel connecting this way, its options the form's fields."""
    channels = parent.add_subparsers(dest="channel", required=True, metavar="CHANNEL")
    for description in registry.descriptions():
        if description.by_approval_page != approval_page:
            continue
        parser = channels.add_parser(description.code, help=description.label)
        for name, field in registry.connect_form(description.code).base_fields.items():
            option = "--" + name.replace("_", "-")
            if _is_secret(field):
                parser.add_argument(
                    option, default="-", help=f"{field.label}, or '-' (default): standard input"
                )
            else:
                parser.add_argument(option, required=field.required, help=str(field.label))
        parser.add_argument("--json", action="store_true")


def _is_secret(field: Any) -> bool:
    return isinstance(field.widget, PasswordInput)


def _bound_form(channel: str, options: dict[str, Any]) -> ConnectForm:
    form_class = registry.connect_form(channel)
    data = {
        name: _secret(options[name], str(field.label)) if _is_secret(field) else options[name]
        for name, field in form_class.base_fields.items()
    }
    form = form_class(data)
    if not form.is_valid():
        raise _invalid(form)
    return form  # type: ignore[no-any-return]


def _redirect_url(channel: str) -> str:
    path = reverse("web:integration_authorized", args=[channel])
    return str(settings.PUBLIC_URL).rstrip("/") + path


def _returned(pasted: str, state: str) -> dict[str, str]:
    """The query of the address the seller pasted; it must carry this run's ``state``."""
    query = {key: values[0] for key, values in parse_qs(urlsplit(pasted.strip()).query).items()}
    if not pasted.strip() or query.get("state") != state:
        found = problem(Problem.INVALID_INPUT)
        found.detail = (
            "The pasted address is not the one the marketplace sent back for this run "
            "(its state does not match). Run the command again and paste the whole address."
        )
        raise found
    return query


def _secret(value: str, label: str) -> str:
    if value != "-":
        return value
    if sys.stdin.isatty():
        return getpass.getpass(f"{label}: ")
    return sys.stdin.readline().strip()


def _invalid(form: Any) -> SellerProblem:
    fields = "; ".join(
        f"{form.fields[name].label}: {' '.join(str(e) for e in errors)}"
        for name, errors in form.errors.items()
    )
    found = problem(Problem.INVALID_INPUT)
    found.detail = fields
    return found
