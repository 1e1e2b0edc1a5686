"""Coordinators resolve reports in the admin too; room messages are read-only there."""

from django.contrib import admin, messages
from django.utils import timezone

from rooms import services
from rooms.models import CheckIn, RoomMessage, RoomReport


@admin.register(RoomReport)
class RoomReportAdmin(admin.ModelAdmin):
    list_display = ("message", "reason", "created_at", "resolved_at")
    list_filter = (("resolved_at", admin.EmptyFieldListFilter),)
    readonly_fields = ("message", "reporter", "reason", "created_at", "resolved_at", "resolved_by")
    fields = (*readonly_fields, "resolution")
    actions = ["resolve"]

    @admin.action(description="Resolve the selected reports")
    def resolve(self, request, queryset):
        for report in queryset.filter(resolved_at__isnull=True):
            services.report_resolve(report=report, by=request.user, now=timezone.now())
        self.message_user(request, "Resolved.", messages.SUCCESS)

    def has_add_permission(self, request):
        return False


@admin.register(RoomMessage)
class RoomMessageAdmin(admin.ModelAdmin):
    list_display = ("session", "seq", "author_name", "sent_at", "deleted_at")
    list_filter = ("session__group",)
    readonly_fields = [f.name for f in RoomMessage._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ("session", "phase", "mood", "created_at")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
