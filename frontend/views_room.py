"""The live room page. Who may enter is `room_entry`'s decision; the page itself is a shell
that room.js fills from the WebSocket (docs/rooms.md)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from rooms import access
from rooms.access import room_entry
from sessions_app import access as group_access
from sessions_app.models import Session

# Why a page says no, keyed by `RoomEntry.reason` (the explanatory template picks the words).
REFUSALS = {
    "removed from this session": "removed",
    "not a member of this group": "not_member",
    "no seat at this session": "no_seat",
    "the room is locked": "locked",
}


@login_required
def session_room(request, pk: int):
    session = Session.objects.select_related("group").filter(pk=pk).first()
    return room_page(request, session=session, user=request.user)


def room_page(request, *, session: Session | None, user, ticket_path: str = ""):
    """The room of `session` as `user` may see it. With `ticket_path` (a one-tap link's page,
    for someone not logged in) room.js asks that path for a room ticket before each
    connection instead of relying on the login cookie."""
    entry = room_entry(user=user, session=session)
    if session is None or entry.code == access.CLOSE_NO_SESSION:
        raise Http404
    context = {
        "session": session,
        "group": session.group,
        "tz": session.group.timezone,  # as the group's other pages show its times
        "open_early_minutes": settings.ROOM_OPEN_EARLY_MINUTES,
    }
    if entry.allowed:
        context.update(
            role=entry.role,
            ws_path=f"/ws/sessions/{session.pk}/room/",
            max_chars=settings.ROOM_MAX_MESSAGE_CHARS,
            strings=room_strings(),
            ticket_path=ticket_path,
        )
        return render(request, "frontend/room.html", context)
    if entry.code == access.CLOSE_NOT_OPEN:
        now = timezone.now()
        if session.status == Session.Status.CANCELLED:
            state = "cancelled"
        elif session.end <= now:
            state = "over"
        else:
            state = "not_open"
        context.update(refusal=state, show_session=True, role=entry.role)
        return render(request, "frontend/room.html", context, status=409)
    context.update(
        refusal=REFUSALS.get(entry.reason, "not_member"),
        show_session=group_access.can_view_group(user=user, group=session.group),
    )
    return render(request, "frontend/room.html", context, status=403)


def room_strings() -> dict[str, str]:
    """Words room.js shows, translated here; `{name}`-style fields are filled in by the JS."""
    return {
        "connecting": _("Connecting…"),
        "reconnecting": _("Reconnecting…"),
        "connected": _("Connected"),
        "offline": _("Not connected"),
        "lobby": _("You are in the waiting room. A facilitator will let you in shortly."),
        "removed": _(
            "A facilitator has removed you from this session's room, so the conversation is "
            "no longer shown here. If you need support, the resources below are always here."
        ),
        "ended": _("The session has ended. Thank you for being here today."),
        "not_open": _("The room is closed right now."),
        "forbidden": _("You can't enter this room right now."),
        "signed_out": _("You have been signed out. Please sign in again to rejoin."),
        "no_session": _("This session no longer exists."),
        "elsewhere": _(
            "This room is open in other tabs or windows, so this one has stopped. Reload the "
            "page to continue here."
        ),
        "muted": _(
            "A facilitator has muted you for now. You can still read along and raise your hand."
        ),
        "unmuted": _("You can send messages again."),
        "paused": _("Chat is paused until a facilitator is here."),
        "locked": _("The room is locked: nobody new can join."),
        "your_turn": _("It's your turn to speak."),
        "turn_of": _("{name} is speaking."),
        "nobody_speaking": _("Nobody has the turn."),
        "hand_up": _("Your hand is raised: number {n} in line."),
        "hand_down": _("Your hand is down."),
        "raise_hand": _("Raise hand"),
        "lower_hand": _("Lower hand"),
        "nobody_here": _("Nobody else is here yet."),
        "facilitator": _("facilitator"),
        "you": _("you"),
        "muted_tag": _("muted"),
        "deleted": _("A facilitator removed this message."),
        "report": _("Report"),
        "report_label": _("Report the message from {name}"),
        "report_title": _("Report this message"),
        "report_reason": _("What is wrong with it? (optional)"),
        "report_confirm": _("Send report"),
        "reported": _("Thank you. The facilitators have been told."),
        "block": _("Block"),
        "block_label": _("Block {name}: hide their messages from you"),
        "block_title": _(
            "Block {name}? Their messages will be hidden from you in every room. They are not "
            "told. You can unblock them on your account page."
        ),
        "block_confirm": _("Block"),
        "blocked": _("You blocked {name}: their messages are hidden from you."),
        "blocked_anon": _("You blocked someone: their messages are hidden from you."),
        "unblocked": _("You unblocked {name}: their messages are shown again."),
        "unblocked_anon": _("You unblocked someone: their messages are shown again."),
        "delete": _("Delete"),
        "delete_label": _("Delete the message from {name}"),
        "delete_title": _("Delete this message for everyone?"),
        "mute": _("Mute"),
        "unmute": _("Unmute"),
        "mute_label": _("Mute {name}"),
        "unmute_label": _("Unmute {name}"),
        "remove": _("Remove"),
        "remove_label": _("Remove {name} from this session"),
        "remove_title": _("Remove {name} from this session? They cannot come back to it."),
        "remove_reason": _("Reason (optional, kept for the coordinators)"),
        "admit": _("Admit"),
        "admit_label": _("Admit {name}"),
        "lobby_empty": _("Nobody is waiting."),
        "move_up_label": _("Move {name} up"),
        "move_down_label": _("Move {name} down"),
        "lock": _("Lock room"),
        "unlock": _("Unlock room"),
        "end_title": _("End the room for everyone? The conversation closes for all."),
        "end": _("End room"),
        "alert_crisis": _("Crisis words from {name}: “{text}”"),
        "alert_report": _("{name} reported a message: “{text}”"),
        "alert_reason": _("Reason: {reason}"),
        "alert_support": _("{name} asked privately for support. {text}"),
        "alert_report_person": _("{name} reported {about} to the coordinators."),
        "report_person_label": _("Report {name}"),
        "report_person_title": _(
            "Report {name} to the coordinators? They read it privately; {name} is not told who "
            "reported them."
        ),
        "report_person_reason": _("What happened? (needed)"),
        "report_person_needs_reason": _("Please say what happened, so the coordinators can help."),
        "reported_person": _("Thank you. The coordinators will look at your report."),
        "alert_private": _("Private message from {name}: “{text}”"),
        "private_you": _("You"),
        "private_facilitator": _("{name} (facilitator)"),
        "private_from": _("{name} to the facilitators"),
        "private_to": _("{name} to {to}"),
        "private_support_you": _("You asked the facilitators for support."),
        "private_support_staff": _("{name} asked for support."),
        "private_reply": _("Reply"),
        "private_reply_label": _("Reply privately to {name}"),
        "private_sent": _("Sent privately."),
        "private_nobody": _("Choose who to reply to."),
        "support_told": _(
            "The facilitators have been told, privately. One of them will check in with you."
        ),
        "checkin_line": _("{name}: mood {mood} of 5 ({phase})"),
        "phase_start": _("start"),
        "phase_end": _("end"),
        "checkin_sent": _("Thank you for checking in."),
        "mod_muted": _("{name} is muted."),
        "mod_unmuted": _("{name} can send messages again."),
        "mod_removed": _("{name} was removed from the session."),
        "mod_admitted": _("{name} was let in."),
        "error": _("That didn't work: {message}"),
        "guidelines_required": _(
            "Please read the group's guidelines and accept them before you write or speak."
        ),
        "guidelines_every_session": _(
            "This group asks everyone to accept its guidelines at every session. Please read "
            "them and accept them before you write or speak."
        ),
        "guidelines_accepted": _("You have accepted these guidelines."),
        "guidelines_staff": _("Attendees accept these before they write or speak."),
        "guidelines_first": _("Please accept the group's guidelines first."),
        "guidelines_thanks": _("Thank you. You can write and speak now."),
        "share_started": _("Timed share for {name}: {time} left."),
        "share_left": _("{time} left in this share"),
        "share_ending": _("{time} left in this share: time to start finishing."),
        "share_over": _("Time is up for this share."),
        "share_minutes_range": _("A share lasts 1 to 10 minutes."),
        "pass": _("Pass"),
        "round_pass": _("Pass this round"),
        "round_started": _("A round has started: {prompt}"),
        "round_over": _("The round is over."),
        "round_prompt_needed": _("Write a prompt for the round first."),
        # Voice and video (media.js)
        "media_joining": _("Joining the call…"),
        "media_in_call": _("You are in the call."),
        "media_in_call_voice": _("You are in the call, voice only."),
        "media_alone": _("You are in the call. Nobody else has joined yet."),
        "media_count": _("{n} people in the call."),
        "media_left_you": _("You left the call."),
        "media_taken_over": _(
            "You joined the call from another tab or device, so this one left it."
        ),
        "media_reconnecting": _("Connection lost: the call comes back when the room reconnects."),
        "media_listening": _("Your microphone is off: you can listen. Turn it on to speak."),
        "media_mic_live": _("Your microphone is on: the group can hear you."),
        "media_mic_on": _("Turn on microphone"),
        "media_mic_off": _("Turn off microphone"),
        "media_cam_on": _("Turn on camera"),
        "media_cam_off": _("Turn off camera"),
        "media_cam_show": _("Show my camera to the group"),
        "media_cam_hide": _("Stop showing my camera"),
        "media_preview_private": _("Only you can see this preview"),
        "media_preview_shown": _("The group can see your camera"),
        "media_mod_muted": _(
            "A facilitator has muted your microphone. You can turn it on again once they "
            "unmute you."
        ),
        "media_mod_unmuted": _(
            "A facilitator unmuted you. Turn your microphone on when you want to speak."
        ),
        "media_not_your_turn": _(
            "In this room only the person whose turn it is can speak. Raise your hand to ask "
            "for a turn."
        ),
        "media_your_turn": _("It's your turn to speak. You can turn on your microphone."),
        "media_turn_of": _("It's {name}'s turn to speak."),
        "media_voice_only_group": _("This group meets by voice only: cameras stay off."),
        "media_video_cap": _(
            "This call has as many cameras as it can carry, so you are in it by voice only."
        ),
        "media_denied": _(
            "Your browser did not allow the microphone or camera. You can allow it in the "
            "browser's settings for this site and try again."
        ),
        "media_no_device": _("No microphone or camera was found on this device."),
        "media_full": _(
            "The call is full right now. You can still follow and write in the conversation."
        ),
        "media_tag_no_connection": _("can't connect: the network blocks the call"),
        "media_unavailable": _(
            "Voice and video aren't available right now. The conversation still works."
        ),
        "media_error": _("Voice and video had a problem: {message}"),
        "media_joined": _("{name} joined the call."),
        "media_left": _("{name} left the call."),
        "media_peer_muted": _("A facilitator muted {name}."),
        "media_you": _("{name} (you)"),
        "media_video_of": _("Video of {name}"),
        "media_tag_mic_off": _("microphone off"),
        "media_tag_mod_muted": _("muted by a facilitator"),
        "media_tag_camera_hidden": _("camera hidden (voice only)"),
        "media_tag_camera_shown": _("camera shown to the group"),
    }
