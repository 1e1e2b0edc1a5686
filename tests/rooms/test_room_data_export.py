"""A person's data export holds what the rooms recorded about them that is theirs (guidelines
accepted, reports they made, people they blocked, what they wrote on the private line), and
nothing others recorded about them (reports about them, blocks of them, the report's context
or the coordinators' decision)."""

from __future__ import annotations

from rest_framework.test import APIClient

from rooms import services as room_services
from rooms.models import GuidelinesAcceptance, PersonReport, PrivateMessage
from sessions_app import services
from sessions_app.models import SupportGroup


def export(user) -> dict:
    client = APIClient()
    client.force_authenticate(user)
    response = client.get("/api/v1/me/export/")
    assert response.status_code == 200
    return response.json()


def test_the_export_holds_what_the_rooms_recorded_about_me(room_world):
    w = room_world
    group, session = w.session.group, w.session
    for person in (w.lead, w.ana, w.ben):
        room_services.room_join(session_id=session.pk, user=person, server_id="test")
    room_services.chat_post(session_id=session.pk, user=w.ben, text="Nobody cares, Ana")
    services.group_update(group=group, guidelines="Speak from your own experience.")
    group.refresh_from_db()
    room_services.guidelines_accept(
        session_id=session.pk, user=w.ana, version=group.guidelines_version
    )
    room_services.message_report(session_id=session.pk, user=w.ana, seq=1, reason="Unkind")
    room_services.person_report_from_room(
        session_id=session.pk, user=w.ana, user_id=w.ben.pk, reason="He mocks people"
    )
    room_services.person_block(user=w.ana, user_id=w.ben.pk, session_id=session.pk)
    room_services.private_send(session_id=session.pk, user=w.ana, text="Can we talk after?")
    room_services.private_send(session_id=session.pk, user=w.ana, support=True)
    room_services.private_reply(
        session_id=session.pk, by=w.lead, user_id=w.ana.pk, text="Yes, stay on."
    )
    # What others recorded about Ana: Ben reports and blocks her.
    room_services.person_report_from_room(
        session_id=session.pk, user=w.ben, user_id=w.ana.pk, reason="ANA-SECRET-REASON"
    )
    room_services.person_block(user=w.ben, user_id=w.ana.pk, session_id=session.pk)
    report = PersonReport.objects.get(reporter=w.ana)
    room_services.person_report_resolve(
        report=report, by=w.staff, action="warn", resolution="COORDINATOR-NOTE"
    )
    accepted = GuidelinesAcceptance.objects.get(user=w.ana)
    sent = [m.sent_at.isoformat() for m in PrivateMessage.objects.order_by("pk")]

    data = export(w.ana)
    assert data["guidelines_accepted"] == [
        {
            "group": group.slug,
            "group_name": "Tuesday grief circle",
            "version": group.guidelines_version,
            "session": None,
            "accepted_at": accepted.accepted_at.isoformat(),
        }
    ]
    assert data["reports_made"] == {
        "people": [
            {
                "about": "Ben",
                "group": group.slug,
                "session": session.pk,
                "source": "room",
                "reason": "He mocks people",
                "created_at": data["reports_made"]["people"][0]["created_at"],
                "resolved": True,
            }
        ],
        "messages": [
            {
                "session": session.pk,
                "message_seq": 1,
                "reason": "Unkind",
                "created_at": data["reports_made"]["messages"][0]["created_at"],
                "resolved": False,
            }
        ],
    }
    assert data["blocks"] == [
        {"user": w.ben.pk, "display_name": "Ben", "blocked_at": data["blocks"][0]["blocked_at"]}
    ]
    assert data["private_messages"] == [
        {
            "session": session.pk,
            "group": group.slug,
            "to": None,
            "text": "Can we talk after?",
            "support": False,
            "sent_at": sent[0],
        },
        {
            "session": session.pk,
            "group": group.slug,
            "to": None,
            "text": "",
            "support": True,
            "sent_at": sent[1],
        },
    ]
    text = str(data)
    # Not Ana's: Ben's report and block of her, the reported words, the coordinator's note,
    # the facilitator's reply.
    for theirs in ("ANA-SECRET-REASON", "Nobody cares", "COORDINATOR-NOTE", "Yes, stay on."):
        assert theirs not in text

    # The facilitator's own export: the reply they wrote, to whom; nothing accepted (exempt).
    lead = export(w.lead)
    assert lead["private_messages"] == [
        {
            "session": session.pk,
            "group": group.slug,
            "to": "Ana",
            "text": "Yes, stay on.",
            "support": False,
            "sent_at": sent[2],
        }
    ]
    assert lead["guidelines_accepted"] == []
    assert lead["reports_made"] == {"people": [], "messages": []}


def test_every_session_acceptances_name_their_session(room_world):
    w = room_world
    group = services.group_update(
        group=w.session.group, guidelines="Be kind.", guidelines_every_session=True
    )
    room_services.room_join(session_id=w.session.pk, user=w.ana, server_id="test")
    room_services.guidelines_accept(
        session_id=w.session.pk, user=w.ana, version=group.guidelines_version
    )
    [accepted] = export(w.ana)["guidelines_accepted"]
    assert (accepted["session"], accepted["version"]) == (w.session.pk, group.guidelines_version)


def test_the_export_holds_the_invites_i_made_without_their_codes(room_world):
    w = room_world
    group = w.session.group
    group.join_policy = SupportGroup.JoinPolicy.INVITE
    group.save(update_fields=["join_policy"])
    invite = services.invite_create(group=group, by=w.lead, days_valid=7, max_uses=3)
    facilitator = export(w.lead)["facilitator"]
    assert facilitator["invites_made"] == [
        {
            "group": group.slug,
            "created_at": invite.created_at.isoformat(),
            "expires_at": invite.expires_at.isoformat(),
            "max_uses": 3,
            "use_count": 0,
            "state": "active",
            "revoked_at": None,
        }
    ]
    assert invite.token not in str(facilitator)
    assert export(w.ana)["facilitator"]["invites_made"] == []
