from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "satustok.reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        # Registers the reports' Huey tasks (the sales refresh every minute) with every
        # consumer, whichever command started it.
        from satustok.reports import tasks  # noqa: F401
