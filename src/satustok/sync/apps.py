from typing import Any

from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "satustok.sync"
    verbose_name = "Sync"

    def ready(self) -> None:
        from satustok.inventory.stock import stock_changed

        stock_changed.connect(_mark_listings_dirty, dispatch_uid="satustok.sync.mark_dirty")


def _mark_listings_dirty(sender: Any, warehouse_id: int, variant_ids: list[int], **_: Any) -> None:
    """Runs inside the stock change's transaction: listings to push are marked with it."""
    from satustok.sync import pusher, tasks

    marked = pusher.mark_dirty(warehouse_id, variant_ids)
    tasks.nudge_after_commit(set(marked.accounts), urgent=marked.urgent)
