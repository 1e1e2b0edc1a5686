from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.utils import timezone

from sessions_app.models import (
    RSVP,
    FacilitatorAssignment,
    GroupInvite,
    Membership,
    Notice,
    Schedule,
    SeatOffer,
    Session,
    SupportGroup,
    User,
    Venue,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs are evidence: coordinators read them, nobody edits them here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class HearthUserAdmin(UserAdmin):
    fieldsets = UserAdmin.fieldsets + (
        (
            "Hearth",
            {
                "fields": (
                    "display_name",
                    "timezone",
                    "language",
                    "phone",
                    "phone_verified_at",
                    "sms_opt_in",
                )
            },
        ),
    )
    list_display = ("username", "display_name", "email", "is_staff", "sms_opt_in")
    search_fields = ("username", "display_name", "email", "phone")


class ScheduleInline(admin.TabularInline):
    model = Schedule
    fields = ("first_date", "start_time", "duration_minutes", "rule", "ended_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True


class UpcomingSessionInline(admin.TabularInline):
    model = Session
    fields = ("start", "end", "status", "capacity", "room_open")
    readonly_fields = ("start", "end")
    extra = 0
    can_delete = False
    show_change_link = True
    max_num = 0
    verbose_name_plural = "Upcoming sessions"

    def get_queryset(self, request):
        return super().get_queryset(request).filter(end__gt=timezone.now()).order_by("start")


class FacilitatorInline(admin.TabularInline):
    model = FacilitatorAssignment
    extra = 0
    autocomplete_fields = ("user",)


@admin.register(SupportGroup)
class SupportGroupAdmin(admin.ModelAdmin):
    list_display = ("name", "topic", "format", "language", "timezone", "join_policy", "is_public")
    list_filter = ("format", "join_policy", "language", "topic", "is_public")
    search_fields = ("name", "slug", "topic", "description")
    prepopulated_fields = {"slug": ("name",)}
    inlines = [FacilitatorInline, ScheduleInline, UpcomingSessionInline]


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ("name", "city")
    search_fields = ("name", "address", "city")


@admin.register(Schedule)
class ScheduleAdmin(admin.ModelAdmin):
    list_display = ("group", "first_date", "start_time", "duration_minutes", "rule", "ended_at")
    list_filter = ("group",)
    readonly_fields = ("event", "rule", "created_by", "created_at")


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ("group", "start", "end", "status", "room_open", "sequence")
    list_filter = ("status", "room_open", "group__format", "group")
    search_fields = ("group__name",)
    date_hierarchy = "start"
    readonly_fields = ("event", "schedule", "original_start", "sequence")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("display_name", "user", "group", "status", "created_at")
    list_filter = ("status", "group")
    search_fields = ("display_name", "user__username", "group__name")
    autocomplete_fields = ("user", "group")


@admin.register(RSVP)
class RSVPAdmin(admin.ModelAdmin):
    list_display = ("user", "session", "status", "waitlist_order", "source", "attendance")
    list_filter = ("status", "source", "attendance", "session__group")
    search_fields = ("user__username", "user__display_name", "session__group__name")
    raw_id_fields = ("session",)
    autocomplete_fields = ("user",)


@admin.register(SeatOffer)
class SeatOfferAdmin(admin.ModelAdmin):
    list_display = ("rsvp", "status", "expires_at")
    list_filter = ("status",)
    raw_id_fields = ("rsvp",)


@admin.register(GroupInvite)
class GroupInviteAdmin(admin.ModelAdmin):
    list_display = ("group", "created_by", "expires_at", "use_count", "max_uses", "revoked_at")
    readonly_fields = ("token",)


@admin.register(Notice)
class NoticeAdmin(admin.ModelAdmin):
    list_display = ("user", "kind", "session", "created_at", "read_at")
    list_filter = ("kind",)
    raw_id_fields = ("session", "user")


admin.site.site_header = "Hearth coordination"
admin.site.site_title = "Hearth admin"
admin.site.index_title = "Groups, sessions and people"
