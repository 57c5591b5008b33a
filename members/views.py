"""Pages of the register. Thin: scope through ``subtree_q``/``for_user``, rules in ``services``."""

import datetime
from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from organizations import permissions
from organizations.models import Organization
from organizations.privacy import HIDDEN, can_see_sensitive
from organizations.selectors import label_grassroots, recorder_role_label, user_roots, with_recorder_role
from partydev import once
from partydev.export_tasks import export_later
from partydev.formats import short_date
from partydev.forms import add_service_errors
from partydev.paginators import KnownCountPaginator, NoCountPaginator
from partydev.params import MAX_ID, page_number, parse_int

from . import exports
from .forms import AdmissionForm, EventForm, MemberFilterForm, PersonEditForm, PersonForm, TransferInForm
from .models import (
    ETHNICITIES,
    EXIT_KINDS,
    PERSON_FIELDS,
    EventKind,
    Membership,
    MembershipEvent,
    Proposal,
    Sex,
    Status,
)
from .selectors import DEEP_SCOPE, counts_by_anchor
from .selectors import member_list as select_members
from .services import (
    ALLOWED_FROM,
    PROPOSABLE_KINDS,
    VERSION_MISSING,
    member_admit,
    member_transfer_in_from_outside,
    membership_record_event,
    person_update,
    person_version,
    proposal_create,
    proposal_reject,
)

PAGE_SIZE = 25


def _scope_org(request: HttpRequest) -> Organization | None:
    """The organisation the list is about: ``?org=CODE`` inside the user's scope (else 404),
    or the top of their scope when they have one root."""
    code = request.GET.get("org", "").strip()
    if code:
        return get_object_or_404(Organization.objects.for_user(request.user), code=code)
    roots = list(user_roots(request.user)[:2])
    return roots[0] if len(roots) == 1 else None


def _filters(request: HttpRequest, sensitive: bool) -> dict[str, Any]:
    filters: dict[str, Any] = {}
    if any(request.GET.get(k) for k in MemberFilterForm.base_fields):  # no form to build for a bare list
        form = MemberFilterForm(request.GET)
        filters = form.cleaned_data if form.is_valid() else {}
    if not sensitive:
        # Filtering by a field one may not read would reveal it: ethnicity, national ID.
        filters = {k: v for k, v in filters.items() if k not in ("ethnicity", "ethnicity_group")}
    return {**filters, "today": timezone.localdate(), "national_id_search": sensitive}


def _scoped_membership(request: HttpRequest, pk: int) -> Membership:
    return get_object_or_404(
        Membership.objects.for_user(request.user).select_related("person", "cell", "admission_decided_by"),
        pk=pk,
    )


LIST_COLUMNS = (
    "pk",
    "person__full_name",
    "person__date_of_birth",
    "person__sex",
    "person__ethnicity",
    "cell__name",
    "status",
    "exempted",
    "admission_decision_date",
    "cell_id",
)
SEX_LABELS, ETHNICITY_LABELS, STATUS_LABELS = dict(Sex.choices), dict(ETHNICITIES), dict(Status.choices)
# A row of LIST_COLUMNS, and the same row as the list shows it.
ListRow = tuple[int, str, datetime.date, str, str, str, str, bool, datetime.date, int]
ShownRow = tuple[int, str, str, str, str, str, str, str]


def _list_row(row: ListRow, sensitive: bool, grassroots: dict[int, str]) -> ShownRow:
    """One row of the list, formatted here: model instances and ``get_FOO_display`` cost more
    than the query for a page of fifty. The cell with its grassroots organisation beside it."""
    pk, name, born, sex, ethnicity, cell, status, exempted, admitted, cell_id = row
    if grassroots.get(cell_id):
        cell = f"{cell} — {grassroots[cell_id]}"
    ethnicity = ETHNICITY_LABELS.get(ethnicity, ethnicity) if sensitive else HIDDEN
    return (
        pk,
        name,
        short_date(born),
        SEX_LABELS[sex],
        ethnicity,
        cell,
        STATUS_LABELS[status] + (" (miễn SH)" if exempted else ""),
        short_date(admitted),
    )


