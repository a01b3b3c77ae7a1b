from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "satustok.api"
    verbose_name = "API"
