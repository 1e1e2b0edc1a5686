"""HTTP API routes under /api/. Each area keeps its own URL module under api/v1/."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("v1/", include("api.urls_core")),
    path("v1/", include("api.urls_facilitators")),
    path("v1/", include("api.urls_sms")),
]
