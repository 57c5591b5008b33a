"""Screens of the follow-up. Thin: parse, call a selector or a service, render."""

import datetime
from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from members.models import Membership
from organizations.models import Organization, user_roles
from organizations.selectors import user_roots

from . import services
from .access import MANAGER_KINDS, can_manage, can_record_check
from .facts import month_facts
from .forms import ActionDoneForm, AssignmentForm, CheckForm, CommitteeMemberForm, EndAssignmentForm
from .models import Assignment, CheckAction, CommitteeMember, MonthlyCheck
from .months import month_start, parse_month
from .selectors import assignments_in_scope, assignments_of, month_statuses, overdue_actions


def _scope_code(user: Any) -> str:
    """The code of the top of the user's scope, for the links to the evaluation and the lists."""
    root = user_roots(user).order_by("path").first()
    return root.code if root else ""


def _errors(exc: ValidationError) -> list[str]:
    return exc.messages


def _manages_something(user: Any) -> bool:
    return user.is_superuser or any(kind in MANAGER_KINDS for _, kind in user_roles(user))


def get_assignment_for_user(user: Any, pk: int) -> Assignment:
    """An assignment the user may see (its organisation is in their scope, or it is theirs), else 404."""
    return get_object_or_404(
        Assignment.objects.for_user(user).select_related(
            "organization", "committee_member__committee", "committee_member__user"
        ),
        pk=pk,
    )


def _save_form(request: HttpRequest, form: forms.Form, save: Callable[[Any, dict[str, Any]], str]) -> bool:
    """Whether the form is valid and ``save`` took its data (the message it returns is shown);
    if the service refuses, its messages go on the form."""
    if not form.is_valid():
        return False
    try:
        message = save(request.user, form.cleaned_data)
    except ValidationError as exc:
        for m in _errors(exc):
            form.add_error(None, m)
        return False
    messages.success(request, message)
    return True


def _assignment_create(actor: Any, data: dict[str, Any]) -> str:
    a = services.assignment_create(
        actor=actor,
        committee_member=data["committee_member"],
        organization=data["organization"],
        start=data["start"],
        end=data["end"],
        note=data["note"],
    )
    return f"Đã phân công {a.committee_member} phụ trách {a.organization}."


def _committee_member_create(actor: Any, data: dict[str, Any]) -> str:
    m = services.committee_member_create(
        actor=actor,
        user=data["username"],
        committee=data["committee"],
        full_name=data["full_name"],
        position=data["position"],
        membership=data["national_id"],
    )
    return f"Đã thêm cấp ủy viên {m}."


def _year_param(request: HttpRequest, today: datetime.date) -> int:
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        return today.year
    return year if 2000 <= year <= today.year else today.year


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The committee member's months to check; for staff, the months missing in their scope."""
    today = timezone.localdate()
    mine = month_statuses(assignments_of(request.user), today)
    mine_active = [s for s in mine if s.assignment.is_active_on(today) or s.missing]
    my_ids = [s.assignment.pk for s in mine]
    context = {
        "today": today,
        "this_month": month_start(today),
        "mine": mine_active,
        "my_overdue_actions": list(overdue_actions(my_ids, today)[:50]) if my_ids else [],
        "manages": _manages_something(request.user),
        "scope_code": _scope_code(request.user),
    }
    if context["manages"]:
        year = _year_param(request, today)
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        in_scope = month_statuses(
            assignments_in_scope(request.user).overlapping(first, last), today, date_from=first, date_to=last
        )
        context["year"] = year
        context["years"] = list(range(today.year, today.year - 6, -1))
        lagging = [s for s in in_scope if s.missing]
        lagging.sort(key=lambda s: (-len(s.missing), s.assignment.organization.path))
        context["scope_total"] = len(in_scope)
        context["lagging"] = lagging[:100]
        context["lagging_total"] = len(lagging)
    return render(request, "followup/home.html", context)


@login_required
def assignments(request: HttpRequest) -> HttpResponse:
    """Manage assignments in the user's scope: the list (current and past) and the forms."""
    if not _manages_something(request.user):
        raise PermissionDenied  # a role that manages no follow-up (403; out of scope stays 404)
    today = timezone.localdate()
    scope = Organization.objects.for_user(request.user)
    members = (
        CommitteeMember.objects.filter(committee__in=scope)
        .select_related("committee")
        .order_by("committee__path", "full_name")
    )
    assignment_form = AssignmentForm(members=members, scope=scope, prefix="a")
    memberships = Membership.objects.for_user(request.user)
    accounts = services.eligible_accounts(request.user)
    member_form = CommitteeMemberForm(scope=scope, memberships=memberships, accounts=accounts, prefix="m")
    if request.method == "POST":
        if "a-start" in request.POST:
            assignment_form = AssignmentForm(request.POST, members=members, scope=scope, prefix="a")
            if _save_form(request, assignment_form, _assignment_create):
                return redirect("followup:assignments")
        else:
            member_form = CommitteeMemberForm(
                request.POST, scope=scope, memberships=memberships, accounts=accounts, prefix="m"
            )
            if _save_form(request, member_form, _committee_member_create):
                return redirect("followup:assignments")
    qs = assignments_in_scope(request.user)
    code = request.GET.get("org", "").strip()
    org = None
    if code:
        org = get_object_or_404(scope, code=code)
        qs = qs.filter(organization__path__startswith=org.path)
    if request.GET.get("current"):
        qs = qs.active_on(today)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "followup/assignments.html",
        {
            "page": page,
            "org": org,
            "code": code,
            "current": bool(request.GET.get("current")),
            "today": today,
            "assignment_form": assignment_form,
            "member_form": member_form,
            "members": members,
            "scope_code": _scope_code(request.user),
        },
    )


