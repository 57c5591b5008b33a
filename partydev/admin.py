import datetime
from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from .audit import AuditEvent, Historied
from .upload_models import Upload

if TYPE_CHECKING:
    from django.contrib.admin.options import _FieldGroups  # the stubs' type of a ``fields`` list


class ReadOnlyAdmin(admin.ModelAdmin):
    """Administrators read; nobody adds, changes or deletes through the app."""

    def has_add_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: models.Model | None = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "username", "ip", "method", "path", "status"]
    list_filter = ["kind", "status"]
    search_fields = ["username", "path", "ip"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEvent._meta.fields]


def _titled(filter_class: type, title: str) -> type:
    """A list filter of a field whose name django-simple-history gives no Vietnamese."""

    class Titled(filter_class):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self.title = title

    return Titled


# The fields django-simple-history adds, in Vietnamese (their verbose names are English and not
# translatable; setting them would be a migration of every history table).
HISTORY_FIELD_LABELS = {
    "history_id": "mã lịch sử",
    "history_date": "thời điểm thay đổi",
    "history_type": "loại thay đổi",
    "history_user": "người thay đổi",
    "history_change_reason": "lý do thay đổi",
}


class HistoryAdmin(ReadOnlyAdmin):
    """The change trail of one model: per object (search its id) and per user (filter)."""

    list_display = ["changed_at", "change_kind", "history_object_label", "changed_by", "history_ip"]
    list_filter = [
        ("history_type", _titled(admin.ChoicesFieldListFilter, "loại thay đổi")),
        ("history_user", _titled(admin.RelatedFieldListFilter, "người thay đổi")),
    ]
    date_hierarchy = "history_date"
    list_select_related = ["history_user"]

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        return ["history_user__username", "=" + self.model.instance_type._meta.pk.attname]

    def get_readonly_fields(self, request: HttpRequest, obj: models.Model | None = None) -> list[str]:
        shown = {"history_date": "changed_at", "history_type": "change_kind", "history_user": "changed_by"}
        return [shown.get(f.name, f.name) for f in self.model._meta.fields if f.name not in ("history_id",)]

    def get_fields(self, request: HttpRequest, obj: models.Model | None = None) -> "_FieldGroups":
        fields: _FieldGroups = list(self.get_readonly_fields(request, obj))
        return fields

    @admin.display(description="bản ghi")
    # ``obj``: a historical record (simple-history, which ships no type stubs).
    def history_object_label(self, obj: Any) -> str:
        return str(obj.instance)

    @admin.display(description=HISTORY_FIELD_LABELS["history_date"], ordering="history_date")
    def changed_at(self, obj: Any) -> datetime.datetime:
        return obj.history_date

    @admin.display(description=HISTORY_FIELD_LABELS["history_type"])
    def change_kind(self, obj: Any) -> str:
        return {"+": "Tạo mới", "~": "Sửa", "-": "Xóa"}.get(obj.history_type, obj.history_type)

    @admin.display(description=HISTORY_FIELD_LABELS["history_user"])
    def changed_by(self, obj: Any) -> Any:
        return obj.history_user


def register_history(model: type[Historied]) -> None:
    """Show ``model``'s history (django-simple-history) read-only in the admin, named in
    Vietnamese ("Lịch sử đối tượng kết nạp", not "Historical …"). Only the runtime names change:
    migrations read the model's own Meta (``original_attrs``), which stays as it is."""
    history = model.history.model
    history._meta.verbose_name = f"lịch sử {model._meta.verbose_name}"
    history._meta.verbose_name_plural = f"lịch sử {model._meta.verbose_name_plural}"
    admin.site.register(history, HistoryAdmin)


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
