"""Before one SmsStatusEvent per (MessageSid, status) (0003): replays of a signed callback
stored a row each. The earliest row of each pair stays, linked to its text if any copy was.
A migration of its own: on PostgreSQL the deletes leave foreign-key trigger events pending,
and a table with those cannot be altered in the same transaction."""

from django.db import migrations
from django.db.models import Count, Min


def drop_duplicate_events(apps, schema_editor):
    Event = apps.get_model("sms", "SmsStatusEvent")
    pairs = (
        Event.objects.order_by()
        .values("message_sid", "status")
        .annotate(copies=Count("pk"), first=Min("pk"))
        .filter(copies__gt=1)
    )
    for pair in pairs.iterator():
        copies = Event.objects.filter(message_sid=pair["message_sid"], status=pair["status"])
        outbound_id = (
            copies.filter(outbound__isnull=False).order_by("pk").values_list("outbound_id", flat=True).first()
        )
        copies.filter(pk=pair["first"], outbound__isnull=True).update(outbound_id=outbound_id)
        copies.exclude(pk=pair["first"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("sms", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(drop_duplicate_events, migrations.RunPython.noop, elidable=True),
    ]
