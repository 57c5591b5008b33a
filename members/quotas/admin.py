"""Quotas in the admin, with import and export through django-import-export (organisation by code)."""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from import_export import fields, resources
from import_export.admin import ImportExportModelAdmin
from import_export.widgets import CachedForeignKeyWidget, CharWidget, IntegerWidget

from organizations.models import Organization
from partydev.admin import ReadOnlyAdmin, register_history

from .models import Quota, QuotaChange
from .services import number_problems, quota_set


class QuotaResource(resources.ModelResource):
    organization = fields.Field(
        attribute="organization", column_name="Mã tổ chức", widget=CachedForeignKeyWidget(Organization, field="code")
    )
    year = fields.Field(attribute="year", column_name="Năm", widget=IntegerWidget())
    target = fields.Field(attribute="target", column_name="Chỉ tiêu", widget=IntegerWidget())
    minimum = fields.Field(attribute="minimum", column_name="Tối thiểu", widget=IntegerWidget())
    note = fields.Field(attribute="note", column_name="Ghi chú", widget=CharWidget(allow_blank=True))

    class Meta:
        model = Quota
        fields = ("organization", "year", "target", "minimum", "note")
        import_id_fields = ("organization", "year")
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True

    def before_save_instance(self, instance: Quota, row: Mapping[str, object], **kwargs: Any) -> None:
        problems = number_problems(instance.target, instance.minimum)
        if problems:
            raise ValidationError(dict(problems))
        user = kwargs.get("user")
        if user is not None and getattr(user, "is_authenticated", False):
            instance.set_by = user

    def do_instance_save(self, instance: Quota, is_create: bool) -> None:
        # Through the service (a QuotaChange per setting), in the import's transaction.
        user = instance.set_by if instance.set_by_id else None
        saved = quota_set(
            organization=instance.organization,
            year=instance.year,
            target=instance.target,
            minimum=instance.minimum,
            note=instance.note or "",
            user=user,
        )
        instance.pk = saved.pk


@admin.register(Quota)
class QuotaAdmin(ImportExportModelAdmin):
    resource_classes = [QuotaResource]
    list_display = ["organization", "year", "target", "minimum", "set_by", "set_at", "upload"]
    list_filter = ["year"]
    search_fields = ["organization__code", "organization__name"]
    raw_id_fields = ["organization", "upload"]
    readonly_fields = ["set_by", "set_at", "upload"]
    list_select_related = ["organization", "set_by", "upload"]

    def save_model(self, request: HttpRequest, obj: Quota, form: forms.ModelForm[Quota], change: bool) -> None:
        # Through the service, so every setting is kept in QuotaChange like one made on the page.
        saved = quota_set(
            organization=obj.organization,
            year=obj.year,
            target=obj.target,
            minimum=obj.minimum,
            note=obj.note,
            user=request.user,
        )
        obj.pk, obj.set_by, obj.set_at = saved.pk, saved.set_by, saved.set_at


@admin.register(QuotaChange)
class QuotaChangeAdmin(ReadOnlyAdmin):
    list_display = [
        "organization",
        "year",
        "old_target",
        "new_target",
        "old_minimum",
        "new_minimum",
        "changed_by",
        "changed_at",
    ]
    list_filter = ["year"]
    search_fields = ["organization__code"]
    list_select_related = ["organization", "changed_by"]


for _model in (Quota, QuotaChange):
    register_history(_model)  # read-only change trails, per object and per user
