from django.contrib import admin

from satustok.channels.models import ChannelAccount, Listing


@admin.register(ChannelAccount)
class ChannelAccountAdmin(admin.ModelAdmin):
    list_display = ["__str__", "channel", "shop_id", "health", "push_stock"]
    list_filter = ["channel", "health"]
    # Secrets are never shown: not in lists, not in the form (they are set through the
    # integration flow, which encrypts them). Encrypted fields have no form field at all
    # (core/crypto.py), so a form saved here never writes a masked value back as a secret.
    exclude = ["client_secret", "access_token", "refresh_token", "webhook_secret"]
    readonly_fields = ["masked_client_secret", "token_expires_at", "health_checked_at"]

    @admin.display(description="Client Secret")
    def masked_client_secret(self, obj: ChannelAccount) -> str:
        return obj.client_secret.masked() if obj.client_secret else "—"


@admin.register(Listing)
class ListingAdmin(admin.ModelAdmin):
    list_display = ["external_id", "sku", "name", "account", "variant", "link_method", "stock"]
    list_filter = ["account", "link_method"]
    search_fields = ["external_id", "sku", "name"]
    list_select_related = ["account", "variant"]
    raw_id_fields = ["variant"]
