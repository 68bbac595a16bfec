from django.contrib import admin

from .models import LostReason


@admin.register(LostReason)
class LostReasonAdmin(admin.ModelAdmin):
    """The admin-editable list offered when a project is marked lost."""

    list_display = ("name", "name_en", "position", "is_active")
    list_editable = ("position", "is_active")
    ordering = ("position", "id")
