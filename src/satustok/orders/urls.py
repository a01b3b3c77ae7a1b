"""Webhook receivers: ``/webhooks/<channel>/<integration id>/<event>/`` (no login, no CSRF).
Any other address under ``/webhooks/`` gets the receiver's JSON 404, never a page."""

from django.urls import path, re_path

from satustok.orders import webhooks

app_name = "orders"
urlpatterns = [
    path("<slug:channel>/<int:account_id>/<slug:event>/", webhooks.receive, name="webhook"),
    re_path(r"", webhooks.no_such_address, name="no_webhook"),
]
