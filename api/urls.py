"""HTTP API routes under /api/. Each area keeps its own URL module under api/v1/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # Split: the init script is fetched from docs/?script rather than inlined (no
    # 'unsafe-inline' in the Content-Security-Policy); the page's styles are a static file.
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(url_name="schema", template_name="api/swagger_ui.html"),
        name="api-docs",
    ),
    path("v1/", include("api.urls_core")),
    path("v1/", include("api.urls_facilitators")),
    path("v1/", include("api.urls_sms")),
    path("v1/", include("api.urls_safety")),
]
