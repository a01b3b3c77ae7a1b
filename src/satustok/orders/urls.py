"""Webhook receivers: ``/webhooks/<channel>/<integration id>/<event>/`` (no login, no CSRF)."""

from django.urls import path

from satustok.orders import webhooks

app_name = "orders"
urlpatterns = [
    path("<slug:channel>/<int:account_id>/<slug:event>/", webhooks.receive, name="webhook"),
]
