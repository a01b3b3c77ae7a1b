"""``satustok worker``: queue workers on their own (for several processes or machines).

``satustok run`` already runs worker threads in-process; start ``satustok worker`` on
other machines with the same ``DATABASE_URL`` and ``SATUSTOK_QUEUE_URL=redis://…`` to share
the work. Every task is safe to run twice and on any worker. ``--log-tasks`` logs each task
run (name, id, arguments, outcome, seconds) with the process id, to see who did what.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from satustok.cli.management.commands.run import IDLE_POLLING
from satustok.cli.startup import refuse_unsafe_start


class Command(BaseCommand):
    help = "Run queue workers (imports, stock pushes, order polling) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--workers", type=int, default=settings.SATUSTOK_WORKER_THREADS)
        parser.add_argument(
            "--no-periodic",
            action="store_true",
            help="leave the periodic tasks (sweep, order poll) to another worker",
        )
        parser.add_argument(
            "--log-tasks",
            action="store_true",
            help="log every task run (name, arguments, outcome, seconds) at INFO",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from huey.contrib.djhuey import HUEY

        from satustok.core.logging import trace_tasks
        from satustok.core.queue import adopt_list_queue, backend_name
        from satustok.core.wakeup import WakingConsumer
        from satustok.sync.tasks import resume_unfinished

        refuse_unsafe_start()  # in production mode, an unsafe set-up (a Redis without password)
        trace_tasks(HUEY, log_each=options["log_tasks"])
        # A task this process queues (a push after processing, the scheduler's due tasks) wakes
        # an idle thread at once; the web's tasks come from another process, by the poll.
        consumer = WakingConsumer(
            HUEY,
            **IDLE_POLLING,
            workers=options["workers"],
            worker_type="thread",
            periodic=not options["no_periodic"],
        )
        adopt_list_queue(HUEY.storage)
        resume_unfinished()
        queue = backend_name(HUEY.storage)
        self.stdout.write(f"satustok worker: {options['workers']} threads on the {queue} queue")
        consumer.run()
