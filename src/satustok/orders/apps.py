from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "satustok.orders"
    verbose_name = "Orders"
