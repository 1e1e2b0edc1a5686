from django.core.management.base import BaseCommand

from rooms.services import room_messages_purge


class Command(BaseCommand):
    help = (
        "Delete room messages ROOM_MESSAGE_RETENTION_HOURS after their session ended, except "
        "messages with an unresolved report (celery beat runs this every 15 minutes)."
    )

    def handle(self, *args, **options):
        deleted = room_messages_purge()
        self.stdout.write(self.style.SUCCESS(f"{deleted} room message(s) deleted."))
