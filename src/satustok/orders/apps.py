from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "satustok.orders"
    verbose_name = "Orders"

    def ready(self) -> None:
        # Registers the orders' Huey tasks (webhook processing, the poll and its schedule)
        # with every consumer, whichever command started it.
        from satustok.orders import tasks  # noqa: F401
