"""Core resources: auth, groups, schedules, members, sessions, RSVPs, my RSVPs."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from api import views

router = SimpleRouter(trailing_slash=True)
router.register("groups", views.GroupViewSet, basename="group")
router.register("sessions", views.SessionViewSet, basename="session")

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("me/rsvps/", views.MyRSVPsView.as_view(), name="me-rsvps"),
    path("me/calendar-token/", views.CalendarTokenView.as_view(), name="me-calendar-token"),
    *router.urls,
]
