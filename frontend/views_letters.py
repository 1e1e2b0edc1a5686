"""Attendance letters: the attendee's page to ask for one, the printable letter, and the
public page where anyone checks a verification code."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from frontend import forms, throttle
from sessions_app import access, selectors, services
from sessions_app.client import client_address
from sessions_app.models import AttendanceLetter


def _letter_context(letter: AttendanceLetter) -> dict:
    return {
        "letter": letter,
        "days": [date.fromisoformat(day) for day in letter.dates],
        "code": selectors.attendance_letter_code(letter),
        "verify_url": selectors.attendance_letter_verify_url(letter),
    }


@login_required
@require_http_methods(["GET", "POST"])
def attendance(request):
    """The form for a letter (groups where you attended) and the letters you were issued."""
    groups = selectors.groups_attended(user=request.user)
    choices = [(g.slug, g.name) for g in groups]
    form = forms.AttendanceLetterForm(request.POST or None, groups=choices)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            group = access.access_group(user=request.user, slug=data["group"])
            try:
                letter = services.attendance_letter_issue(
                    user=request.user,
                    group=group,
                    date_from=data["date_from"],
                    date_to=data["date_to"],
                    attendee_name=data["name"],
                )
            except ValidationError as exc:
                forms.errors_onto(form, exc)
            else:
                return redirect("frontend:attendance-letter", reference=letter.reference)
        status = 400
    return render(
        request,
        "frontend/attendance.html",
        {
            "form": form,
            "has_groups": bool(choices),
            "letters": selectors.attendance_letters_of(user=request.user)[:50],
        },
        status=status,
    )


@login_required
@require_GET
def attendance_letter(request, reference: str):
    """One of your letters, ready to print. Nobody else's: a 404 for them."""
    letter = selectors.attendance_letters_of(user=request.user).filter(reference=reference).first()
    if letter is None:
        raise Http404
    return render(request, "frontend/attendance_letter.html", _letter_context(letter))


@require_GET
def verify(request, code: str = ""):
    """The public check: what the letter with this code says, or that the code is not valid.
    Each check counts against the address's THROTTLE_LETTER_VERIFY limit."""
    code = code or request.GET.get("code", "")
    form = forms.VerifyCodeForm(initial={"code": code})
    if not code:
        return render(request, "frontend/verify.html", {"form": form})
    address = client_address(request)
    limit = throttle.PageLimit(scope="letter_verify", prefix="letter-verify", who=address)
    if limit.reached():
        throttle.refused(limit, address)
        return render(
            request, "frontend/verify.html", {"form": form, "throttled": True}, status=429
        )
    limit.count()
    letter = selectors.attendance_letter_for_code(code)
    if letter is None:
        return render(request, "frontend/verify.html", {"form": form, "invalid": True}, status=404)
    return render(request, "frontend/verify.html", {"form": form, **_letter_context(letter)})
