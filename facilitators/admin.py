"""The coordinators' admin for facilitators: profiles, assignments, note templates, safety
alerts, the audit log and (read-only) session notes.

Coordinators are `is_staff` users: they see these pages whether or not they also hold Django
model permissions. Notes can never be added, changed or deleted here; opening one shows its
decrypted content and writes a `note.admin_view` audit entry. Lists never show note content.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from facilitators import services
from facilitators.models import (
    FacilitatorProfile,
    NoteTemplate,
    SafetyAlert,
    SessionNote,
    SessionNoteRevision,
)
from sessions_app.admin import ReadOnlyAdmin
from sessions_app.models import AuditEntry, FacilitatorAssignment


def _coordinator(request) -> bool:
    return bool(request.user.is_active and request.user.is_staff)


class CoordinatorAdmin(admin.ModelAdmin):
    """Editable by every coordinator."""

    def has_module_permission(self, request):
        return _coordinator(request)

    def has_view_permission(self, request, obj=None):
        return _coordinator(request)

    def has_add_permission(self, request):
        return _coordinator(request)

    def has_change_permission(self, request, obj=None):
        return _coordinator(request)

    def has_delete_permission(self, request, obj=None):
        return _coordinator(request)


class ReadOnlyCoordinatorAdmin(ReadOnlyAdmin):
    """Visible to every coordinator, changed by no one through the admin."""

    def has_module_permission(self, request):
        return _coordinator(request)

    def has_view_permission(self, request, obj=None):
        return _coordinator(request)


@admin.register(FacilitatorAssignment)
class FacilitatorAssignmentAdmin(CoordinatorAdmin):
    list_display = ("user", "group", "role", "created_at")
    list_filter = ("role", "group")
    search_fields = ("user__username", "group__name")
    autocomplete_fields = ("user", "group")


@admin.register(FacilitatorProfile)
class FacilitatorProfileAdmin(CoordinatorAdmin):
    list_display = ("user", "updated_at")
    search_fields = ("user__username", "user__display_name")
    autocomplete_fields = ("user",)


class NoteTemplateForm(forms.ModelForm):
    class Meta:
        model = NoteTemplate
        fields = ("group", "summary", "body", "themes", "follow_ups")

    def _strings(self, name: str, max_items: int, max_length: int) -> list[str]:
        try:
            return services.strings_clean(
                self.cleaned_data.get(name) or [],
                name=name,
                max_items=max_items,
                max_length=max_length,
            )
        except ValidationError as exc:
            raise forms.ValidationError("; ".join(exc.messages)) from None

    def clean_themes(self):
        return self._strings("themes", services.THEMES_MAX, services.THEME_MAX)

    def clean_follow_ups(self):
        return self._strings("follow_ups", services.FOLLOW_UPS_MAX, services.FOLLOW_UP_MAX)


@admin.register(NoteTemplate)
class NoteTemplateAdmin(CoordinatorAdmin):
    form = NoteTemplateForm
    list_display = ("group", "updated_at")
    autocomplete_fields = ("group",)


class NoteRevisionInline(admin.TabularInline):
    """Who saved which revision when; the content of old revisions stays sealed here."""

    model = SessionNoteRevision
    fields = ("revision", "author_name", "created_at", "safety_concern", "key_id")
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0

    def has_view_permission(self, request, obj=None):
        return _coordinator(request)


@admin.register(SessionNote)
class SessionNoteAdmin(ReadOnlyCoordinatorAdmin):
    change_form_template = "admin/facilitators/sessionnote/change_form.html"
    list_display = (
        "session",
        "group",
        "revision",
        "safety_concern",
        "updated_by_name",
        "updated_at",
    )
    list_filter = ("safety_concern", "session__group")
    fields = ("session", "revision", "safety_concern", "updated_by_name", "updated_at", "key_id")
    readonly_fields = fields
    raw_id_fields = ("session",)
    inlines = [NoteRevisionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("session", "session__group")

    @admin.display(ordering="session__group__name")
    def group(self, note):
        return note.session.group

    def change_view(self, request, object_id, form_url="", extra_context=None):
        note = self.get_object(request, object_id)
        extra_context = dict(extra_context or {})
        if note is not None and self.has_view_permission(request, note):
            # Decrypted only for this page view, which is audited.
            extra_context["note_content"] = services.note_admin_content(note=note, by=request.user)
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(SafetyAlert)
class SafetyAlertAdmin(ReadOnlyCoordinatorAdmin):
    list_display = ("session", "revision", "raised_by_name", "created_at", "acknowledged_at")
    list_filter = (("acknowledged_at", admin.EmptyFieldListFilter),)
    fields = (
        "session",
        "note",
        "revision",
        "raised_by_name",
        "created_at",
        "acknowledged_at",
        "acknowledged_by",
    )
    readonly_fields = fields
    actions = ["acknowledge"]

    def has_change_permission(self, request, obj=None):
        # Needed for the acknowledge action; every field stays read-only.
        return _coordinator(request)

    @admin.action(description="Acknowledge: I am following this up")
    def acknowledge(self, request, queryset):
        for alert in queryset:
            services.safety_alert_acknowledge(alert=alert, by=request.user)
        self.message_user(request, f"{queryset.count()} alert(s) acknowledged.", messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyCoordinatorAdmin):
    list_display = ("created_at", "actor_name", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("actor_name", "object_id", "action")
    date_hierarchy = "created_at"
    fields = ("created_at", "actor", "actor_name", "action", "object_type", "object_id", "metadata")
    readonly_fields = fields
