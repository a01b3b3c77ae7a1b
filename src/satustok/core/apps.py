from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "satustok.core"
    verbose_name = "satustok"

    def ready(self) -> None:
        from satustok.core import checks, throttle

        checks.register()
        throttle.connect()
