from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "satustok.reports"
    verbose_name = "Reports"
