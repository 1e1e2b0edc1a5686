"""Attendee pages: the group directory, group and session pages, RSVPs, "My sessions" and the
account page. Views are thin: reads go through sessions_app.selectors, writes through the
services, permission questions through sessions_app.access."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language_info
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.i18n import set_language

from facilitators import services as facilitator_services
from frontend import forms, throttle
from frontend.words import clock_time, group_schedule_in_words
from sessions_app import access, selectors, services
from sessions_app.errors import DomainError
from sessions_app.models import RSVP, Membership, Session, SupportGroup
from sms import services as sms_services
from sms.models import SmsConsent

GROUPS_PER_PAGE = 20
UPCOMING_ON_GROUP_PAGE = 8


def _language_name(code: str) -> str:
    try:
        return get_language_info(code)["name_translated"]
    except KeyError:
        return code


def _viewer_tz(request) -> str | None:
    """The zone to show times in: the account's when logged in, else None (the group's)."""
    return request.user.timezone if request.user.is_authenticated else None


def _next_url(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return default


# --- directory --------------------------------------------------------------------------------


@require_GET
def home(request):
    """The directory of groups this visitor may see, with filters and each group's next session."""
    visible = selectors.groups_visible(user=request.user)
    form = forms.DirectoryFilterForm(
        request.GET or None,
        topics=selectors.group_topics(visible),
        languages=[(c, _language_name(c)) for c in selectors.group_languages(visible)],
    )
    groups = visible
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["topic"]:
            groups = groups.filter(topic=data["topic"])
        if data["format"]:
            groups = groups.filter(format=data["format"])
        if data["language"]:
            groups = groups.filter(language=data["language"])
        if data["day"] != "":
            groups = selectors.groups_meeting_on_weekday(groups, weekday=int(data["day"]))
    page = Paginator(groups.order_by("name", "pk"), GROUPS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    next_sessions = selectors.groups_next_session(
        SupportGroup.objects.filter(pk__in=[g.pk for g in page])
    )
    cards = [(group, next_sessions.get(group.pk)) for group in page]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "frontend/home.html",
        {
            "form": form,
            "cards": cards,
            "page": page,
            "query": query.urlencode(),
            "viewer_tz": _viewer_tz(request),
        },
    )


# --- group page -------------------------------------------------------------------------------


def _group_page(request, group: SupportGroup, *, join_form=None, status: int = 200):
    membership = access.membership_of(user=request.user, group=group)
    manages = access.can_manage_group(user=request.user, group=group)
    if join_form is None:
        join_form = forms.JoinForm(
            initial={"display_name": request.user.public_name}
            if request.user.is_authenticated
            else None
        )
    sessions = selectors.sessions_with_counts(selectors.sessions_upcoming(group=group))[
        :UPCOMING_ON_GROUP_PAGE
    ]
    return render(
        request,
        "frontend/group_detail.html",
        {
            "group": group,
            "schedule_words": group_schedule_in_words(group=group),
            "sessions": sessions,
            "membership": membership,
            "manages": manages,
            "show_video": bool(group.video_url)
            and access.can_see_video_link(user=request.user, group=group),
            "join_form": join_form,
            "viewer_tz": _viewer_tz(request),
        },
        status=status,
    )


@require_GET
def group_detail(request, slug: str):
    return _group_page(request, access.access_group(user=request.user, slug=slug))


@login_required
@require_POST
def group_join(request, slug: str):
    """Join (open groups), ask to join (approval) or join with an invitation code."""
    group = access.access_group(user=request.user, slug=slug)
    form = forms.JoinForm(request.POST)
    if not form.is_valid():
        return _group_page(request, group, join_form=form, status=400)
    try:
        membership = services.membership_join(
            group=group,
            user=request.user,
            display_name=form.cleaned_data["display_name"],
            invite_token=form.cleaned_data["invite_code"] or None,
        )
    except ValidationError as exc:
        forms.errors_onto(form, exc)
        return _group_page(request, group, join_form=form, status=400)
    except DomainError as exc:
        form.add_error("invite_code" if "invit" in exc.code else None, exc.message)
        return _group_page(request, group, join_form=form, status=400)
    if membership.status == Membership.Status.APPROVED:
        messages.success(request, _("Welcome to %(group)s.") % {"group": group.name})
    else:
        messages.success(request, _("Your request is sent. A facilitator will look at it soon."))
    return redirect("frontend:group-detail", slug=group.slug)


# --- session page and RSVP --------------------------------------------------------------------


def _visible_session(request, pk: int) -> Session:
    """With the RSVP counts the page shows."""
    queryset = selectors.sessions_with_counts(Session.objects.all())
    return access.access_session(user=request.user, pk=pk, queryset=queryset)


def _rsvp_context(request, session: Session, notice: str = "") -> dict:
    user = request.user
    rsvp = selectors.user_rsvp_for(user=user, session=session)
    facilitates = access.is_group_facilitator(user=user, group=session.group)
    going = rsvp is not None and rsvp.status == RSVP.Status.GOING
    offer = selectors.rsvp_open_seat_offer(rsvp=rsvp) if rsvp is not None else None
    tz = user.timezone if user.is_authenticated else session.group.timezone
    return {
        "offer": offer,
        "offer_expires": clock_time(offer.expires_at.astimezone(ZoneInfo(tz))) if offer else "",
        "session": session,
        "group": session.group,
        "rsvp": rsvp,
        "membership": access.membership_of(user=user, group=session.group),
        "can_rsvp": access.can_rsvp(user=user, group=session.group),
        "facilitates": facilitates,
        "is_open": session.status == Session.Status.SCHEDULED and session.end > timezone.now(),
        "is_over": session.end <= timezone.now(),
        # The room page (another part of the site) makes the final decision when it opens.
        "room_path": f"/sessions/{session.pk}/room/"
        if session.room_open and (facilitates or going)
        else "",
        "free_seats": max(session.effective_capacity - session.going_count, 0),
        "notice": notice,
    }


