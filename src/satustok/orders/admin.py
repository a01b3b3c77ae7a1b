"""Read-mostly admin views for operators: orders change only through ingestion and actions."""

from django.contrib import admin

from satustok.orders.models import Order, OrderLine, OrderSyncState, WebhookDelivery


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    can_delete = False
    readonly_fields = ["external_product_id", "sku", "name", "quantity", "price", "listing",
                       "variant", "linked", "in_baseline", "stock_effect"]  # fmt: skip


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["external_id", "invoice", "account", "status", "channel_status",
                    "stock_effect", "has_unlinked_lines", "ordered_at"]  # fmt: skip
    list_filter = ["account", "status", "has_unlinked_lines"]
    search_fields = ["external_id", "invoice"]
    list_select_related = ["account"]
    readonly_fields = ["status", "channel_status", "status_rank", "stock_effect"]
    inlines = [OrderLineInline]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["received_at", "channel", "event", "account", "signature_ok", "status",
                    "order_external_id", "outcome"]  # fmt: skip
    list_filter = ["channel", "event", "status", "signature_ok"]
    search_fields = ["order_external_id", "body"]
    readonly_fields = [field.name for field in WebhookDelivery._meta.fields]


@admin.register(OrderSyncState)
class OrderSyncStateAdmin(admin.ModelAdmin):
    list_display = ["account", "high_water", "poll_finished_at", "poll_error",
                    "webhooks_registered_at"]  # fmt: skip
