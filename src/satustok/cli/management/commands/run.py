"""``satustok run``: the whole embedded stack in one process.

Checks the set-up first (core/checks.py; in production mode an unsafe one is refused), starts
the sandbox marketplaces in demo mode (unless ``--no-sandbox``; never in production mode) and
points the hub at them, makes sure a first user exists, starts the queue worker (threads in
this process; not with ``--web-only``, for several web processes beside ``satustok worker``s),
prints where to go (and, first, which marketplaces it talks to), and serves the hub with
uvicorn.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from satustok.channels import registry
from satustok.cli.startup import refuse_unsafe_start
from satustok.core.deploy import Mode
from satustok.core.firstuser import FirstUser, WeakAdminPassword, ensure_first_user

# An idle SQLite-queue worker thread wakes at once when this process queues a task
# (core/wakeup.py: the storage rings a doorbell); these delays are the fallback poll for tasks
# another process queued (a web-only process beside `satustok worker`s): it looks every 0.05 s,
# backing off to 0.25 s at most (Huey's default backoff reaches 10 s, which made the first sale
# after a quiet spell wait seconds). Redis blocks on the queue and is unaffected.
IDLE_POLLING = {"initial_delay": 0.05, "backoff": 1.5, "max_delay": 0.25}


class Command(BaseCommand):
    help = "Run satustok: web UI, worker and (by default) the sandbox marketplaces."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=settings.PORT)
        parser.add_argument(
            "--sandbox-port", type=int, default=int(os.environ.get("SATUSTOK_SANDBOX_PORT", "8899"))
        )
        parser.add_argument(
            "--no-sandbox",
            action="store_true",
            help="demo mode: start no sandbox, talk to the base URLs from settings "
            "(production mode never starts one)",
        )
        parser.add_argument(
            "--web-only",
            "--no-worker",
            dest="web_only",
            action="store_true",
            help="serve the web only, no in-process queue worker (run `satustok worker`s)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        refuse_unsafe_start()
        self._know_own_address(options["host"], options["port"])
        with_sandbox = not options["no_sandbox"] and not _production()
        sandbox = self._start_sandbox(options["sandbox_port"]) if with_sandbox else None
        user = self._first_user()
        consumer = None if options["web_only"] else self._start_worker()
        try:
            self._serve(
                options["host"],
                options["port"],
                on_ready=lambda: self._print_banner(
                    options["host"], options["port"], user, sandbox
                ),
            )
        finally:
            if consumer is not None:
                consumer.stop(graceful=True)

    def _first_user(self) -> FirstUser:
        try:
            return ensure_first_user()
        except IntegrityError:  # another web process starting at the same moment created it
            return ensure_first_user()
        except WeakAdminPassword as weak:
            raise CommandError(str(weak)) from None

    def _know_own_address(self, host: str, port: int) -> None:
        """Webhook URLs name the hub's address: the port given here, unless configured."""
        if "SATUSTOK_PUBLIC_URL" not in os.environ:
            settings.PUBLIC_URL = f"http://{host}:{port}"

    def _start_worker(self) -> Any:
        """The in-process queue worker (threads, woken by what this process queues), and a
        nudge for runs a stop left half-way."""
        from huey.contrib.djhuey import HUEY

        from satustok.core.logging import trace_tasks
        from satustok.core.queue import adopt_list_queue
        from satustok.core.wakeup import WakingConsumer
        from satustok.sync.tasks import resume_unfinished

        trace_tasks(HUEY)  # task and integration/run ids on every record a task logs

        # Idle threads wake as soon as the web (or a task) here queues work: a sale's two hops
        # through the queue wait for no poll.
        consumer = WakingConsumer(
            HUEY,
            workers=settings.SATUSTOK_WORKER_THREADS,
            worker_type="thread",
            periodic=True,
            **IDLE_POLLING,
        )
        consumer.start()
        adopt_list_queue(HUEY.storage)
        resume_unfinished()
        return consumer

    def _start_sandbox(self, port: int) -> Any:
        from satustok_sandbox.server import start_in_thread

        sandbox = start_in_thread(port=port)
        # The hub (and any process it starts) must reach the sandbox, not the real hosts.
        for name, url in _sandbox_settings(sandbox.info).items():
            os.environ[f"SATUSTOK_{name}"] = url
            setattr(settings, name, url)
        for description in registry.descriptions():
            description.prepare_sandbox(sandbox.info, settings.PUBLIC_URL)
        return sandbox

    def _serve(self, host: str, port: int, on_ready: Callable[[], None]) -> None:
        import uvicorn
        from uvicorn.config import LOGGING_CONFIG

        class AnnouncingServer(uvicorn.Server):
            # Print "where to go" only once the port accepts connections, so a script that
            # reads the banner can use the URL at once.
            async def startup(self, sockets: Any = None) -> None:
                await super().startup(sockets=sockets)
                if self.started:
                    on_ready()

        config = uvicorn.Config(
            "satustok.asgi:application",
            host=host,
            port=port,
            log_level="warning",
            lifespan="off",
            # JSON logs: uvicorn's records go through satustok's handler instead of its own.
            log_config=None if settings.SATUSTOK_LOG_FORMAT == "json" else LOGGING_CONFIG,
        )
        AnnouncingServer(config).run()

    def _print_banner(self, host: str, port: int, user: FirstUser, sandbox: Any) -> None:
        url = f"http://{host}:{port}/"
        lines = ["", "satustok is running", *_mode_lines(sandbox), f"  Open        {url}"]
        if user.created and user.chosen:
            lines.append(
                f"  Log in as   {user.username} / the password in SATUSTOK_ADMIN_PASSWORD"
                "  (first user, created now)"
            )
        elif user.created:
            lines.append(
                f"  Log in as   {user.username} / {user.password}  (first user, created now)"
            )
        else:
            lines.append(f"  Log in as   {user.username} (existing user)")
        if sandbox is not None:
            lines += self._sandbox_lines(sandbox)
        lines += ["", "Stop with Ctrl+C.", ""]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()

    def _sandbox_lines(self, sandbox: Any) -> list[str]:
        """Where the sandbox is, the settings that point a CLI process at it, and the demo
        shops' credentials."""
        lines = [f"  Sandbox     {sandbox.base_url} · control API {sandbox.control_url}"]
        names = _sandbox_settings(sandbox.info)
        lines += [f"              SATUSTOK_{name}={url}" for name, url in names.items()]
        lines += ["", "Next: connect the demo shops with these sandbox credentials"]
        for description in registry.descriptions():
            lines += description.sandbox_hint(sandbox.info)
        return lines


def _production() -> bool:
    return bool(settings.SATUSTOK_MODE == Mode.PRODUCTION)


def _mode_lines(sandbox: Any) -> list[str]:
    """Which marketplaces this hub talks to, said first and plainly."""
    if _production():
        return ["  PRODUCTION MODE — talking to the real marketplaces"]
    if sandbox is not None:
        return [
            "  DEMO MODE — talking to the sandbox marketplaces, not the real ones",
            "              (SATUSTOK_MODE=production for real shops; docs/operations.md)",
        ]
    return [
        "  DEMO MODE — no sandbox started: talking to the marketplace addresses in the settings",
        "              (SATUSTOK_MODE=production for real shops; docs/operations.md)",
    ]


def _sandbox_settings(info: Any) -> dict[str, str]:
    return {
        name: url
        for description in registry.descriptions()
        for name, url in description.sandbox_settings(info).items()
    }
