from django.apps import AppConfig


class UploadsConfig(AppConfig):
    name = "satustok.uploads"
    verbose_name = "Uploads"
