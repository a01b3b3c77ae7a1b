"""API tokens in the Django admin: create one (its key is shown once, on the page after
saving, and kept nowhere), see when each was last used, revoke."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone

from satustok.api import tokens
from satustok.api.models import ApiToken


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "user",
        "prefix",
        "read_only",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    fields = ["user", "name", "read_only", "prefix", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "created_at", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:  # a token's owner is fixed once its key is out
            return [*self.readonly_fields, "user"]
        return self.readonly_fields

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        if not change:
            # Kept on the request, not in a message: messages may travel in a cookie.
            request._issued_api_key = tokens.assign_key(obj)  # type: ignore[attr-defined]
        super().save_model(request, obj, form, change)

    def response_add(self, request: HttpRequest, obj: ApiToken, *args: Any) -> HttpResponse:
        key = getattr(request, "_issued_api_key", None)
        if key is None:
            return super().response_add(request, obj, *args)
        context = {**self.admin_site.each_context(request), "token": obj, "key": key}
        return TemplateResponse(request, "admin/api/apitoken/issued.html", context)

    @admin.action(description="Revoke selected tokens")
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        messages.success(request, f"{count} token(s) revoked.")
