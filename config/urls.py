from django.contrib import admin
from django.urls import include, path

from config.health import healthz

handler404 = "config.errors.not_found"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("sms.urls")),
    path("", include("mail.urls")),
    path("healthz", healthz, name="healthz"),
    path("", include("frontend.urls_calendar")),
    path("", include("frontend.urls")),
]
