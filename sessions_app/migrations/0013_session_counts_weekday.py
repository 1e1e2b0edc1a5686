"""Going and waitlist counts on the session row (kept by triggers), the session's weekday in
its group's zone (for the directory's day filter) with its index, and the start index
covering the group (the list's count as an index-only scan)."""

import zoneinfo

from django.db import migrations, models


def fill(apps, schema_editor):
    from sessions_app.counts import ensure_count_triggers

    connection = schema_editor.connection
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE sessions_app_session s SET weekday = "
                "extract(isodow FROM s.start AT TIME ZONE g.timezone)::int - 1 "
                "FROM sessions_app_supportgroup g WHERE g.id = s.group_id"
            )
    else:
        Session = apps.get_model("sessions_app", "Session")
        zones = {}
        rows = []
        for session in Session.objects.select_related("group").only(
            "pk", "start", "group__timezone"
        ).iterator(chunk_size=2000):
            tz = zones.setdefault(session.group.timezone, zoneinfo.ZoneInfo(session.group.timezone))
            session.weekday = session.start.astimezone(tz).weekday()
            rows.append(session)
        Session.objects.bulk_update(rows, ["weekday"], batch_size=1000)
    ensure_count_triggers(connection, recount=True)


def unfill(apps, schema_editor):
    from sessions_app.counts import drop_count_triggers

    drop_count_triggers(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ("sessions_app", "0012_group_absence_check_ins"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="going_count",
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.AddField(
            model_name="session",
            name="waitlist_count",
            field=models.PositiveIntegerField(db_default=0, default=0, editable=False),
        ),
        migrations.AddField(
            model_name="session",
            name="weekday",
            field=models.PositiveSmallIntegerField(default=0, editable=False),
        ),
        migrations.RemoveIndex(model_name="session", name="session_start_idx"),
        migrations.AddIndex(
            model_name="session",
            index=models.Index(fields=["start", "group"], name="session_start_idx"),
        ),
        migrations.AddIndex(
            model_name="session",
            index=models.Index(
                condition=models.Q(("status", "scheduled")),
                fields=["weekday", "start", "group"],
                name="session_weekday_start_idx",
            ),
        ),
        migrations.RunPython(fill, unfill, elidable=False),
    ]
