"""Facilitator workspace routes: notes, attendance, facilitator assignments, data rights."""

from django.urls import path

from api import views_facilitators as views

urlpatterns = [
    path("sessions/<int:pk>/note/", views.SessionNoteView.as_view(), name="session-note"),
    path(
        "sessions/<int:pk>/note/revisions/",
        views.SessionNoteRevisionsView.as_view(),
        name="session-note-revisions",
    ),
    path(
        "sessions/<int:pk>/attendance/",
        views.SessionAttendanceView.as_view(),
        name="session-attendance",
    ),
    path(
        "groups/<slug:slug>/facilitators/",
        views.GroupFacilitatorsView.as_view(),
        name="group-facilitators",
    ),
    path(
        "me/facilitator-profile/",
        views.MeFacilitatorProfileView.as_view(),
        name="me-facilitator-profile",
    ),
    path("me/export/", views.MeExportView.as_view(), name="me-export"),
    path("me/delete/", views.MeDeleteView.as_view(), name="me-delete"),
]
