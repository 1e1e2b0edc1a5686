"""Calendar feeds: a group's and the personal one (secret token in the URL)."""

from django.urls import path

from frontend import calendar_views

urlpatterns = [
    path("groups/<slug:slug>/calendar.ics", calendar_views.group_calendar, name="group-calendar"),
    path("me/calendar.ics", calendar_views.my_calendar, name="me-calendar"),
]
