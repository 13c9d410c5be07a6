"""URLs of a cluster host (<slug>.<base domain>)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from frontend.urls_tenant import area_urlpatterns

urlpatterns = [
    path("", include("clusterhub.urls_ops")),
    path("api/v1/", include("api.urls_tenant")),
    path("api/schema/", SpectacularAPIView.as_view(urlconf="clusterhub.urls_tenant"), name="schema"),
    path(
        "api/docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="frontend/swagger_ui.html"),
        name="swagger-ui",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("frontend.urls_tenant")),
    *area_urlpatterns,
]

# Error pages inside the layout (frontend/templates/403.html, 404.html, 500.html); 500 renders
# with no request context, so it needs no database.
handler403 = "django.views.defaults.permission_denied"
handler404 = "api.exceptions.not_found"  # JSON under /api/
handler500 = "api.exceptions.server_error"  # database down: 503 with Retry-After, JSON under /api/; otherwise templates/500.html in the layout
