from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "satustok.catalog"
    verbose_name = "Catalog"
