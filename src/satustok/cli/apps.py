from django.apps import AppConfig


class CliConfig(AppConfig):
    """The front end for operators: every ``satustok …`` management command lives here."""

    name = "satustok.cli"
    label = "satustok_cli"
    verbose_name = "satustok CLI"
