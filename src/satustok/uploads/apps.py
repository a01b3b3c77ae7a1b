from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "satustok.uploads"
    verbose_name = "Uploads"

    def ready(self) -> None:
        # Registers the daily purge (uploads/tasks.py) with every consumer.
        from satustok.uploads import tasks  # noqa: F401
