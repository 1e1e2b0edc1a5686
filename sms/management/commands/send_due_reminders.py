"""manage.py send_due_reminders [--now ISO]: the reminder sweep, as celery beat runs it.

With --now the whole command happens at that instant: it plans the reminders due then and
sends them itself, at that instant too (the workers would judge them by the real clock)."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from sms import services


class Command(BaseCommand):
    help = "Create due SMS reminders, reconcile stuck sends and hand due texts to the workers."

    def add_arguments(self, parser):
        parser.add_argument(
            "--now",
            help="Pretend it is this instant (ISO 8601, with offset), for the planning and "
            "for the sends, which this command then makes itself.",
        )

    def handle(self, *args, now=None, **options):
        instant = None
        if now:
            try:
                instant = datetime.fromisoformat(now)
            except ValueError:
                raise CommandError(f"--now must be ISO 8601, not {now!r}") from None
            if timezone.is_naive(instant):
                raise CommandError("--now needs a UTC offset, e.g. 2026-11-03T08:00:00+00:00")
        result = services.reminders_sweep(now=instant, send_here=instant is not None)
        line = "due {due}, reconciled {reconciled}, dispatched {dispatched}".format(**result)
        if "sent" in result:
            line += ", sent {sent}".format(**result)
        self.stdout.write(line)
