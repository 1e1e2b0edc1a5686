from django.core.management.base import BaseCommand

from sessions_app.services import sessions_materialize


class Command(BaseCommand):
    help = "Create Session rows for every active series up to the rolling horizon (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--horizon-days", type=int, default=None)

    def handle(self, *args, horizon_days=None, **options):
        created = sessions_materialize(horizon_days=horizon_days)
        self.stdout.write(self.style.SUCCESS(f"{created} session(s) created."))
