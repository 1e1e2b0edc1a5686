"""Pages. Each part of the site has its own URL module; all names live in `frontend:`."""

from django.urls import include, path

from frontend import views

app_name = "frontend"

urlpatterns = [
    path("", views.home, name="home"),
    path("help/", views.help_page, name="help"),
    path("", include("frontend.urls_attendee")),
    path("", include("frontend.urls_facilitator")),
    path("", include("frontend.urls_room")),
]
