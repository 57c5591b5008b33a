from django.contrib import admin

from .audit import AuditEvent
from .upload_models import Upload


class ReadOnlyAdmin(admin.ModelAdmin):
    """Administrators read; nobody adds, changes or deletes through the app."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "username", "ip", "method", "path", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["username", "path", "ip"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


class HistoryAdmin(ReadOnlyAdmin):
    """The change trail of one model: per object (search its id) and per user (filter)."""

    list_display = ["history_date", "history_type", "history_object_label", "history_user", "history_ip"]
    list_filter = ["history_type", "history_user"]
    date_hierarchy = "history_date"
    list_select_related = ["history_user"]

    def get_search_fields(self, request):
        return ["history_user__username", "=" + self.model.instance_type._meta.pk.attname]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    @admin.display(description="bản ghi")
    def history_object_label(self, obj):
        return str(obj.instance)


def register_history(model) -> None:
    """Show ``model``'s history (django-simple-history) read-only in the admin."""
    admin.site.register(model.history.model, HistoryAdmin)


@admin.register(Upload)
class UploadAdmin(ReadOnlyAdmin):
    """Spreadsheet uploads (partydev.uploads): read-only, as stored and as processed."""

    list_display = [
        "uploaded_at",
        "kind",
        "original_name",
        "uploaded_by",
        "scope",
        "status",
        "created",
        "changed",
        "unchanged",
        "error_count",
    ]
    list_filter = ["kind", "status"]
    search_fields = ["original_name", "sha256", "uploaded_by__username"]
    date_hierarchy = "uploaded_at"
    list_select_related = ["uploaded_by", "scope"]
    exclude = ["sheet", "preview"]
