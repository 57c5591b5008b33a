from django.contrib import admin
from django.core.exceptions import ValidationError
from treebeard.admin import TreeAdmin
from treebeard.forms import MoveNodeForm, movenodeform_factory

from partydev.admin import register_history
from partydev.audit import bulk_history

from .models import Organization, ResidentialArea, Role, check_placement
from .services import rebuild_descendant_counts


class OrganizationForm(MoveNodeForm):
    """Treebeard's move form, plus the kind rules: the parent is worked out from the position."""

    def clean(self):
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
        return cleaned


@admin.register(Organization)
class OrganizationAdmin(TreeAdmin):
    form = movenodeform_factory(Organization, form=OrganizationForm, exclude=["name_search"])
    list_display = ["name", "code", "kind", "can_decide_admission", "disadvantaged_area", "valid_from", "valid_to"]
    list_filter = ["kind", "can_decide_admission", "disadvantaged_area"]
    search_fields = ["code", "name", "name_search"]

    def save_form(self, request, form, change):
        # Treebeard's form moves the node inside form.save(): note the path before it does.
        request._partydev_old_path = (
            Organization.objects.filter(pk=form.instance.pk).values_list("path", flat=True).first() if change else None
        )
        return super().save_form(request, form, change)

    def save_model(self, request, obj, form, change):
        old_path = getattr(request, "_partydev_old_path", None)
        super().save_model(request, obj, form, change)
        obj.refresh_from_db()
        if old_path and old_path != obj.path:  # a move rewrote the subtree's paths in SQL
            bulk_history(Organization, list(Organization.objects.filter(path__startswith=obj.path)), reason="move")
        # Treebeard's form moves nodes itself: refresh the roll-ups of both branches.
        affected = {
            p[:i]
            for p in filter(None, [old_path, obj.path])
            for i in range(Organization.steplen, len(p) + 1, Organization.steplen)
        }
        rebuild_descendant_counts(sorted(affected))


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


for _model in (Organization, ResidentialArea, Role):
    register_history(_model)  # read-only change trails, per object and per user
