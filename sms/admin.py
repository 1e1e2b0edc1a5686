from django.contrib import admin

from sessions_app.admin import ReadOnlyAdmin
from sms.models import (
    InboundSms,
    OutboundSms,
    PhoneVerification,
    SmsConsent,
    SmsContact,
    SmsStatusEvent,
)


class StatusEventInline(admin.TabularInline):
    model = SmsStatusEvent
    extra = 0
    can_delete = False
    fields = ["received_at", "status", "error_code"]
    readonly_fields = fields


@admin.register(OutboundSms)
class OutboundSmsAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "kind",
        "to",
        "session",
        "status",
        "delivery_status",
        "error_code",
        "attempts",
        "reason",
    ]
    list_filter = ["status", "delivery_status", "kind", "error_code", "created_at"]
    search_fields = ["to", "message_sid", "idempotency_key", "body"]
    date_hierarchy = "created_at"
    raw_id_fields = ["user", "session"]
    inlines = [StatusEventInline]


@admin.register(InboundSms)
class InboundSmsAdmin(ReadOnlyAdmin):
    list_display = ["received_at", "from_number", "keyword", "outcome", "session"]
    list_filter = ["keyword", "outcome"]
    search_fields = ["from_number", "message_sid"]


@admin.register(SmsConsent)
class SmsConsentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "phone", "user", "action", "source"]
    list_filter = ["action", "source"]
    search_fields = ["phone", "user__username"]


@admin.register(SmsContact)
class SmsContactAdmin(ReadOnlyAdmin):
    list_display = ["phone", "opted_out_at", "undeliverable", "last_error_code", "last_error_at"]
    list_filter = ["undeliverable", "last_error_code"]
    search_fields = ["phone"]


@admin.register(PhoneVerification)
class PhoneVerificationAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "user", "phone", "attempts", "verified_at", "expires_at"]
    exclude = ["code_hash"]