def _filter_form_html(params: QueryDict) -> str:
    """The filter form, drawn for this request (no memo in the process: issue 13)."""
    keys = [*MemberFilterForm.base_fields, "org"]
    items = {k: params.get(k, "") for k in keys}
    form = MemberFilterForm(items)
    form.is_valid()
    return render_to_string(
        "members/_filters.html",
        # Open only for a filter actually chosen (the status's default is none): else the panel
        # pushes a search's results below the first screen of a phone.
        {
            "form": form,
            "open": any(v for k, v in items.items() if k not in ("q", "org") and (k, v) != ("status", "active")),
        },
    )


def _total_from_facts(request: HttpRequest, org: Organization | None, filters: dict[str, Any]) -> int | None:
    """The members of the whole list read from the read model (``members.selectors.counts_at``,
    the facts), when the list is the plain register of members (no search, no filter): never a
    count over the register. None otherwise."""
    plain = not any(v for k, v in filters.items() if k not in ("today", "national_id_search", "status"))
    status = filters.get("status") or "active"
    if not plain or status not in ("active", "official", "probationary"):
        return None
    orgs = [org] if org is not None else list(user_roots(request.user))
    counts = counts_by_anchor(orgs, filters["today"])
    key = {"active": None, "official": "official", "probationary": "probationary"}[status]
    return sum(c[key] if key else c["official"] + c["probationary"] for c in counts.values())


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    org = _scope_org(request)
    sensitive = can_see_sensitive(request.user, org)
    filters = _filters(request, sensitive)
    members = select_members(request.user, org, filters)
    small = org is not None and org.depth >= DEEP_SCOPE
    rows = members.values_list(*LIST_COLUMNS)
    if small:  # a few cells: Django's own count is cheap
        paginator = Paginator(rows, PAGE_SIZE)
    elif (total := _total_from_facts(request, org, filters)) is not None:
        paginator = KnownCountPaginator(rows, PAGE_SIZE, count=total)
    else:  # a search or a filter over a district or the province: no count over the register
        paginator = NoCountPaginator(rows, PAGE_SIZE)
    page = paginator.get_page(page_number(request.GET))
    cells = label_grassroots(Organization.objects.filter(id__in={row[-1] for row in page.object_list}))
    grassroots = {c.pk: c.grassroots_name for c in cells if c.grassroots_name != c.name}
    page.object_list = [_list_row(row, sensitive, grassroots) for row in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "members/list.html",
        {
            "org": org,
            "filter_form": _filter_form_html(request.GET),
            "page": page,
            "query": query.urlencode(),
            "may_admit": org is not None and permissions.may_record_member_event(request.user, org),
            "today": filters["today"],
            "sensitive": sensitive,
        },
    )


@login_required
def member_export(request: HttpRequest) -> HttpResponse:
    org = _scope_org(request)
    sensitive = can_see_sensitive(request.user, org)
    filters = _filters(request, sensitive)
    rows = select_members(request.user, org, filters)
    title = f"Danh sách đảng viên — {org.name if org else 'phạm vi của tôi'}"
    narrowed = any(request.GET.get(k) for k in MemberFilterForm.base_fields if k != "org")
    if org is not None and org.depth < DEEP_SCOPE and not narrowed:
        # A whole district or province: sized by its organisations (one count on the tree), not
        # by counting the register (the province: 70,000 rows).
        size, unit = type(org).objects.get_descendant_count(org), "orgs"
    else:
        size, unit = rows.count(), "rows"
    if later := export_later(request, size=size, unit=unit, title=f"Xuất {title[0].lower()}{title[1:]}"):
        return later  # a whole scope: written by a worker, progress on the task's page
    name = f"dang-vien-{org.code if org else 'tat-ca'}-{timezone.localdate():%Y%m%d}.xlsx"
    return exports.members_xlsx_response(rows, name, title=title, sensitive=sensitive)


