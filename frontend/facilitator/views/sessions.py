"""One session: its page (roster, texts, room summary, note), attendance, the note form
without JavaScript and its revisions, opening the room, cancelling and moving."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from facilitators import selectors as fac_selectors
from facilitators import services as fac_services
from frontend.facilitator.forms import CancelForm, MoveForm, NoteForm, errors_onto_form
from frontend.facilitator.views.common import (
    domain_error,
    facilitator_page,
    managed_session,
    posted,
)
from frontend.words import reach_in_words
from rooms import selectors as room_selectors
from rooms import services as room_services
from sessions_app import access, selectors, services
from sessions_app.errors import DomainError
from sessions_app.models import RSVP, Session, SessionFeedback
from sms import selectors as sms_selectors

# --- one session --------------------------------------------------------------------------------


def _roster(session: Session) -> list[RSVP]:
    rows = list(fac_selectors.session_attendance_roster(session=session))
    reach = selectors.notification_reach(users=[r.user for r in rows])
    for row in rows:
        row.reach_words = reach_in_words(reach[row.user_id])  # type: ignore[attr-defined]
    return rows


@require_GET
@facilitator_page
def session_detail(request, pk):
    session = managed_session(request, pk)
    note = fac_services.note_read(session=session, by=request.user)
    return _session_page(
        request, session, note=note, form=_note_form_for(note), follow_ups=note["follow_ups"]
    )


def _session_page(request, session, *, note, form, follow_ups, conflict=None, status=200):
    roster = _roster(session)
    return render(
        request,
        "frontend/facilitator/session_detail.html",
        {
            "session": session,
            "group": session.group,
            "roster": roster,
            "going": sum(1 for r in roster if r.status == RSVP.Status.GOING),
            "waiting": sum(1 for r in roster if r.status == RSVP.Status.WAITLISTED),
            "texts": sms_selectors.session_outbound(session=session),
            "note": note,
            "note_form": form,
            "follow_up_rows": _follow_up_rows(follow_ups),
            "note_json": _note_client_state(session, note),
            "conflict": conflict,
            "show_phone": access.is_coordinator(user=request.user),
            "is_over": session.end <= timezone.now(),
            "room": room_selectors.session_room_summary(session=session),
            "feedback": _feedback_words(selectors.session_feedback_summary(session=session)),
        },
        status=status,
    )


def _feedback_words(summary: dict) -> dict:
    """The feedback summary with the answers' labels in the page's language."""
    label = {choice.value: choice.label for choice in SessionFeedback.Helpful}
    return {
        "total": summary["total"],
        "counts": [(label[value], count) for value, count in summary["counts"].items()],
        "comments": [{**c, "label": label[c["helpful"]]} for c in summary["comments"]],
    }


def _note_form_for(note: dict, data=None) -> NoteForm:
    return NoteForm(
        data,
        initial={
            "summary": note["summary"],
            "body": note["body"],
            "themes": ", ".join(note["themes"]),
            "safety_concern": note["safety_concern"],
            "revision": note["revision"],
        },
    )


def _follow_up_rows(follow_ups: list[dict], spare: int = 2) -> list[dict]:
    """The checklist rows: every follow-up plus `spare` empty ones (to add without JS)."""
    return [*follow_ups, *({"text": "", "done": False} for _ in range(spare))]


def _note_client_state(session: Session, note: dict) -> dict:
    """What facilitator.js needs: where to save and the revision it is based on."""
    return {
        "session": session.pk,
        "revision": note["revision"],
        "api": reverse("session-note", args=[session.pk]),
        "strings": note_strings(),
    }


def note_strings() -> dict:
    """The words facilitator.js shows while it autosaves, in the page's language."""
    return {
        "saving": _("Saving…"),
        "saved": _("Saved"),
        "not_saved_yet": _("Not saved yet"),
        "retrying": _("Not saved yet — retrying"),
        "not_saved_because": _("Not saved: {why}"),
        "check_the_note": _("please check the note"),
        "signed_out": _(
            "Not saved: you are signed out. Your text is kept on this device; sign in and "
            "reopen this page."
        ),
        "restored": _("Restored text from this device that was not saved yet"),
        "conflict_status": _("Not saved: someone else saved this note"),
        "conflict_unloaded": _(
            "Someone else saved this note, and their version could not be loaded yet. Your "
            "text is kept here and on this device."
        ),
        "conflict_title": _("Someone else saved this note while you were writing"),
        "conflict_help": _(
            "Nothing is lost: both versions are below, and yours stays in the form. Copy what "
            "you need from theirs, then keep yours, or take theirs."
        ),
        "yours_unsaved": _("Your version (not saved yet)"),
        "yours_not_saved": _("Your version (not saved)"),
        "saved_by": _("Saved by {name} (revision {revision})"),
        "someone": _("someone"),
        "keep_mine": _("Keep my version and save"),
        "use_theirs": _("Use their version"),
        "earlier_text": _("Your earlier text, for copying"),
        "dismiss": _("Dismiss"),
        "done": _("Done"),
        "follow_up_n": _("Follow-up {n}"),
        "add_follow_up": _("Add a follow-up"),
        "summary": _("Summary:"),
        "themes": _("Themes:"),
    }


