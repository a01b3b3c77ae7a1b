from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "satustok.channels"
    verbose_name = "Integrations"
