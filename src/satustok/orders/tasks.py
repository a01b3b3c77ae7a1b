"""Background jobs of the orders app. Each re-reads what it needs from the database, so
running one twice, or on any worker, does no harm."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from satustok.orders import batches, poller, retention, webhooks

WEBHOOK_RETRIES = 3


@db_task(retries=WEBHOOK_RETRIES, retry_delay=webhooks.RETRY_DELAY)
def process_webhook(delivery_id: int) -> None:
    """Process a delivery, and the others waiting with it (they go as one batch)."""
    webhooks.process_delivery(delivery_id)


@db_task()
def process_webhooks_waiting() -> None:
    """The rest of a backlog, after a task's full batch (see ``webhooks.process_waiting``)."""
    webhooks.process_waiting()


@db_periodic_task(crontab(minute="*"))
def sweep_webhooks() -> list[int]:
    """Every minute: a delivery whose task was lost, or whose worker died, gets a new task."""
    waiting = webhooks.waiting_too_long()
    for delivery_id in waiting:
        process_webhook(delivery_id)
    return waiting


@db_periodic_task(crontab(minute="23"))
def purge_old_deliveries() -> int:
    """Every hour: deliveries done with and older than ``SATUSTOK_WEBHOOK_RETENTION_DAYS`` are
    deleted, in short batches (see ``orders.retention``)."""
    return retention.purge_deliveries().deliveries


@db_task()
def poll_orders(account_id: int) -> None:
    poller.poll_account(account_id)


@db_periodic_task(crontab(minute="*"))
def schedule_order_polls() -> list[int]:
    """Every minute: queue each integration's polls for the coming minute (one every
    ``SATUSTOK_ORDER_POLL_SECONDS``; a poll not yet due skips itself)."""
    accounts = poller.accounts_to_poll()
    for delay in poller.poll_offsets(poller.poll_interval()):
        for account_id in accounts:
            if delay:
                poll_orders.schedule((account_id,), delay=delay)
            else:
                poll_orders(account_id)
    return accounts


@db_task()
def run_batch(batch_id: int) -> None:
    """A bulk action over many orders (see ``orders.batches``)."""
    batches.run(batch_id)


@db_periodic_task(crontab(minute="41"))
def purge_batch_files() -> int:
    """Every hour: labels PDFs older than a week are deleted."""
    return batches.purge_files()


@db_periodic_task(crontab(minute="*"))
def resume_batches() -> list[int]:
    """Every minute: a bulk action whose worker died (no item finished for a while) goes on."""
    stale = batches.unfinished()
    for batch_id in stale:
        run_batch(batch_id)
    return stale
