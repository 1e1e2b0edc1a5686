"""SMS writes: consent, phone verification, the reminder sweep, exactly-once sending,
reconciliation, status callbacks and opt-out. Tasks, views and the API call these.

Exactly once: every text is one `OutboundSms` row with a unique idempotency key. A sender
claims the row (pending -> claimed, `select_for_update(skip_locked=True)`) and commits that
before calling the provider, so two workers can never both send it; a row left claimed by a
crash is reconciled against the provider's message list, never re-sent on a guess.

The modules, by topic: `consent` (contacts, consent, phone verification), `notices`,
`reminders` (the sweep and the hand-over to the workers), `delivery` (sending one text,
retries, reconciliation, status callbacks) and `common` (what several of them use). Callers
keep reading `services.x(...)`: every public name is re-exported here.
"""

from sms.services.checkins import (
    absence_check_ins_queue,
    checkins_sweep,
    feedback_asks_queue,
)
from sms.services.common import DISPATCH_BATCH, SESSION_KINDS
from sms.services.consent import (
    CONSENT_TEXT,
    consent_record,
    contact_for,
    number_opt_in,
    number_opt_out,
    phone_e164,
    phone_verification_confirm,
    phone_verification_start,
    user_sms_opt_in_set,
)
from sms.services.delivery import (
    DELIVERY_RANK,
    MAX_VALIDITY_SECONDS,
    contact_record_error,
    outbound_reconcile_stale,
    outbound_send,
    status_callback_record,
    status_callback_url,
)
from sms.services.notices import notices_queue
from sms.services.reminders import (
    outbound_dispatch,
    reminder_candidates,
    reminders_plan,
    reminders_sweep,
)

__all__ = [
    "absence_check_ins_queue",
    "checkins_sweep",
    "feedback_asks_queue",
    "CONSENT_TEXT",
    "DELIVERY_RANK",
    "DISPATCH_BATCH",
    "MAX_VALIDITY_SECONDS",
    "SESSION_KINDS",
    "consent_record",
    "contact_for",
    "contact_record_error",
    "notices_queue",
    "number_opt_in",
    "number_opt_out",
    "outbound_dispatch",
    "outbound_reconcile_stale",
    "outbound_send",
    "phone_e164",
    "phone_verification_confirm",
    "phone_verification_start",
    "reminder_candidates",
    "reminders_plan",
    "reminders_sweep",
    "status_callback_record",
    "status_callback_url",
    "user_sms_opt_in_set",
]