@require_POST
@facilitator_page
def note_save(request, pk):
    """The note form without JavaScript (autosave uses the API). A stale revision shows the
    saved version next to the text just sent, which stays in the form."""
    session = managed_session(request, pk)
    form = NoteForm(request.POST)
    conflict = None
    if form.is_valid():
        data = form.note_data(request.POST)
        try:
            fac_services.note_save(session=session, by=request.user, **data)
        except fac_services.NoteStale:
            conflict = fac_services.note_read(session=session, by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc)
        else:
            messages.success(request, _("Note saved."))
            return redirect(reverse("frontend:fac-session", args=[session.pk]) + "#note")
    note = conflict or fac_services.note_read(session=session, by=request.user)
    done = set(request.POST.getlist("follow_up_done"))
    mine_follow_ups = [
        {"text": text, "done": str(i) in done}
        for i, text in enumerate(request.POST.getlist("follow_up_text"))
        if text.strip()
    ]
    if conflict is not None:
        # Keep the person's text in the form, based on the current revision: saving again
        # replaces the other version on purpose, after they have seen it.
        data = request.POST.copy()
        data["revision"] = str(conflict["revision"])
        form = NoteForm(data)
        form.is_valid()
    return _session_page(
        request,
        session,
        note=note,
        form=form,
        follow_ups=mine_follow_ups,
        conflict=conflict,
        status=409 if conflict is not None else 400,
    )


@require_GET
@facilitator_page
def note_revisions(request, pk):
    session = managed_session(request, pk)
    revisions = fac_services.note_revisions_read(session=session, by=request.user)
    return render(
        request,
        "frontend/facilitator/note_revisions.html",
        {"session": session, "group": session.group, "revisions": revisions},
    )


@require_POST
@facilitator_page
def attendance_mark(request, pk):
    """One tick: attended or no-show for one RSVP. htmx gets the row back, others a redirect."""
    session = managed_session(request, pk)
    error = None
    try:
        services.attendance_set(
            session=session,
            marks=[
                {"username": request.POST.get("username"), "status": request.POST.get("status")}
            ],
            by=request.user,
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
    except DomainError as exc:
        error = exc.message
    if request.htmx:
        row = next(
            (r for r in _roster(session) if r.user.username == request.POST.get("username")), None
        )
        if row is None:
            return HttpResponse(status=400)
        return render(
            request,
            "frontend/facilitator/_roster_row.html",
            {"session": session, "r": row, "row_error": error},
            status=400 if error else 200,
        )
    if error:
        messages.error(request, error)
    return redirect(reverse("frontend:fac-session", args=[session.pk]) + "#roster")


@require_POST
@facilitator_page
def room_set(request, pk):
    session = managed_session(request, pk)
    want_open = request.POST.get("open") == "1"
    try:
        if want_open:
            room_services.room_open(session=session, by=request.user)
        else:
            room_services.room_close(session=session, by=request.user)
    except DomainError as exc:
        domain_error(request, exc)
    else:
        messages.success(request, _("The room is open.") if want_open else _("The room is closed."))
    return redirect("frontend:fac-session", pk=session.pk)


@require_http_methods(["GET", "POST"])
@facilitator_page
def session_cancel(request, pk):
    session = managed_session(request, pk)
    form = CancelForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.session_cancel(
                session=session, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as exc:
            errors_onto_form(form, exc)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Session cancelled. Attendees with an RSVP were told."))
            return redirect("frontend:fac-group", slug=session.group.slug)
    going = selectors.sessions_with_counts(Session.objects.filter(pk=session.pk)).get()
    return render(
        request,
        "frontend/facilitator/session_cancel.html",
        {"session": session, "group": session.group, "form": form, "counts": going},
    )


@require_http_methods(["GET", "POST"])
@facilitator_page
def session_move(request, pk):
    session = managed_session(request, pk)
    local = session.start.astimezone(session.group.tz)
    minutes = int((session.end - session.start).total_seconds() // 60)
    form = MoveForm(
        posted(request),
        initial={"date": local.date(), "time": local.time(), "duration_minutes": minutes},
    )
    if request.method == "POST" and form.is_valid():
        start, end = form.start_end()
        try:
            services.session_move(session=session, start=start, end=end, by=request.user)
        except ValidationError as exc:
            errors_onto_form(form, exc, aliases={"start": "date", "end": "duration_minutes"})
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Session moved. Attendees with an RSVP were told."))
            return redirect("frontend:fac-session", pk=session.pk)
    return render(
        request,
        "frontend/facilitator/session_move.html",
        {"session": session, "group": session.group, "form": form},
    )
