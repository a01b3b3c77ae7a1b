"""``satustok api token create USERNAME [--name NAME]`` / ``list`` / ``revoke TOKEN``.

``create`` prints the key once, alone on standard output (``TOKEN=$(satustok api token create
admin)``); it cannot be shown again, only revoked and replaced.
"""

from __future__ import annotations

import sys
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError, CommandParser
from rich.console import Console
from rich.table import Table

from satustok.api import tokens
from satustok.api.models import ApiToken
from satustok.cli.output import print_json

NOT_FOUND = 2  # the exit code for an unknown user or token


def token_document(token: ApiToken) -> dict[str, Any]:
    return {
        "id": token.pk,
        "user": token.user.get_username(),
        "name": token.name,
        "prefix": token.prefix,
        "created_at": token.created_at.isoformat(),
        "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
        "revoked_at": token.revoked_at.isoformat() if token.revoked_at else None,
        "read_only": token.read_only,
    }


class Command(BaseCommand):
    help = "Manage REST API tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        groups = parser.add_subparsers(dest="group", required=True)
        token = groups.add_parser("token", help="create, list and revoke API tokens")
        actions = token.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create a token (printed once)")
        create.add_argument("username")
        create.add_argument("--name", default="cli", help="what the token is for")
        create.add_argument(
            "--read-only",
            action="store_true",
            help="the token may read what its user may read, and change nothing",
        )
        create.add_argument("--json", action="store_true")
        listing = actions.add_parser("list", help="list tokens (never their keys)")
        listing.add_argument("--user", help="only this user's tokens")
        listing.add_argument("--json", action="store_true")
        revoke = actions.add_parser("revoke", help="revoke a token")
        revoke.add_argument("token", help="the token's id or prefix (as `list` shows it)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "create":
            self._create(
                options["username"], options["name"], options["json"], options["read_only"]
            )
        elif action == "list":
            self._list(options["user"], options["json"])
        else:
            self._revoke(options["token"])

    def _create(self, username: str, name: str, as_json: bool, read_only: bool) -> None:
        issued = tokens.issue(_user(username), name, read_only=read_only)
        if as_json:
            print_json({**token_document(issued.token), "token": issued.key})
            return
        self.stdout.write(issued.key)
        sys.stderr.write(
            f"Token {issued.token.pk} ({issued.token.prefix}…) for {username}. "
            "It is shown only now: store it safely.\n"
        )

    def _list(self, username: str | None, as_json: bool) -> None:
        found = ApiToken.objects.select_related("user").order_by("pk")
        if username:
            found = found.filter(user__username=username)
        if as_json:
            print_json([token_document(token) for token in found])
            return
        table = Table("ID", "User", "Name", "Prefix", "Created", "Last used", "Revoked")
        for token in found:
            document = token_document(token)
            table.add_row(
                *(str(document[key] or "—") for key in ("id", "user", "name", "prefix")),
                *(_day(document[key]) for key in ("created_at", "last_used_at", "revoked_at")),
            )
        Console().print(table)

    def _revoke(self, reference: str) -> None:
        token = _token(reference)
        if tokens.revoke(token):
            self.stdout.write(f"Revoked token {token.pk} ({token.prefix}…).")
        else:
            self.stdout.write(f"Token {token.pk} ({token.prefix}…) was already revoked.")


def _user(username: str) -> User:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        raise CommandError(f"No user {username}.", returncode=NOT_FOUND)
    if not user.is_active:
        raise CommandError(f"User {username} is deactivated.", returncode=NOT_FOUND)
    return user


def _token(reference: str) -> ApiToken:
    reference = reference.strip().rstrip("…")
    found = ApiToken.objects.filter(pk=int(reference)) if reference.isdigit() else None
    if found is None:
        found = ApiToken.objects.filter(prefix=reference[: tokens.PREFIX_LENGTH])
    token = found.first()
    if token is None:
        raise CommandError(f"No API token {reference}.", returncode=NOT_FOUND)
    return token


def _day(value: object) -> str:
    return str(value)[:16].replace("T", " ") if value else "—"
