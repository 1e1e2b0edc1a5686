"""Core resources: auth, groups, schedules, members, sessions, RSVPs, my RSVPs."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from api import views_accounts, views_groups, views_letters, views_sessions

router = SimpleRouter(trailing_slash=True)
router.register("groups", views_groups.GroupViewSet, basename="group")
router.register("sessions", views_sessions.SessionViewSet, basename="session")

urlpatterns = [
    path("auth/register/", views_accounts.RegisterView.as_view(), name="auth-register"),
    path("auth/token/", views_accounts.TokenView.as_view(), name="auth-token"),
    path("me/rsvps/", views_accounts.MyRSVPsView.as_view(), name="me-rsvps"),
    path(
        "me/calendar-token/",
        views_accounts.CalendarTokenView.as_view(),
        name="me-calendar-token",
    ),
    path(
        "me/attendance-letter/",
        views_letters.MyAttendanceLetterView.as_view(),
        name="me-attendance-letter",
    ),
    path(
        "attendance-letters/<str:code>/",
        views_letters.AttendanceLetterVerifyView.as_view(),
        name="attendance-letter-verify",
    ),
    *router.urls,
]
