"""Pages about a person's own account: language, log in, sign up, the account page and its
forms (profile, phone, SMS, calendar, people blocked, export, delete)."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from facilitators import services as facilitator_services
from frontend import forms, throttle
from frontend.browser_zone import browser_zone
from frontend.words import timezone_label
from frontend.zone_names import zone_place
from rooms import selectors as room_selectors
from rooms import services as room_services
from sessions_app import selectors, services
from sessions_app.client import client_address
from sms import services as sms_services
from sms.models import SmsConsent

GROUPS_PER_PAGE = 20
UPCOMING_ON_GROUP_PAGE = 8


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# --- language ---------------------------------------------------------------------------------


def language_switch(request):
    """The footer switch: Django's set_language (a cookie, for visitors and accounts that follow
    the browser). An account that chose a language keeps choosing: the switch changes it, since
    the account's language wins over the cookie on every page."""
    response = set_language(request)
    language = request.POST.get("language", "")
    user = request.user
    if (
        request.method == "POST"
        and user.is_authenticated
        and user.language
        and language in dict(settings.LANGUAGES)
    ):
        services.user_update_profile(user=user, language=language)
    return response


# --- accounts: log in, sign up ---


class LoginView(auth_views.LoginView):
    """Django's login with our template, and failed attempts limited per address and username
    (at the API's THROTTLE_LOGIN rate) and per address whatever the names
    (THROTTLE_LOGIN_ADDRESS), so a password cannot be guessed through the page. The name is
    counted as authentication reads it, so respelling it ("ann ", a full-width "ａnn") buys no
    more tries."""

    template_name = "frontend/accounts/login.html"
    redirect_authenticated_user = True
    next_page = "/"

    def _failures(self) -> list[throttle.PageLimit]:
        address = client_address(self.request)
        name = throttle.login_name(self.request.POST.get("username", ""))
        return [
            throttle.PageLimit(scope="login", prefix="login-failures", who=f"{address}:{name}"),
            throttle.PageLimit(scope="login_address", prefix="login-address", who=address),
        ]

    def post(self, request, *args, **kwargs):
        reached = [limit for limit in self._failures() if limit.reached()]
        if reached:
            throttle.refused(reached[0], client_address(request))
            # The password is not even checked: an unbound form and the reason.
            context = self.get_context_data(
                form=self.get_form_class()(request),
                form_error=_("Too many failed attempts. Wait a minute and try again."),
            )
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        for limit in self._failures():
            limit.count()
        return super().form_invalid(form)


class PasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, with requests limited per address (THROTTLE_PASSWORD_RESET)
    and per e-mail address asked for (THROTTLE_PASSWORD_RESET_EMAIL), counted before the form
    is read. Whether an account has that address changes nothing: the same page, the same
    status, the same counts."""

    def post(self, request, *args, **kwargs):
        address = client_address(request)
        limits = [
            throttle.PageLimit(scope="password_reset", prefix="reset-address", who=address),
            throttle.PageLimit(
                scope="password_reset_email",
                prefix="reset-email",
                who=throttle.email_name(request.POST.get("email", "")),
            ),
        ]
        reached = [limit for limit in limits if limit.reached()]
        if reached:
            throttle.refused(reached[0], address)
            form = self.get_form()
            form.is_valid()
            form.add_error(None, _("Too many password reset requests. Try again later."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        for limit in limits:
            limit.count()
        return super().post(request, *args, **kwargs)


# --- accounts: sign up ------------------------------------------------------------------------


def _zone_confirmation(name: str) -> str:
    if name == "UTC":
        return _("Times are shown in UTC. Set your time zone on your account page.")
    return _(
        "Times are shown in %(zone)s (%(name)s), your browser's time zone. "
        "Not right? Change it on your account page."
    ) % {"zone": timezone_label(name), "name": zone_place(name)}


def signup(request):
    """Sign-up attempts are limited per address at the API's THROTTLE_REGISTER rate, counted
    before the form is read, so the page cannot be used to make accounts in bulk or to try
    usernames one after another."""
    if request.user.is_authenticated:
        return redirect("frontend:home")
    if request.method == "POST":
        address = client_address(request)
        attempts = throttle.PageLimit(scope="register", prefix="signup-attempts", who=address)
        if attempts.reached():
            throttle.refused(attempts, address)
            context = {
                "form": forms.SignupForm(),
                "next": _next_url(request, ""),
                "form_error": _("Too many sign-ups from your address. Try again later."),
            }
            return render(request, "frontend/accounts/signup.html", context, status=429)
        attempts.count()
    form = forms.SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.user_register(
                username=data["username"],
                password=data["password"],
                display_name=data["display_name"],
                email=data["email"],
                language=data["language"],
                # The browser's zone (zone.js): from the form, else the cookie, else UTC.
                timezone_name=data["timezone"] or browser_zone(request) or "",
            )
        except ValidationError as exc:
            forms.errors_onto(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to Hearth. Your account is ready."))
            messages.info(request, _zone_confirmation(user.timezone))
            return redirect(_next_url(request, reverse("frontend:home")))
    status = 400 if form.is_bound and form.errors else 200
    return render(
        request,
        "frontend/accounts/signup.html",
        {"form": form, "next": _next_url(request, "")},
        status=status,
    )


# --- account page -----------------------------------------------------------------------------

CONSENT_WORDS = sms_services.CONSENT_TEXT


def _consent_text() -> str:
    # The wording shown next to the switch, in the page's language, stored word for word.
    return _(CONSENT_WORDS)


def _account_page(request, status: int = 200, **bound):
    user = request.user
    context = {
        "profile_form": forms.ProfileForm(
            initial={
                "display_name": user.display_name,
                "timezone": user.timezone,
                "language": user.language,
                "email": user.email,
            }
        ),
        "phone_form": forms.PhoneForm(initial={"phone": str(user.phone) if user.phone else ""}),
        "verify_form": forms.PhoneVerifyForm(),
        "sms_form": forms.SmsConsentForm(initial={"sms_opt_in": user.sms_opt_in}),
        "notifications_form": forms.NotificationsForm(
            initial=selectors.notification_choices(user=user)
        ),
        "can_text": selectors.takes_sms(user),
        "can_email": selectors.takes_email(user),
        "delete_form": forms.AccountDeleteForm(),
        "consent_text": _consent_text(),
        "phone_pending": bool(user.phone) and user.phone_verified_at is None,
        "calendar_url": selectors.calendar_feed_url(user=user),
        "blocks": room_selectors.blocks_of(user=user),
    }
    context.update(bound)
    return render(request, "frontend/account.html", context, status=status)


@login_required
@require_GET
def account(request):
    return _account_page(request)


def _account_form(request, form_class, key: str, action):
    """Validate `form_class`, run `action(cleaned_data)`; errors come back on the page."""
    form = form_class(request.POST)
    if form.is_valid():
        try:
            message = action(form.cleaned_data)
        except ValidationError as exc:
            forms.errors_onto(form, exc)
        else:
            messages.success(request, message)
            return redirect("frontend:account")
    return _account_page(request, status=400, **{key: form})


@login_required
@require_POST
def account_profile(request):
    def save(data):
        services.user_update_profile(
            user=request.user,
            display_name=data["display_name"],
            timezone_name=data["timezone"],
            language=data["language"],
            # A form from before the field existed leaves the address alone.
            email=data["email"] if "email" in request.POST else None,
        )
        return _("Your profile is saved.")

    return _account_form(request, forms.ProfileForm, "profile_form", save)


@login_required
@require_POST
def account_phone(request):
    def start(data):
        sms_services.phone_verification_start(user=request.user, phone=data["phone"])
        return _("We texted you a 6-digit code. Enter it below.")

    return _account_form(request, forms.PhoneForm, "phone_form", start)


@login_required
@require_POST
def account_phone_verify(request):
    def confirm(data):
        sms_services.phone_verification_confirm(user=request.user, code=data["code"])
        return _("Your number is verified.")

    return _account_form(request, forms.PhoneVerifyForm, "verify_form", confirm)


@login_required
@require_POST
def account_sms(request):
    def switch(data):
        enabled = data["sms_opt_in"]
        sms_services.user_sms_opt_in_set(
            user=request.user,
            enabled=enabled,
            source=SmsConsent.Source.WEB,
            evidence=f"Switched on at /account/, shown: {_consent_text()}" if enabled else "",
        )
        return _("SMS reminders are on.") if enabled else _("SMS reminders are off.")

    return _account_form(request, forms.SmsConsentForm, "sms_form", switch)


@login_required
@require_POST
def account_notifications(request):
    def save(data):
        services.notification_preferences_set(user=request.user, choices=data)
        return _("Your notification choices are saved.")

    return _account_form(request, forms.NotificationsForm, "notifications_form", save)


@login_required
@require_POST
def account_calendar_reset(request):
    services.user_calendar_token_reset(user=request.user)
    messages.success(request, _("You have a new calendar link. The old one no longer works."))
    return redirect("frontend:account")


@login_required
@require_POST
def account_unblock(request, user_id: int):
    """Stop hiding someone's room messages (they were never told either way)."""
    block = room_selectors.blocks_of(user=request.user).filter(blocked_id=user_id).first()
    if block is not None:
        room_services.person_unblock(user=request.user, user_id=user_id)
        messages.success(
            request,
            _("You will see messages from %(name)s again.") % {"name": block.blocked_name},
        )
    return redirect("frontend:account")


@login_required
@require_POST
def account_export(request):
    """Everything Hearth holds about you, as a JSON download."""
    data = facilitator_services.account_export(user=request.user)
    response = HttpResponse(
        json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="hearth-my-data.json"'
    return response


@login_required
@require_POST
def account_delete(request):
    form = forms.AccountDeleteForm(request.POST)
    if form.is_valid():
        try:
            facilitator_services.account_delete(
                user=request.user, password=form.cleaned_data["password"]
            )
        except ValidationError as exc:
            forms.errors_onto(form, exc)
        else:
            logout(request)
            messages.success(request, _("Your account and everything in it is deleted."))
            return redirect("frontend:home")
    return _account_page(request, status=400, delete_form=form)
