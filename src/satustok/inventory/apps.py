from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "satustok.inventory"
    verbose_name = "Inventory"
