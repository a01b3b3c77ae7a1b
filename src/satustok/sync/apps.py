from django.apps import AppConfig


class SyncConfig(AppConfig):
    name = "satustok.sync"
    verbose_name = "Sync"
