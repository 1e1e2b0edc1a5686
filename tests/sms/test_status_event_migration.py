"""sms 0002 and 0003: duplicate status events stored before the constraint go, one stays."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("sms", "0001_initial")]
AFTER = [("sms", "0003_status_event_once_per_status")]


@pytest.mark.django_db(transaction=True)
def test_migration_keeps_one_event_per_sid_and_status():
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        apps = executor.loader.project_state(BEFORE).apps
        Event = apps.get_model("sms", "SmsStatusEvent")
        Outbound = apps.get_model("sms", "OutboundSms")
        text = Outbound.objects.create(
            idempotency_key="k",
            kind="reminder",
            to="+14155550100",
            body="Hearth: hi",
            send_after="2026-06-10T12:00:00Z",
            expires_at="2026-06-11T12:00:00Z",
            message_sid="SMa",
        )
        # An early copy (before the sid was stored) and four linked replays, then others.
        first = Event.objects.create(message_sid="SMa", status="delivered")
        for _ in range(4):
            Event.objects.create(message_sid="SMa", status="delivered", outbound=text)
        sent = Event.objects.create(message_sid="SMa", status="sent", outbound=text)
        other = Event.objects.create(message_sid="SMb", status="delivered")
        Event.objects.create(message_sid="SMb", status="delivered")

        executor = MigrationExecutor(connection)
        executor.migrate(AFTER)
        Event = executor.loader.project_state(AFTER).apps.get_model("sms", "SmsStatusEvent")
        assert sorted(Event.objects.values_list("pk", "message_sid", "status", "outbound_id")) == [
            (first.pk, "SMa", "delivered", text.pk),
            (sent.pk, "SMa", "sent", text.pk),
            (other.pk, "SMb", "delivered", None),
        ]
    finally:
        MigrationExecutor(connection).migrate(
            MigrationExecutor(connection).loader.graph.leaf_nodes()
        )