@login_required
def member_detail(request: HttpRequest, pk: int) -> HttpResponse:
    m = _scoped_membership(request, pk)
    events = list(
        with_recorder_role(
            MembershipEvent.objects.filter(membership=m).select_related("cell", "other_organization", "recorded_by"),
            "recorded_by",
        ).order_by("effective_date", "id")
    )
    for e in events:
        e.recorder_role = recorder_role_label(e)
    proposals = list(m.proposals.select_related("other_organization", "created_by").order_by("-proposed_on", "-id"))
    decide = permissions.may_record_member_event(request.user, m.cell)
    propose = permissions.may_propose_member_event(request.user, m.cell)
    allowed = [k for k, statuses in ALLOWED_FROM.items() if m.status in statuses]
    if m.exempted:
        allowed = [k for k in allowed if k != EventKind.EXEMPTED]
    else:
        allowed = [k for k in allowed if k != EventKind.EXEMPTION_ENDED]
    today = timezone.localdate()
    return render(
        request,
        "members/detail.html",
        {
            "m": m,
            "person": m.person,
            "events": events,
            "proposals": proposals,
            "decision_kinds": [(k, EventKind(k).label) for k in allowed] if decide else [],
            "proposal_kinds": [(k, EventKind(k).label) for k in allowed if k in PROPOSABLE_KINDS] if propose else [],
            "may_decide": decide,
            "age": _years(m.person.date_of_birth, today),
            "sensitive": can_see_sensitive(request.user, m.cell),
            "may_edit_person": permissions.may_edit_person(request.user, m.cell),
            "party_age": _years(m.admission_decision_date, today)
            if m.status in (Status.OFFICIAL, Status.PROBATIONARY)
            else None,
        },
    )


def _years(start: datetime.date, day: datetime.date) -> int:
    return day.year - start.year - ((day.month, day.day) < (start.month, start.day))


@login_required
def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct the member's personal fields: for those who may read them all (the sensitive ones
    included, ``organizations.privacy``); the form carries a version (the second editor is told)."""
    m = _scoped_membership(request, pk)
    permissions.require(request.user, permissions.may_edit_person, m.cell)
    person = m.person
    initial = {name: getattr(person, name) for name in PERSON_FIELDS}
    initial.update(national_id=person.national_id or "", version=person_version(person))
    form = PersonEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            person_update(person, fields=form.person_fields(), seen=form.cleaned_data["version"], user=request.user)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã lưu thông tin cá nhân của {form.cleaned_data['full_name']}.")
            return redirect("members:detail", pk=m.pk)
    return render(request, "members/person_form.html", {"m": m, "person": person, "form": form})


def _event_form_page(
    request: HttpRequest, m: Membership, form: EventForm, kind: str, mode: str, **context: Any
) -> HttpResponse:
    """The page of an event's form: recorded as decided (``mode="decision"``) or proposed upward."""
    context.update(m=m, form=form, kind_label=EventKind(kind).label, mode=mode)
    return render(request, "members/event_form.html", context)


