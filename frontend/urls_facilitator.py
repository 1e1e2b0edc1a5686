"""Pages: the facilitator part of the site (included by frontend/urls.py, names in `frontend:`)."""

from django.urls import path

from frontend.facilitator import views

urlpatterns = [
    path("facilitate/", views.dashboard, name="fac-dashboard"),
    path("facilitate/groups/", views.group_list, name="fac-groups"),
    path("facilitate/groups/new/", views.group_create, name="fac-group-new"),
    path("facilitate/groups/<slug:slug>/", views.group_detail, name="fac-group"),
    path("facilitate/groups/<slug:slug>/edit/", views.group_edit, name="fac-group-edit"),
    path(
        "facilitate/groups/<slug:slug>/schedules/new/",
        views.schedule_create,
        name="fac-schedule-new",
    ),
    path(
        "facilitate/groups/<slug:slug>/schedules/preview/",
        views.schedule_preview,
        name="fac-schedule-preview",
    ),
    path(
        "facilitate/groups/<slug:slug>/schedules/<int:pk>/edit/",
        views.schedule_edit,
        name="fac-schedule-edit",
    ),
    path(
        "facilitate/groups/<slug:slug>/schedules/<int:pk>/end/",
        views.schedule_end,
        name="fac-schedule-end",
    ),
    path("facilitate/groups/<slug:slug>/members/", views.members, name="fac-members"),
    path(
        "facilitate/groups/<slug:slug>/members/<int:pk>/<action>/",
        views.member_decide,
        name="fac-member-decide",
    ),
    path(
        "facilitate/groups/<slug:slug>/facilitators/",
        views.facilitators,
        name="fac-facilitators",
    ),
    path(
        "facilitate/groups/<slug:slug>/reports/",
        views.group_reports,
        name="fac-group-reports",
    ),
    path("facilitate/sessions/<int:pk>/", views.session_detail, name="fac-session"),
    path("facilitate/sessions/<int:pk>/cancel/", views.session_cancel, name="fac-session-cancel"),
    path("facilitate/sessions/<int:pk>/move/", views.session_move, name="fac-session-move"),
    path(
        "facilitate/sessions/<int:pk>/attendance/",
        views.attendance_mark,
        name="fac-attendance",
    ),
    path("facilitate/sessions/<int:pk>/room/", views.room_set, name="fac-room"),
    path("facilitate/sessions/<int:pk>/note/", views.note_save, name="fac-note"),
    path(
        "facilitate/sessions/<int:pk>/note/revisions/",
        views.note_revisions,
        name="fac-note-revisions",
    ),
    path("facilitate/safety/", views.safety, name="fac-safety"),
    path(
        "facilitate/safety/<int:pk>/acknowledge/",
        views.safety_acknowledge,
        name="fac-safety-ack",
    ),
    path("facilitate/audit/", views.audit, name="fac-audit"),
    path("facilitate/reports/", views.reports, name="fac-reports"),
    path(
        "facilitate/reports/<int:pk>/resolve/",
        views.report_resolve,
        name="fac-report-resolve",
    ),
]
