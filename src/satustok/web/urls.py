from django.contrib.auth import views as auth_views
from django.urls import path

from satustok.web.views import (
    activity,
    catalog,
    dashboard,
    imports,
    integrations,
    orders,
    stock,
    synclog,
    users,
)

app_name = "web"
urlpatterns = [
    path("", dashboard.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("integrations/", integrations.index, name="integrations"),
    path("integrations/add/", integrations.add, name="integration_add"),
    path(
        "integrations/add/<slug:channel>/", integrations.add_channel, name="integration_add_channel"
    ),
    path(
        "integrations/authorized/<str:channel>/",
        integrations.authorized,
        name="integration_authorized",
    ),
    path("integrations/<int:pk>/", integrations.detail, name="integration"),
    path("integrations/<int:pk>/reconnect/", integrations.reconnect, name="integration_reconnect"),
    path("integrations/<int:pk>/push/", integrations.toggle_push, name="integration_push"),
    path("integrations/<int:pk>/move-here/", integrations.move_here, name="integration_move"),
    path("catalog/", catalog.index, name="catalog"),
    path("catalog/unlinked/", catalog.unlinked, name="catalog_unlinked"),
    path("catalog/listings/<int:pk>/link/", catalog.link, name="listing_link"),
    path("catalog/sync/", imports.choose, name="import_choose"),
    path("catalog/sync/<str:channel>/", imports.choose, name="import_choose_channel"),
    path("catalog/sync/runs/<int:pk>/", imports.run_page, name="import_run"),
    path("catalog/sync/runs/<int:pk>/progress/", imports.progress, name="import_progress"),
    path("catalog/sync/runs/<int:pk>/finish/", imports.finish, name="import_finish"),
    path("catalog/sync/runs/<int:pk>/retry/", imports.retry, name="import_retry"),
    path("catalog/sync/runs/<int:pk>/not-imported.csv", imports.unimported_csv, name="import_csv"),
    path("inventory/", stock.index, name="inventory"),
    path("inventory/<int:pk>/", stock.detail, name="inventory_sku"),
    path("orders/", orders.index, name="orders"),
    path("orders/<int:pk>/", orders.detail, name="order"),
    path("orders/<int:pk>/accept/", orders.accept, name="order_accept"),
    path("orders/<int:pk>/reject/", orders.reject, name="order_reject"),
    path("orders/<int:pk>/refresh/", orders.refresh, name="order_refresh"),
    path("orders/<int:pk>/restock/", orders.restock, name="order_restock"),
    path("orders/<int:pk>/link/", orders.link_again, name="order_link"),
    path(
        "integrations/<int:pk>/webhooks/",
        orders.register_webhooks,
        name="integration_webhooks",
    ),
    path("sync-log/", synclog.index, name="sync_log"),
    path("sync-log/pushes/", synclog.pushes, name="sync_log_pushes"),
    path("activity/", activity.index, name="activity"),
    path("users/", users.index, name="users"),
    path("users/<int:pk>/", users.detail, name="user"),
    path("users/<int:pk>/active/", users.deactivate, name="user_active"),
    # Public: the one-time key in the link is the pass.
    path("invitation/<str:key>/", users.invitation, name="invitation"),
]
