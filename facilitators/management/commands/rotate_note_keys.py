"""Re-encrypt every session note and revision with the newest NOTES_ENCRYPTION_KEYS key.

Put the new key first and keep the old ones after it, run this, then drop the old keys. Rows
are done in batches, each in its own transaction with its rows locked (a facilitator saving
meanwhile waits for the batch, never loses a write). Each row records the id of its key, so
a second run (after a crash, or to finish) skips what is already on the newest key.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from facilitators import crypto
from facilitators.models import SessionNote, SessionNoteRevision
from sessions_app.audit import audit_log


def rotate_model(model, *, newest: str, batch_size: int, on_batch=None) -> tuple[int, list[int]]:
    """Re-encrypt the rows of `model` not yet on key `newest`: (rows done, pks that failed)."""
    done, failed, last_pk = 0, [], 0
    while True:
        with transaction.atomic():
            rows = list(
                model.objects.select_for_update()
                .filter(pk__gt=last_pk)
                .exclude(key_id=newest)
                .order_by("pk")
                .only("pk", "content", "key_id")[:batch_size]
            )
            if not rows:
                return done, failed
            changed = []
            for row in rows:
                try:
                    row.content, row.key_id = crypto.rotate(row.content)
                except crypto.InvalidToken:
                    failed.append(row.pk)
                    continue
                changed.append(row)
            model.objects.bulk_update(changed, ["content", "key_id"])
        done += len(changed)
        last_pk = rows[-1].pk
        if on_batch:
            on_batch(model, done)


class Command(BaseCommand):
    help = "Re-encrypt every session note and revision with the newest notes key (resumable)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch-size",
            type=int,
            default=settings.NOTES_ROTATION_BATCH_SIZE,
            help="Rows per transaction (default: NOTES_ROTATION_BATCH_SIZE, 200).",
        )

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        newest = crypto.newest_key_id()
        total_failed = []

        def progress(model, done):
            if options["verbosity"] >= 2:
                self.stdout.write(f"  {model._meta.verbose_name_plural}: {done} re-encrypted")

        for model in (SessionNote, SessionNoteRevision):
            done, failed = rotate_model(
                model, newest=newest, batch_size=batch_size, on_batch=progress
            )
            total_failed += [(model, pk) for pk in failed]
            self.stdout.write(
                f"{model._meta.verbose_name_plural}: {done} re-encrypted with key {newest}, "
                f"{model.objects.exclude(key_id=newest).count()} left on older keys."
            )
        audit_log(
            actor=None,
            action="note.rotate_keys",
            object_type="facilitators.sessionnote",
            object_id="*",
            metadata={"failed": len(total_failed)},
        )
        if total_failed:
            listed = ", ".join(f"{m._meta.model_name} {pk}" for m, pk in total_failed[:20])
            raise CommandError(
                f"{len(total_failed)} rows could not be decrypted with any configured key "
                f"({listed}). Add the key they were written with to NOTES_ENCRYPTION_KEYS "
                "(after the newest) and run again."
            )
