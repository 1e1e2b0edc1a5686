"""Pages: the attendee part of the site (included by frontend/urls.py, names in `frontend:`)."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from frontend import (
    calendar_views,
    views,
    views_accounts,
    views_invites,
    views_letters,
    views_links,
    views_safety,
)
from sessions_app.selectors import (
    FEEDBACK_LINK_PATH,
    INVITE_PATH,
    SESSION_LINK_PATH,
    VERIFY_PATH,
)

T = "frontend/accounts/"

urlpatterns = [
    path("groups/", views.home, name="groups"),
    path("groups/<slug:slug>/", views.group_detail, name="group-detail"),
    path("groups/<slug:slug>/join/", views.group_join, name="group-join"),
    path("groups/<slug:slug>/report/", views_safety.group_report, name="group-report"),
    path("groups/<slug:slug>/leave/", views.group_leave, name="group-leave"),
    path("groups/<slug:slug>/invites/", views_invites.group_invites, name="group-invites"),
    path(
        "groups/<slug:slug>/invites/<int:invite_id>/revoke/",
        views_invites.group_invite_revoke,
        name="group-invite-revoke",
    ),
    path(f"{INVITE_PATH}/<slug:code>/", views_invites.invite_accept, name="invite"),
    path("sessions/<int:pk>/", views.session_detail, name="session-detail"),
    path("sessions/<int:pk>/rsvp/", views.session_rsvp, name="session-rsvp"),
    path("sessions/<int:pk>/rsvp/cancel/", views.session_rsvp_cancel, name="session-rsvp-cancel"),
    path("sessions/<int:pk>/feedback/", views.session_feedback, name="session-feedback"),
    path("sessions/<int:pk>/claim/", views.session_claim, name="session-claim"),
    path(
        "sessions/<int:pk>/calendar.ics",
        calendar_views.session_calendar,
        name="session-calendar",
    ),
    path("me/sessions/", views.my_sessions, name="my-sessions"),
    path("account/", views_accounts.account, name="account"),
    path("account/profile/", views_accounts.account_profile, name="account-profile"),
    path("account/phone/", views_accounts.account_phone, name="account-phone"),
    path("account/phone/verify/", views_accounts.account_phone_verify, name="account-phone-verify"),
    path("account/sms/", views_accounts.account_sms, name="account-sms"),
    path(
        "account/notifications/",
        views_accounts.account_notifications,
        name="account-notifications",
    ),
    path("account/calendar/", views_accounts.account_calendar_reset, name="account-calendar-reset"),
    path(
        "account/blocks/<int:user_id>/unblock/",
        views_accounts.account_unblock,
        name="account-unblock",
    ),
    path("account/export/", views_accounts.account_export, name="account-export"),
    path("account/delete/", views_accounts.account_delete, name="account-delete"),
    path("account/attendance/", views_letters.attendance, name="attendance"),
    path(
        "account/attendance/<str:reference>/",
        views_letters.attendance_letter,
        name="attendance-letter",
    ),
    path(f"{VERIFY_PATH}/", views_letters.verify, name="verify"),
    path(f"{VERIFY_PATH}/<str:code>/", views_letters.verify, name="verify-code"),
    # One-tap links: no trailing slash on the link itself, every character of a text counts.
    path(f"{SESSION_LINK_PATH}/<str:token>", views_links.session_link, name="session-link"),
    path(
        f"{SESSION_LINK_PATH}/<str:token>/cancel/",
        views_links.session_link_cancel,
        name="session-link-cancel",
    ),
    path(
        f"{SESSION_LINK_PATH}/<str:token>/room/",
        views_links.session_link_room,
        name="session-link-room",
    ),
    path(
        f"{SESSION_LINK_PATH}/<str:token>/ticket/",
        views_links.session_link_ticket,
        name="session-link-ticket",
    ),
    path(f"{FEEDBACK_LINK_PATH}/<str:token>", views_links.feedback_link, name="feedback-link"),
    path("i18n/language/", views_accounts.language_switch, name="set-language"),
    # Sign up, log in and out, password reset: Django's auth views with our templates.
    path("accounts/signup/", views_accounts.signup, name="signup"),
    path(
        "accounts/login/",
        views_accounts.LoginView.as_view(),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
    path(
        "accounts/password-reset/",
        views_accounts.PasswordResetView.as_view(
            template_name=T + "password_reset_form.html",
            email_template_name=T + "password_reset_email.txt",
            subject_template_name=T + "password_reset_subject.txt",
            success_url=reverse_lazy("frontend:password-reset-done"),
        ),
        name="password-reset",
    ),
    path(
        "accounts/password-reset/sent/",
        auth_views.PasswordResetDoneView.as_view(template_name=T + "password_reset_done.html"),
        name="password-reset-done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name=T + "password_reset_confirm.html",
            success_url=reverse_lazy("frontend:password-reset-complete"),
        ),
        name="password-reset-confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name=T + "password_reset_complete.html"
        ),
        name="password-reset-complete",
    ),
]
