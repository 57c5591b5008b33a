from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import redirect
from django.urls import reverse
from treebeard.admin import TreeAdmin
from treebeard.forms import MoveNodeForm, movenodeform_factory

from partydev.admin import ReadOnlyAdmin, register_history

from .models import (
    Decision,
    OperationItem,
    Organization,
    ResidentialArea,
    Role,
    Succession,
    TreeOperation,
    check_placement,
)
from .services import organization_create, organization_move


class OrganizationForm(MoveNodeForm):
    """Treebeard's move form, plus the kind rules: the parent is worked out from the position."""

    instance: Organization  # treebeard ships no type hints: its forms are Any to mypy
    _parent: Organization | None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        ref = cleaned.get("treebeard_ref_node")
        position = cleaned.get("treebeard_position")
        kind = cleaned.get("kind")
        if not kind:
            return cleaned
        if ref is None:
            parent = None
        elif position in ("first-child", "last-child", "sorted-child"):
            parent = ref
        else:
            parent = Organization.objects.get_parent(ref)
        if parent is not None and self.instance.pk and parent.path.startswith(self.instance.path):
            raise ValidationError("Không thể chuyển một tổ chức vào chính nó hoặc tổ chức trực thuộc nó.")
        check_placement(kind, parent.kind if parent else None)
        self._parent = parent
        return cleaned

    def save(self, commit: bool = True) -> Organization:
        """Through the tree services, so the dated tree, the history and the roll-ups follow
        (``organization_create``, ``organization_move``): a move puts the organisation last
        among the children of its new parent, dated today."""
        parent = self._parent
        self.save_m2m = lambda: None  # no many-to-many fields; the admin calls it after save
        fields = {
            f.name: self.cleaned_data[f.name]
            for f in Organization._meta.concrete_fields
            if f.name in self.cleaned_data and f.name not in ("path", "depth", "numchild")
        }
        if self.instance._state.adding:
            self.instance = organization_create(parent=parent, **fields)
            return self.instance
        current = Organization.objects.get(pk=self.instance.pk)
        old_parent = Organization.objects.get_parent(current)
        for name, value in fields.items():
            setattr(current, name, value)
        current.full_clean(exclude=["path", "depth", "numchild"])
        current.save()
        if parent is None and old_parent is not None:
            raise ValidationError("Không chuyển một tổ chức thành tổ chức gốc.")
        if parent is not None and (old_parent is None or parent.pk != old_parent.pk):
            current = organization_move(current, parent)
        current.refresh_from_db()
        self.instance = current
        return current


@admin.register(Organization)
class OrganizationAdmin(TreeAdmin):
    form = movenodeform_factory(Organization, form=OrganizationForm, exclude=["name_search"])
    list_display = ["name", "code", "kind", "can_decide_admission", "disadvantaged_area", "valid_from", "valid_to"]
    list_filter = ["kind", "can_decide_admission", "disadvantaged_area"]
    search_fields = ["code", "name", "name_search"]
    actions = ["restructure"]

    @admin.action(description="Sắp xếp tổ chức (hợp nhất, chia tách, giải thể…) theo quyết định")
    def restructure(self, request: HttpRequest, queryset: QuerySet[Organization]) -> HttpResponseRedirect | None:
        """Dated operations go through organizations.restructure, on the restructuring page."""
        orgs = list(queryset[:2])
        if len(orgs) != 1:
            self.message_user(request, "Chọn đúng một tổ chức để sắp xếp.", messages.WARNING)
            return None
        return redirect(reverse("organizations:restructure", args=[orgs[0].code]))

    def save_model(self, request: HttpRequest, obj: Organization, form: OrganizationForm, change: bool) -> None:
        # The form saved it through the tree services (OrganizationForm.save): nothing is left.
        pass


@admin.register(ResidentialArea)
class ResidentialAreaAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "grassroots", "cell"]
    list_filter = ["kind"]
    search_fields = ["name", "grassroots__name", "grassroots__code"]
    autocomplete_fields = ["grassroots", "cell"]
    list_select_related = ["grassroots", "cell"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "organization"]
    list_filter = ["kind"]
    search_fields = ["user__username", "organization__code", "organization__name"]
    autocomplete_fields = ["organization", "user"]
    list_select_related = ["user", "organization"]


class SuccessionInline(admin.TabularInline):
    model = Succession
    fields = readonly_fields = ("predecessor", "successor", "effective_date", "whole")
    extra = 0
    can_delete = False


class OperationItemInline(admin.TabularInline):
    model = OperationItem
    fields = readonly_fields = ("item", "object_id", "label", "source", "target")
    extra = 0
    can_delete = False


# Operations and their decisions are written by the restructuring services only; the admin reads them.
@admin.register(TreeOperation)
class TreeOperationAdmin(ReadOnlyAdmin):
    list_display = ["effective_date", "kind", "organization", "decision", "recorded_by", "recorded_at"]
    list_filter = ["kind"]
    search_fields = ["organization__code", "organization__name", "decision__number"]
    list_select_related = ["organization", "decision", "decision__issued_by", "recorded_by"]
    inlines = [SuccessionInline, OperationItemInline]


@admin.register(Decision)
class DecisionAdmin(ReadOnlyAdmin):
    list_display = ["number", "date", "issued_by", "issuer_name", "title"]
    search_fields = ["number", "title", "issuer_name"]
    list_select_related = ["issued_by"]


for _model in (Organization, ResidentialArea, Role, Decision):
    register_history(_model)  # read-only change trails, per object and per user
