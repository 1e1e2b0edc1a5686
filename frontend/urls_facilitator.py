"""Pages: the facilitator part of the site (included by frontend/urls.py, names in `frontend:`)."""

from django.urls import path

from frontend.facilitator.views import (
    coordinators,
    dashboard,
    groups,
    members,
    profile,
    sessions,
)

urlpatterns = [
    path("facilitate/", dashboard.dashboard, name="fac-dashboard"),
    path("facilitate/groups/", groups.group_list, name="fac-groups"),
    path("facilitate/profile/", profile.profile, name="fac-profile"),
    path("facilitate/groups/new/", groups.group_create, name="fac-group-new"),
    path("facilitate/groups/<slug:slug>/", groups.group_detail, name="fac-group"),
    path("facilitate/groups/<slug:slug>/edit/", groups.group_edit, name="fac-group-edit"),
    path(
        "facilitate/groups/<slug:slug>/schedules/new/",
        groups.schedule_create,
        name="fac-schedule-new",
    ),
    path(
        "facilitate/groups/<slug:slug>/schedules/preview/",
        groups.schedule_preview,
        name="fac-schedule-preview",
    ),
    path(
        "facilitate/groups/<slug:slug>/schedules/<int:pk>/edit/",
        groups.schedule_edit,
        name="fac-schedule-edit",
    ),
    path(
        "facilitate/groups/<slug:slug>/schedules/<int:pk>/end/",
        groups.schedule_end,
        name="fac-schedule-end",
    ),
    path("facilitate/groups/<slug:slug>/members/", members.members, name="fac-members"),
    path(
        "facilitate/groups/<slug:slug>/members/<int:pk>/<action>/",
        members.member_decide,
        name="fac-member-decide",
    ),
    path(
        "facilitate/groups/<slug:slug>/facilitators/",
        members.facilitators,
        name="fac-facilitators",
    ),
    path(
        "facilitate/groups/<slug:slug>/reports/",
        coordinators.group_reports,
        name="fac-group-reports",
    ),
    path("facilitate/sessions/<int:pk>/", sessions.session_detail, name="fac-session"),
    path(
        "facilitate/sessions/<int:pk>/cancel/", sessions.session_cancel, name="fac-session-cancel"
    ),
    path("facilitate/sessions/<int:pk>/move/", sessions.session_move, name="fac-session-move"),
    path(
        "facilitate/sessions/<int:pk>/attendance/",
        sessions.attendance_mark,
        name="fac-attendance",
    ),
    path("facilitate/sessions/<int:pk>/room/", sessions.room_set, name="fac-room"),
    path("facilitate/sessions/<int:pk>/note/", sessions.note_save, name="fac-note"),
    path(
        "facilitate/sessions/<int:pk>/note/revisions/",
        sessions.note_revisions,
        name="fac-note-revisions",
    ),
    path("facilitate/safety/", coordinators.safety, name="fac-safety"),
    path(
        "facilitate/safety/<int:pk>/acknowledge/",
        coordinators.safety_acknowledge,
        name="fac-safety-ack",
    ),
    path("facilitate/audit/", coordinators.audit, name="fac-audit"),
    path("facilitate/reports/", coordinators.reports, name="fac-reports"),
    path(
        "facilitate/reports/<int:pk>/resolve/",
        coordinators.report_resolve,
        name="fac-report-resolve",
    ),
    path(
        "facilitate/reports/people/<int:pk>/resolve/",
        coordinators.person_report_resolve,
        name="fac-person-report-resolve",
    ),
]