@login_required
def assignment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assignment = get_assignment_for_user(request.user, pk)
    today = timezone.localdate()
    (status,) = month_statuses([assignment], today)
    checks = {c.month: c for c in assignment.checks.all()}
    months = [
        {"month": m, "check": checks.get(m), "missing": m in status.missing, "due": m == status.due}
        for m in reversed(status.expected)
    ]
    may_manage = can_manage(request.user, assignment.organization)
    end_form = EndAssignmentForm(prefix="e")
    if request.method == "POST" and not may_manage:
        raise PermissionDenied
    if request.method == "POST" and may_manage:
        end_form = EndAssignmentForm(request.POST, prefix="e")
        if end_form.is_valid():
            try:
                services.assignment_end(actor=request.user, assignment=assignment, end=end_form.cleaned_data["end"])
            except ValidationError as exc:
                for m in _errors(exc):
                    end_form.add_error(None, m)
            else:
                messages.success(request, "Đã kết thúc phân công; phân công vẫn được lưu trong lịch sử.")
                return redirect("followup:assignment", pk=assignment.pk)
    history = (
        Assignment.objects.filter(organization=assignment.organization)
        .select_related("committee_member")
        .order_by("-start")
    )
    return render(
        request,
        "followup/assignment.html",
        {
            "assignment": assignment,
            "status": status,
            "months": months,
            "today": today,
            "may_manage": may_manage,
            "may_record": can_record_check(request.user, assignment),
            "end_form": end_form,
            "history": history,
        },
    )


@login_required
def check(request: HttpRequest, pk: int, month: str) -> HttpResponse:
    """The month's check: the facts of the month, the record, and the actions agreed."""
    assignment = get_assignment_for_user(request.user, pk)
    month_date = parse_month(month)
    if month_date is None:
        raise Http404
    today = timezone.localdate()
    existing = MonthlyCheck.objects.filter(assignment=assignment, month=month_date).first()
    may_record = can_record_check(request.user, assignment)
    facts = month_facts(assignment.organization, month_date, today)
    errors = []
    if request.method == "POST":
        if not may_record:
            raise PermissionDenied
        form = CheckForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.check_save(
                    actor=request.user,
                    assignment=assignment,
                    month=month_date,
                    checked_on=data["checked_on"],
                    reviewed=data["reviewed"],
                    findings=data["findings"],
                    actions=form.actions(),
                    facts=facts.as_json(),
                )
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(request, f"Đã lưu biên bản kiểm tra tháng {month_date:%m/%Y}.")
                return redirect("followup:check", pk=assignment.pk, month=month)
    else:
        initial = {
            "checked_on": min(today, datetime.date(month_date.year, month_date.month, 28))
            if month_date <= today
            else None
        }
        if existing:
            initial = {"checked_on": existing.checked_on, "reviewed": existing.reviewed, "findings": existing.findings}
        form = CheckForm(initial=initial)
    actions = list(existing.actions.all()) if existing else []
    return render(
        request,
        "followup/check.html",
        {
            "assignment": assignment,
            "month": month_date,
            "facts": facts,
            "form": form,
            "errors": errors,
            "existing": existing,
            "actions": actions,
            "may_record": may_record,
            "today": today,
            "future": month_date > month_start(today),
        },
    )


@login_required
@require_POST
def action_done(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(
        CheckAction.objects.filter(
            check_record__assignment__in=Assignment.objects.for_user(request.user)
        ).select_related("check_record__assignment"),
        pk=pk,
    )
    assignment = action.check_record.assignment
    if not (can_record_check(request.user, assignment) or can_manage(request.user, assignment.organization)):
        raise PermissionDenied
    form = ActionDoneForm(request.POST)
    if form.is_valid():
        try:
            services.action_mark_done(actor=request.user, action=action, done_on=form.cleaned_data["done_on"])
        except ValidationError as exc:
            for m in _errors(exc):
                messages.error(request, m)
        else:
            messages.success(request, "Đã ghi nhận hoàn thành.")
    else:
        messages.error(request, "Ngày hoàn thành: chưa nhập hoặc không hợp lệ.")
    c = action.check_record
    return redirect(reverse("followup:check", args=[c.assignment_id, f"{c.month:%Y-%m}"]))
