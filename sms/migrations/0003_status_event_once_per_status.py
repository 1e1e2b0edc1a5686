"""One SmsStatusEvent per (MessageSid, status); 0002 removed the duplicates."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("sms", "0002_drop_duplicate_status_events"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="smsstatusevent",
            constraint=models.UniqueConstraint(
                fields=("message_sid", "status"), name="sms_status_event_once_per_status"
            ),
        ),
    ]