def _session_page(request, session: Session, notice: str = "", status: int = 200):
    if request.htmx:
        return render(request, "frontend/_rsvp_panel.html", _rsvp_context(request, session, notice))
    if notice:
        messages.info(request, notice)
        return redirect("frontend:session-detail", pk=session.pk)
    context = _rsvp_context(request, session)
    tz = _viewer_tz(request)
    context["viewer_tz"] = tz
    context["show_group_tz"] = tz is not None and tz != session.group.timezone
    return render(request, "frontend/session_detail.html", context, status=status)


@require_GET
def session_detail(request, pk: int):
    return _session_page(request, _visible_session(request, pk))


@login_required
@require_POST
def session_rsvp(request, pk: int):
    """RSVP: a seat if one is free, else a place on the waitlist."""
    session = _visible_session(request, pk)
    try:
        rsvp = services.rsvp_create(session=session, user=request.user)
    except DomainError as exc:
        return _session_page(request, session, exc.message)
    session = _visible_session(request, pk)  # fresh counts
    if rsvp.status == RSVP.Status.GOING:
        notice = _("You are going. See you there.")
    else:
        position = selectors.rsvp_waitlist_position(rsvp=rsvp)
        notice = _("The session is full: you are number %(n)s on the waitlist.") % {"n": position}
    return _session_page(request, session, notice)


@login_required
@require_POST
def session_rsvp_cancel(request, pk: int):
    """Cancel an RSVP; a freed seat goes to the first person on the waitlist."""
    session = _visible_session(request, pk)
    if session.end <= timezone.now():
        # As in the API: once it is over, an RSVP is attendance history, not a plan.
        return _session_page(request, session, _("This session is over."))
    try:
        services.rsvp_cancel(session=session, user=request.user)
    except DomainError as exc:
        return _session_page(request, session, exc.message)
    session = _visible_session(request, pk)
    return _session_page(request, session, _("Your RSVP is cancelled."))


@login_required
@require_POST
def session_claim(request, pk: int):
    """Claim a seat offered to you from the waitlist, before it passes to the next person."""
    session = _visible_session(request, pk)
    rsvp = selectors.user_rsvp_for(user=request.user, session=session)
    offer = selectors.rsvp_open_seat_offer(rsvp=rsvp) if rsvp is not None else None
    if offer is None:
        return _session_page(request, session, _("There is no seat offer for you to claim."))
    try:
        services.seat_offer_claim(offer=offer)
    except DomainError as exc:
        return _session_page(request, session, exc.message)
    session = _visible_session(request, pk)
    return _session_page(request, session, _("The seat is yours. See you there."))


# --- my sessions ------------------------------------------------------------------------------


@login_required
@require_GET
def my_sessions(request):
    """Upcoming RSVPs (going and waitlisted, with the place) and memberships still pending."""
    return render(
        request,
        "frontend/my_sessions.html",
        {
            "rsvps": selectors.user_rsvps_upcoming(user=request.user)[:100],
            "pending": Membership.objects.filter(
                user=request.user, status=Membership.Status.PENDING
            ).select_related("group"),
            "notices": selectors.user_notices_recent(user=request.user),
            "viewer_tz": request.user.timezone,
        },
    )


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
    (at the API's THROTTLE_LOGIN rate), so a password cannot be guessed through the page."""

    template_name = "frontend/accounts/login.html"
    redirect_authenticated_user = True
    next_page = "/"

    def _failures(self) -> throttle.PageLimit:
        who = f"{self.request.META.get('REMOTE_ADDR', '')}:{self.request.POST.get('username', '')}"
        return throttle.PageLimit(scope="login", prefix="login-failures", who=who)

    def post(self, request, *args, **kwargs):
        if self._failures().reached():
            # The password is not even checked: an unbound form and the reason.
            context = self.get_context_data(
                form=self.get_form_class()(request),
                form_error=_("Too many failed attempts. Wait a minute and try again."),
            )
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        self._failures().count()
        return super().form_invalid(form)


# --- accounts: sign up ------------------------------------------------------------------------


def signup(request):
    """Sign-up attempts are limited per address at the API's THROTTLE_REGISTER rate, counted
    before the form is read, so the page cannot be used to make accounts in bulk or to try
    usernames one after another."""
    if request.user.is_authenticated:
        return redirect("frontend:home")
    if request.method == "POST":
        attempts = throttle.PageLimit(
            scope="register", prefix="signup-attempts", who=request.META.get("REMOTE_ADDR", "")
        )
        if attempts.reached():
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
            )
        except ValidationError as exc:
            forms.errors_onto(form, exc)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to Hearth. Your account is ready."))
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
            }
        ),
        "phone_form": forms.PhoneForm(initial={"phone": str(user.phone) if user.phone else ""}),
        "verify_form": forms.PhoneVerifyForm(),
        "sms_form": forms.SmsConsentForm(initial={"sms_opt_in": user.sms_opt_in}),
        "delete_form": forms.AccountDeleteForm(),
        "consent_text": _consent_text(),
        "phone_pending": bool(user.phone) and user.phone_verified_at is None,
        "calendar_url": selectors.calendar_feed_url(user=user),
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
def account_calendar_reset(request):
    services.user_calendar_token_reset(user=request.user)
    messages.success(request, _("You have a new calendar link. The old one no longer works."))
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
