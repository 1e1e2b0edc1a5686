from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("api.urls")),
    path("", include("sessions_app.sms.urls")),
    path("", include("frontend.urls")),
]