@login_required
def record_event(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    m = _scoped_membership(request, pk)
    if kind not in ALLOWED_FROM:
        raise Http404
    permissions.require(request.user, permissions.may_record_member_event, m.cell)
    proposal = None
    if raw := request.GET.get("proposal") or request.POST.get("proposal"):
        proposal = get_object_or_404(
            m.proposals,
            pk=parse_int(raw, "đề nghị", low=1, high=MAX_ID),
            state=Proposal.State.PENDING,
            kind=kind,
        )
    initial: dict[str, object] = {"version": m.version}
    if proposal:
        initial.update(
            other_organization_code=proposal.other_organization.code if proposal.other_organization else "",
            other_organization_name=proposal.other_organization_name,
            temporary=proposal.temporary,
            reason=proposal.reason,
        )
    form = EventForm(request.POST or None, kind=kind, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}
        data.setdefault("version", VERSION_MISSING)  # left out of the form: refused as stale
        try:
            membership_record_event(m, kind=kind, user=request.user, proposal=proposal, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã ghi «{EventKind(kind).label}».")
            return redirect("members:detail", pk=m.pk)
    return _event_form_page(request, m, form, kind, "decision", proposal=proposal, is_exit=kind in EXIT_KINDS)


@login_required
def propose(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    m = _scoped_membership(request, pk)
    if kind not in PROPOSABLE_KINDS:
        raise Http404
    permissions.require(request.user, permissions.may_propose_member_event, m.cell)
    form = EventForm(
        request.POST or None, kind=kind, proposal_mode=True, initial={"effective_date": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal_create(
                m,
                kind=kind,
                proposed_on=data["effective_date"],
                user=request.user,
                reason=data.get("reason", ""),
                other_organization_code=data.get("other_organization_code", ""),
                other_organization_name=data.get("other_organization_name", ""),
                temporary=data.get("temporary", False),
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "proposed_on" in exc.error_dict:
                exc = ValidationError({"effective_date": exc.error_dict.pop("proposed_on"), **exc.error_dict})
            add_service_errors(form, exc)
        else:
            messages.success(request, f"Đã gửi đề nghị «{EventKind(kind).label}» lên cấp ủy.")
            return redirect("members:detail", pk=m.pk)
    return _event_form_page(request, m, form, kind, "proposal")


@login_required
@require_POST
def reject_proposal(request: HttpRequest, pk: int, proposal_pk: int) -> HttpResponse:
    m = _scoped_membership(request, pk)
    permissions.require(request.user, permissions.may_record_member_event, m.cell)
    proposal = get_object_or_404(m.proposals, pk=proposal_pk)
    try:
        proposal_reject(proposal, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Đã ghi: không chấp thuận đề nghị.")
    return redirect("members:detail", pk=m.pk)


def _decision_cell(request: HttpRequest, form: forms.Form) -> Organization | None:
    """The cell named by the form's code, within the user's scope, or a form error."""
    code = form.cleaned_data["cell_code"].strip()
    cell = Organization.objects.for_user(request.user).filter(code=code).first()
    if cell is None:
        form.add_error("cell_code", f"Không có chi bộ mã «{code}» trong phạm vi của bạn.")
    return cell


def _created_message(request: HttpRequest, replayed: bool, text: str) -> None:
    if replayed:
        messages.info(request, "Biểu mẫu này đã được ghi ở lần gửi trước; đây là hồ sơ đã ghi.")
    else:
        messages.success(request, text)


_NewMemberForm = TypeVar("_NewMemberForm", bound=PersonForm)


def _new_member_page(
    request: HttpRequest,
    form_class: type[_NewMemberForm],
    record: Callable[[_NewMemberForm, Organization, dict[str, Any]], Membership],
    done: str,
    title: str,
    button: str,
) -> HttpResponse:
    """The admission and transfer-in pages: a decision that enters a new member in a cell of the
    user's scope, recorded once however often the form is sent (``once``)."""
    org = _scope_org(request)
    if org is None:
        raise PermissionDenied
    permissions.require(request.user, permissions.may_record_member_event, org)
    form = form_class(request.POST or None, initial={once.FIELD: once.new_token()})
    if request.method == "POST" and form.is_valid() and (cell := _decision_cell(request, form)):
        data = form.cleaned_data

        def create() -> str:
            return reverse("members:detail", args=[record(form, cell, data).pk])

        try:
            url, replayed = once.run_once(request, create)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            _created_message(request, replayed, f"{done} {data['full_name']}.")
            return redirect(url)
    context = {"org": org, "form": form, "title": title, "button": button}
    return render(request, "members/admit.html", context)


@login_required
def admit(request: HttpRequest) -> HttpResponse:
    """Record an admission decision: a new probationary member."""

    def record(form: AdmissionForm, cell: Organization, data: dict[str, Any]) -> Membership:
        return member_admit(
            person_fields=form.person_fields(),
            cell=cell,
            admission_decision_date=data["admission_decision_date"],
            admission_decision_number=data["admission_decision_number"],
            admission_decided_by=cell.deciding_bodies().first(),
            ceremony_date=data["ceremony_date"],
            user=request.user,
            namesake_check=not data["confirm_namesake"],
        )

    title = "Ghi quyết định kết nạp"
    return _new_member_page(request, AdmissionForm, record, "Đã ghi quyết định kết nạp", title, title)


@login_required
def transfer_in(request: HttpRequest) -> HttpResponse:
    """Record a member transferred in from an organisation outside the system."""

    def record(form: TransferInForm, cell: Organization, data: dict[str, Any]) -> Membership:
        return member_transfer_in_from_outside(
            person_fields=form.person_fields(),
            cell=cell,
            effective_date=data["effective_date"],
            origin_name=data["other_organization_name"],
            official=data["official"],
            admission_decision_date=data["admission_decision_date"],
            official_from=data["official_from"],
            decision_number=data["decision_number"],
            card_number=data["card_number"],
            user=request.user,
        )

    return _new_member_page(
        request,
        TransferInForm,
        record,
        "Đã ghi chuyển sinh hoạt đến:",
        "Ghi chuyển sinh hoạt đến (từ ngoài hệ thống)",
        "Ghi chuyển sinh hoạt đến",
    )
