"""The restructuring page for provincial staff: ``/orgs/<code>/restructure/``.

GET shows the form; POST ``preview`` runs the operation as a dry run and shows what would move;
POST ``confirm`` runs it. Kept off the read replica (partydev/routers.py): a preview reads and
writes inside a rolled-back transaction on the primary.
"""

from typing import Any, Literal, cast, overload

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from partydev.formats import short_date
from partydev.forms import add_service_errors

from . import restructure
from .forms import RestructureForm
from .models import CELL_KINDS, Kind, Organization, TreeOperation
from .permissions import may_restructure, require


def _org(user: Any, code: str) -> Organization:
    return get_object_or_404(Organization.objects.for_user(user), code=code)


@overload
def _target(form: RestructureForm, field: str, required: Literal[True] = True) -> Organization: ...
@overload
def _target(form: RestructureForm, field: str, required: bool) -> Organization | None: ...
def _target(form: RestructureForm, field: str, required: bool = True) -> Organization | None:
    code = form.cleaned_data.get(field) or ""
    if not code:
        if required:
            raise ValidationError({field: "Cần ghi mã tổ chức liên quan."})
        return None
    org = Organization.objects.filter(code=code).first()
    if org is None:
        raise ValidationError({field: f"Không có tổ chức đảng mã «{code}»."})
    return org


def _new_spec(
    form: RestructureForm,
    parent: Organization | None,
    name_field: str = "name",
    code_field: str = "code",
    kind: str | None = None,
) -> dict[str, Any]:
    name, code = form.cleaned_data.get(name_field), form.cleaned_data.get(code_field)
    if not name or not code:
        raise ValidationError({name_field if not name else code_field: "Cần ghi tên và mã của tổ chức mới."})
    spec = {
        "parent": parent,
        "name": name,
        "code": code,
        "kind": kind or form.cleaned_data.get("kind") or form.org.kind,
    }
    if form.cleaned_data.get("can_decide_admission"):
        spec["can_decide_admission"] = True  # otherwise as its predecessors
    return spec


def _perform(form: RestructureForm, org: Organization, user: Any, dry_run: bool) -> restructure.Outcome:
    """Call the service the form names. Every rule is the service's; this only reads the form."""
    data = form.cleaned_data
    op = data["operation"]
    common = dict(
        decision=restructure.decision_new(
            number=data["decision_number"],
            date=data["decision_date"],
            issued_by=data.get("issuer_code"),
            issuer_name=data.get("issuer_name", ""),
        ),
        effective_date=data["effective_date"],
        user=user,
        dry_run=dry_run,
    )
    if op == "rename":
        return restructure.org_rename(org, name=data.get("name") or "", **common)
    if op == "move":
        return restructure.org_move(org, new_parent=_target(form, "target_code"), **common)
    if op == "absorb":
        return restructure.org_merge([org], into=_target(form, "target_code"), **common)
    if op == "merge":
        codes = [c.strip() for c in (data.get("others") or "").split(",") if c.strip()]
        others = list(Organization.objects.filter(code__in=codes))
        missing = sorted(set(codes) - {o.code for o in others})
        if missing or not codes:
            raise ValidationError(
                {
                    "others": f"Không có tổ chức đảng mã «{', '.join(missing)}»."
                    if missing
                    else "Cần ghi mã các tổ chức cùng hợp nhất."
                }
            )
        parent = _target(form, "target_code", required=False) or Organization.objects.get_parent(org)
        return restructure.org_merge([org, *others], new=_new_spec(form, parent, kind=org.kind), **common)
    if op == "split":
        parent = _target(form, "target_code", required=False) or Organization.objects.get_parent(org)
        targets: dict[str, Any] = form.split_targets()
        successors = [
            _new_spec(form, parent, kind=org.kind),
            _new_spec(form, parent, "second_name", "second_code", kind=org.kind),
        ]
        return restructure.org_split(org, successors=successors, **targets, **common)
    if op == "change_kind":
        kind = data.get("kind")
        if not kind:
            raise ValidationError({"kind": "Cần chọn loại hình, cấp mới."})
        kinds = {}
        if data.get("cells_to_grassroots"):
            kinds = {
                c.pk: Kind.GRASSROOTS_CELL for c in Organization.objects.get_children(org).filter(kind__in=CELL_KINDS)
            }
        return restructure.org_change_kind(
            org,
            kind=kind,
            new_parent=_target(form, "target_code", required=False),
            can_decide_admission=data.get("can_decide_admission") or None,
            kinds=kinds,
            **common,
        )
    if op == "create":
        spec = _new_spec(form, org)
        spec.pop("parent")
        return restructure.org_create(parent=org, **spec, **common)
    return restructure.org_dissolve(org, **common)


@login_required
def restructure_view(request: HttpRequest, code: str) -> HttpResponse:
    org = _org(request.user, code)
    require(request.user, may_restructure, org)
    parts = restructure.split_parts(org)
    root_code = (
        Organization.objects.filter(path=org.path[: Organization.steplen]).values_list("code", flat=True).first()
    )
    form = RestructureForm(request.POST or None, org=org, parts=parts, initial={"issuer_code": root_code})
    outcome = None
    if request.method == "POST" and form.is_valid():
        confirm = request.POST.get("action") == "confirm"
        try:
            outcome = _perform(form, org, request.user, dry_run=not confirm)
        except ValidationError as exc:
            add_service_errors(form, exc)
            outcome = None
        else:
            if confirm:
                op = cast(TreeOperation, outcome.operation)  # recorded: not a dry run
                messages.success(
                    request,
                    f"Đã ghi: {op.get_kind_display().lower()} «{op.organization.name}», "
                    f"có hiệu lực từ {short_date(op.effective_date)}.",
                )
                return redirect(reverse("reports:browser-org", args=[op.organization.code]))
    return render(
        request,
        "organizations/restructure.html",
        {"org": org, "form": form, "outcome": outcome, "ended": org.valid_to is not None},
    )
