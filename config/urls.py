from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from core import metrics
from core.views import favicon, language_set_view, livez, readyz
from reports.views import home

admin.site.site_header = "Dockhand administration"
admin.site.site_title = "Dockhand"

urlpatterns = [
    path("", home, name="home"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("language/", language_set_view, name="language_set"),
    # Pages without a <link rel="icon"> (the admin) make browsers ask for this one.
    path("favicon.ico", favicon),
    path("livez/", livez, name="livez"),
    path("readyz/", readyz, name="readyz"),
    path("healthz/", readyz, name="healthz"),  # the old name, kept for existing monitors: readiness
    path("metrics", metrics.metrics, name="metrics"),
    path("orders/rules/", include("orders.rules.urls")),
    path("orders/holds/", include("orders.holds.urls")),
    path("orders/sku-mappings/", include("orders.sku_mappings.urls")),
    path("orders/", include("orders.urls")),
    path("orders/", include("orders.intake.urls")),
    path("webhooks/", include("orders.intake.webhook_urls")),
    path("stock/", include("inventory.urls")),
    path("reports/", include("reports.urls")),
    path("picking/", include("shipping.urls")),
    path("packing/", include("shipping.packing.urls")),
    path("returns/", include("returns.urls")),
    path("billing/", include("billing.urls")),
    path("", include("shipping.tracking.urls")),  # /webhooks/tracking/<carrier>/, /deliveries/
    path("admin/", admin.site.urls),
    path("api/v1/", include("config.api_urls")),
]
handler400 = "core.views.bad_request"
# No /media/: generated documents are private and served only by access-checked views (core.documents).
