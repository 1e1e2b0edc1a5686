"""The embedded stand-in for celery beat: runs CELERY_BEAT_SCHEDULE's tasks in-process."""

import logging
import signal
import time

from celery import current_app
from django.conf import settings
from django.core.management.base import BaseCommand

log = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run the periodic sweeps of CELERY_BEAT_SCHEDULE in this process (embedded run only)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run every sweep once and exit.")

    def handle(self, *args, once=False, **options):
        stopping = False

        def stop(*_):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        current_app.loader.import_default_modules()
        entries = settings.CELERY_BEAT_SCHEDULE
        next_run = dict.fromkeys(entries, 0.0)
        while not stopping:
            now = time.monotonic()
            for name, entry in entries.items():
                if now < next_run[name]:
                    continue
                next_run[name] = now + float(entry["schedule"])
                try:
                    current_app.tasks[entry["task"]].apply()
                except Exception:
                    log.exception("periodic sweep %s failed", name)
            if once:
                return
            time.sleep(1)
