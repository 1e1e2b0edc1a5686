from django.contrib import admin

from facilitators.models import FacilitatorAssignment


@admin.register(FacilitatorAssignment)
class FacilitatorAssignmentAdmin(admin.ModelAdmin):
    list_display = ("user", "group", "role", "created_at")
    list_filter = ("role", "group")
    search_fields = ("user__username", "group__name")
    autocomplete_fields = ("user", "group")
