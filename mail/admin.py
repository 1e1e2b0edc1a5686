from django.contrib import admin

from mail.models import OutboundEmail
from sessions_app.admin import ReadOnlyAdmin


@admin.register(OutboundEmail)
class OutboundEmailAdmin(ReadOnlyAdmin):
    """The delivery log, for staff: what was sent to whom, when, and why not."""

    list_display = ["created_at", "kind", "to", "session", "status", "attempts", "reason"]
    list_filter = ["status", "kind", "category", "created_at"]
    search_fields = ["to", "idempotency_key", "subject", "message_id"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user", "session"]
