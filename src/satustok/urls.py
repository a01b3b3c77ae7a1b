from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("webhooks/", include("satustok.orders.urls")),
    path("api/", include("satustok.api.urls")),
    path("", include("satustok.core.health")),  # /healthz, /readyz (no login)
    path("", include("satustok.web.urls")),
]

handler403 = "satustok.web.access.forbidden"  # a refusal in the site's look
