from django.contrib import admin

from satustok.inventory.models import StockLevel, StockMovement, Warehouse


@admin.register(Warehouse)
class WarehouseAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]


class MovementInline(admin.TabularInline):
    model = StockMovement
    extra = 0
    can_delete = False
    readonly_fields = [
        "on_hand_delta",
        "reserved_delta",
        "reason",
        "reference",
        "note",
        "created_at",
    ]

    def has_add_permission(self, request, obj=None) -> bool:  # type: ignore[no-untyped-def]
        return False  # the ledger is written by the stock service, never by hand


@admin.register(StockLevel)
class StockLevelAdmin(admin.ModelAdmin):
    list_display = ["variant", "warehouse", "on_hand", "reserved", "available"]
    list_select_related = ["variant", "warehouse"]
    search_fields = ["variant__sku"]
    readonly_fields = ["on_hand", "reserved"]
    inlines = [MovementInline]
