"""manage.py send_check_ins: the check-ins sweep (feedback asks, "we missed you"), as celery
beat runs it every 15 minutes."""

from django.core.management.base import BaseCommand

from sms import services


class Command(BaseCommand):
    help = "Queue the due check-in texts (feedback asks, 'we missed you') and hand them over."

    def handle(self, *args, **options):
        result = services.checkins_sweep()
        self.stdout.write(
            "feedback asks {feedback_asks}, absence check-ins {absence_check_ins}".format(**result)
        )
