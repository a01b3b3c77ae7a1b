from django.contrib import admin

from satustok.catalog.models import MasterProduct, Variant


class VariantInline(admin.TabularInline):
    model = Variant
    extra = 0
    fields = ["sku", "name"]


@admin.register(MasterProduct)
class MasterProductAdmin(admin.ModelAdmin):
    list_display = ["name", "created_at"]
    search_fields = ["name", "variants__sku"]
    inlines = [VariantInline]


@admin.register(Variant)
class VariantAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "product"]
    search_fields = ["sku", "sku_key", "name"]
    list_select_related = ["product"]
