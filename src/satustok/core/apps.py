from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "satustok.core"
    verbose_name = "satustok"
