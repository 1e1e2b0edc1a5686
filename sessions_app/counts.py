"""Going and waitlist counts kept on the session row by database triggers.

`Session.going_count` and `Session.waitlist_count` are changed by triggers on the RSVP table,
in the statement (and so the transaction) that inserts, deletes or changes an RSVP, whatever
does it: the services, the admin, a cascade from a deleted user or group, raw SQL. Lists then
read two integers per session instead of counting RSVPs per request.

SQLite drops a table's triggers when a migration rebuilds the table (its ALTER TABLE is
limited, so Django copies the table). `ensure_count_triggers` therefore runs after every
`migrate` (post_migrate, sessions_app/apps.py): it creates the triggers that are missing and,
if any was, recounts every session, so the counts can never silently stop following the RSVPs.
"""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.base.base import BaseDatabaseWrapper

RSVP_TABLE = "sessions_app_rsvp"
SESSION_TABLE = "sessions_app_session"
TRIGGERS = ("hearth_rsvp_counts_ins", "hearth_rsvp_counts_del", "hearth_rsvp_counts_upd")

_SQLITE_ADD = (
    "UPDATE sessions_app_session SET going_count = going_count + (NEW.status = 'going'), "
    "waitlist_count = waitlist_count + (NEW.status = 'waitlisted') WHERE id = NEW.session_id;"
)
_SQLITE_SUB = (
    "UPDATE sessions_app_session SET going_count = going_count - (OLD.status = 'going'), "
    "waitlist_count = waitlist_count - (OLD.status = 'waitlisted') WHERE id = OLD.session_id;"
)
_CHANGED = "(OLD.status IS NOT NEW.status OR OLD.session_id IS NOT NEW.session_id)"

SQLITE_TRIGGERS = {
    "hearth_rsvp_counts_ins": "CREATE TRIGGER IF NOT EXISTS hearth_rsvp_counts_ins "
    "AFTER INSERT ON sessions_app_rsvp WHEN NEW.status IN ('going', 'waitlisted') "
    f"BEGIN {_SQLITE_ADD} END",
    "hearth_rsvp_counts_del": "CREATE TRIGGER IF NOT EXISTS hearth_rsvp_counts_del "
    "AFTER DELETE ON sessions_app_rsvp WHEN OLD.status IN ('going', 'waitlisted') "
    f"BEGIN {_SQLITE_SUB} END",
    "hearth_rsvp_counts_upd": "CREATE TRIGGER IF NOT EXISTS hearth_rsvp_counts_upd "
    f"AFTER UPDATE OF status, session_id ON sessions_app_rsvp WHEN {_CHANGED} "
    f"BEGIN {_SQLITE_SUB} {_SQLITE_ADD} END",
}

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION hearth_rsvp_counts() RETURNS trigger AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status IN ('going', 'waitlisted') THEN
        UPDATE sessions_app_session
        SET going_count = going_count - (OLD.status = 'going')::int,
            waitlist_count = waitlist_count - (OLD.status = 'waitlisted')::int
        WHERE id = OLD.session_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status IN ('going', 'waitlisted') THEN
        UPDATE sessions_app_session
        SET going_count = going_count + (NEW.status = 'going')::int,
            waitlist_count = waitlist_count + (NEW.status = 'waitlisted')::int
        WHERE id = NEW.session_id;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""
_PG_CHANGED = (
    "(OLD.status IS DISTINCT FROM NEW.status OR OLD.session_id IS DISTINCT FROM NEW.session_id)"
)
POSTGRES_TRIGGERS = {
    "hearth_rsvp_counts_ins": "CREATE TRIGGER hearth_rsvp_counts_ins AFTER INSERT ON "
    "sessions_app_rsvp FOR EACH ROW EXECUTE FUNCTION hearth_rsvp_counts()",
    "hearth_rsvp_counts_del": "CREATE TRIGGER hearth_rsvp_counts_del AFTER DELETE ON "
    "sessions_app_rsvp FOR EACH ROW EXECUTE FUNCTION hearth_rsvp_counts()",
    "hearth_rsvp_counts_upd": "CREATE TRIGGER hearth_rsvp_counts_upd AFTER UPDATE OF status, "
    f"session_id ON sessions_app_rsvp FOR EACH ROW WHEN {_PG_CHANGED} "
    "EXECUTE FUNCTION hearth_rsvp_counts()",
}

RECOUNT = """
UPDATE sessions_app_session SET
    going_count = (SELECT count(*) FROM sessions_app_rsvp r
                   WHERE r.session_id = sessions_app_session.id AND r.status = 'going'),
    waitlist_count = (SELECT count(*) FROM sessions_app_rsvp r
                      WHERE r.session_id = sessions_app_session.id AND r.status = 'waitlisted')
"""


def existing_count_triggers(connection: BaseDatabaseWrapper) -> set[str]:
    """Which of the count triggers the database has."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [RSVP_TABLE],
            )
        elif connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
                [RSVP_TABLE],
            )
        else:  # pragma: no cover - Hearth runs on PostgreSQL and SQLite only
            raise ImproperlyConfigured(
                f"Session counts are kept by triggers on PostgreSQL and SQLite only, "
                f"not on {connection.vendor}: set DATABASE_URL to one of them."
            )
        return {row[0] for row in cursor.fetchall()} & set(TRIGGERS)


def ensure_count_triggers(connection: BaseDatabaseWrapper, *, recount: bool = False) -> bool:
    """Create the missing count triggers; recount every session if any was missing (or if
    asked). Returns whether anything was created."""
    if connection.vendor not in ("postgresql", "sqlite"):  # pragma: no cover
        return False
    tables = connection.introspection.table_names()
    if RSVP_TABLE not in tables or SESSION_TABLE not in tables:
        return False
    with connection.cursor() as cursor:
        columns = {
            c.name for c in connection.introspection.get_table_description(cursor, SESSION_TABLE)
        }
    if "going_count" not in columns:  # before the migration that adds the counts
        return False
    missing = set(TRIGGERS) - existing_count_triggers(connection)
    with connection.cursor() as cursor:
        if missing and connection.vendor == "postgresql":
            cursor.execute(POSTGRES_FUNCTION)
        for name in TRIGGERS:
            if name in missing:
                sql = POSTGRES_TRIGGERS if connection.vendor == "postgresql" else SQLITE_TRIGGERS
                cursor.execute(sql[name])
        if missing or recount:
            cursor.execute(RECOUNT)
    return bool(missing)


def drop_count_triggers(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {RSVP_TABLE}")
            else:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        if connection.vendor == "postgresql":
            cursor.execute("DROP FUNCTION IF EXISTS hearth_rsvp_counts()")
