"""Calendar feeds: a group's and the personal one (secret token in the URL)."""

from django.urls import path

from frontend import calendar_views
from sessions_app.selectors import CALENDAR_FEED_PATH

urlpatterns = [
    path("groups/<slug:slug>/calendar.ics", calendar_views.group_calendar, name="group-calendar"),
    path(CALENDAR_FEED_PATH, calendar_views.my_calendar, name="me-calendar"),
]
