"""Writes of the follow-up. Each validates everything first, then saves in one transaction:
bad input raises a ValidationError with Vietnamese messages and saves nothing; an actor who may not
do the work (``organizations.permissions``) gets a PermissionDenied."""

import datetime
from collections.abc import Iterable, Mapping
from decimal import Decimal
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from members.models import Membership
from organizations.models import Kind, Organization, Role, user_roles
from organizations.permissions import require
from partydev.formats import short_date

from .access import MANAGER_KINDS, can_manage, can_rate, can_record_check
from .models import (
    Assignment,
    CheckAction,
    CommitteeMember,
    EvaluationRating,
    EvaluationThresholds,
    Level,
    MonthlyCheck,
)
from .months import month_end, month_start


def _today(today: datetime.date | None) -> datetime.date:
    return today or timezone.localdate()


@transaction.atomic
def in_committee_area(user: Any, committee: Organization) -> bool:
    """A committee member's account works inside the committee's area: one of its roles is on the
    committee or below it. Otherwise the assignments would show another area's names to it."""
    return Role.objects.filter(user=user, organization__path__startswith=committee.path).exists()


def eligible_accounts(actor: Any) -> QuerySet[AbstractBaseUser]:
    """The accounts ``actor`` may make committee members: those with a role inside the actor's
    scope of management (the committee chosen narrows it further: ``in_committee_area``)."""
    managed = [path for path, kind in user_roles(actor) if kind in MANAGER_KINDS]
    if actor.is_superuser:
        return get_user_model().objects.filter(roles__isnull=False).distinct().order_by("username")
    if not managed:
        return get_user_model().objects.none()
    area = reduce(or_, (Q(roles__organization__path__startswith=path) for path in managed))
    return get_user_model().objects.filter(area).distinct().order_by("username")


def committee_member_create(
    *,
    actor: Any,
    user: Any,
    committee: Organization,
    full_name: str,
    position: str = "",
    membership: Membership | None = None,
) -> CommitteeMember:
    if not can_manage(actor, committee):
        raise ValidationError({"committee": f"“{committee.name}” nằm ngoài phạm vi bạn được quản lý."})
    if committee.kind in {Kind.CELL, Kind.GRASSROOTS_CELL, Kind.PARTIAL_COMMITTEE}:
        raise ValidationError(
            {
                "committee": "Cấp ủy viên được phân công phụ trách thuộc cấp ủy tỉnh, cấp trên trực tiếp cơ sở hoặc cơ sở, không thuộc chi bộ."
            }
        )
    if membership is not None and not Membership.objects.for_user(actor).filter(pk=membership.pk).exists():
        raise ValidationError({"membership": "Hồ sơ đảng viên này nằm ngoài phạm vi bạn được quản lý."})
    if membership is not None and CommitteeMember.objects.filter(membership=membership).exists():
        raise ValidationError({"membership": f"Hồ sơ đảng viên {membership} đã gắn với một cấp ủy viên khác."})
    if not in_committee_area(user, committee):
        raise ValidationError(
            {
                "user": f"Cấp ủy viên của {committee.name} được chọn trong các tài khoản có vai trò thuộc {committee.name}."
            }
        )
    if CommitteeMember.objects.filter(user=user).exists():
        raise ValidationError({"user": f"Tài khoản “{user.get_username()}” đã là cấp ủy viên."})
    member = CommitteeMember(
        user=user,
        committee=committee,
        full_name=full_name.strip(),
        position=position.strip() or "Cấp ủy viên",
        membership=membership,
    )
    member.full_clean()
    member.save()
    return member


@transaction.atomic
def assignment_create(
    *,
    actor: Any,
    committee_member: CommitteeMember,
    organization: Organization,
    start: datetime.date,
    end: datetime.date | None = None,
    note: str = "",
) -> Assignment:
    """Assign a committee member an organisation to follow from ``start`` to ``end`` (open if None)."""
    if not (can_manage(actor, organization) and can_manage(actor, committee_member.committee)):
        raise ValidationError({"organization": f"“{organization.name}” nằm ngoài phạm vi bạn được phân công."})
    if not organization.path.startswith(committee_member.committee.path):
        raise ValidationError(
            {
                "organization": f"“{organization.name}” không thuộc {committee_member.committee.name}, "
                f"nơi {committee_member.full_name} là cấp ủy viên."
            }
        )
    if not in_committee_area(committee_member.user, committee_member.committee):
        raise ValidationError(
            {
                "committee_member": f"Tài khoản của {committee_member.full_name} không có vai trò thuộc "
                f"{committee_member.committee.name}: không phân công được."
            }
        )
    if end is not None and end < start:
        raise ValidationError({"end": "Ngày kết thúc phân công không được trước ngày bắt đầu."})
    # Lock the person's rows so two simultaneous requests cannot both pass the overlap check.
    CommitteeMember.objects.select_for_update().filter(pk=committee_member.pk).first()
    clash = (
        Assignment.objects.filter(committee_member=committee_member, organization=organization)
        .overlapping(start, end)
        .order_by("start")
        .first()
    )
    if clash:
        until = short_date(clash.end) if clash.end else "nay"
        raise ValidationError(
            {
                "start": f"{committee_member.full_name} đã được phân công phụ trách {organization.name} "
                f"từ {short_date(clash.start)} đến {until}; hai thời gian phân công không được trùng nhau."
            }
        )
    assignment = Assignment(
        committee_member=committee_member,
        organization=organization,
        start=start,
        end=end,
        note=note.strip(),
        created_by=actor,
    )
    assignment.full_clean()
    assignment.save()
    return assignment


@transaction.atomic
def assignment_end(*, actor: Any, assignment: Assignment, end: datetime.date) -> Assignment:
    """Close an assignment on ``end``; it stays in the history."""
    require(actor, can_manage, assignment.organization, message="Phân công này nằm ngoài phạm vi bạn được quản lý.")
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    if end < assignment.start:
        raise ValidationError({"end": f"Ngày kết thúc không được trước ngày bắt đầu ({short_date(assignment.start)})."})
    if assignment.end is not None and assignment.end <= end:
        raise ValidationError({"end": f"Phân công đã kết thúc ngày {short_date(assignment.end)}."})
    if assignment.checks.filter(month__gt=month_start(end)).exists():
        raise ValidationError({"end": "Đã có biên bản kiểm tra sau ngày này; không thể kết thúc phân công sớm hơn."})
    assignment.end = end
    assignment.ended_by = actor
    assignment.full_clean()
    assignment.save(update_fields=["end", "ended_by"])
    return assignment


def _clean_actions(
    actions: Iterable[Mapping[str, Any]], checked_on: datetime.date | None
) -> tuple[list[dict], list[str]]:
    cleaned, errors = [], []
    for number, row in enumerate(actions, start=1):
        description = (row.get("description") or "").strip()
        owner = (row.get("owner") or "").strip()
        due_date = row.get("due_date")
        label = f"Việc cần làm thứ {number}"
        if not description:
            errors.append(f"{label}: chưa ghi nội dung công việc.")
        if not owner:
            errors.append(f"{label}: chưa có người chịu trách nhiệm.")
        if not due_date:
            errors.append(f"{label}: chưa có hạn hoàn thành.")
        elif checked_on and due_date < checked_on:
            errors.append(
                f"{label}: hạn hoàn thành ({short_date(due_date)}) trước ngày kiểm tra ({short_date(checked_on)})."
            )
        cleaned.append({"description": description, "owner": owner, "due_date": due_date})
    return cleaned, errors


@transaction.atomic
def check_save(
    *,
    actor: Any,
    assignment: Assignment,
    month: datetime.date,
    checked_on: datetime.date | None,
    reviewed: str,
    findings: str,
    actions: Iterable[Mapping[str, Any]] = (),
    facts: dict | None = None,
    today: datetime.date | None = None,
) -> MonthlyCheck:
    """Record (or complete) the check of ``month`` with the actions agreed at it."""
    today = _today(today)
    month = month_start(month)
    require(actor, can_record_check, assignment)
    errors = []
    if month > month_start(today):
        errors.append(f"Tháng {month:%m/%Y} chưa đến; không thể ghi kiểm tra cho tháng trong tương lai.")
    elif not (assignment.start <= month_end(month) and (assignment.end is None or assignment.end >= month)):
        errors.append(f"Tháng {month:%m/%Y} nằm ngoài thời gian phân công.")
    if not checked_on:
        errors.append("Ngày kiểm tra: chưa nhập.")
    elif checked_on > today:
        errors.append(f"Ngày kiểm tra ({short_date(checked_on)}) là ngày trong tương lai.")
    elif checked_on < month:
        errors.append(f"Ngày kiểm tra ({short_date(checked_on)}) trước tháng được kiểm tra ({month:%m/%Y}).")
    if not (reviewed or "").strip():
        errors.append("Nội dung đã xem xét: chưa nhập.")
    if not (findings or "").strip():
        errors.append("Nhận xét, đánh giá: chưa nhập.")
    cleaned_actions, action_errors = _clean_actions(actions, checked_on)
    errors += action_errors
    if errors:
        raise ValidationError(errors)

    # Lock the assignment: two saves of the same month wait for each other instead of colliding.
    Assignment.objects.select_for_update().filter(pk=assignment.pk).first()
    check = MonthlyCheck.objects.filter(assignment=assignment, month=month).first()
    if check is None:
        check = MonthlyCheck(assignment=assignment, month=month, recorded_by=actor)
    check.checked_on = checked_on
    check.reviewed = reviewed.strip()
    check.findings = findings.strip()
    if facts is not None:
        check.facts = facts
    check.full_clean()
    check.save()
    new_actions = [CheckAction(check_record=check, **row) for row in cleaned_actions]
    for action in new_actions:
        action.full_clean(exclude=["check_record"])
    CheckAction.objects.bulk_create(new_actions)
    return check


@transaction.atomic
def action_mark_done(
    *, actor: Any, action: CheckAction, done_on: datetime.date, today: datetime.date | None = None
) -> CheckAction:
    today = _today(today)
    action = (
        CheckAction.objects.select_for_update()
        .select_related("check_record__assignment__committee_member")
        .get(pk=action.pk)
    )
    assignment = action.check_record.assignment
    if not (can_record_check(actor, assignment) or can_manage(actor, assignment.organization)):
        raise PermissionDenied("Bạn không được cập nhật việc cần làm này.")
    if action.done_on:
        raise ValidationError(f"Việc này đã được ghi hoàn thành ngày {short_date(action.done_on)}.")
    if done_on > today:
        raise ValidationError(f"Ngày hoàn thành ({short_date(done_on)}) là ngày trong tương lai.")
    action.done_on = done_on
    action.done_recorded_by = actor
    action.save(update_fields=["done_on", "done_recorded_by"])
    return action


def thresholds_for(province: Organization) -> EvaluationThresholds:
    """The province's thresholds, or the defaults (unsaved) if it has not set its own."""
    found = EvaluationThresholds.objects.filter(province=province).first()
    return found or EvaluationThresholds(province=province)


@transaction.atomic
def thresholds_update(
    *,
    actor: Any,
    province: Organization,
    excellent_rate: Decimal,
    good_rate: Decimal,
    completed_rate: Decimal,
    excellent_max_missed: int,
    excellent_needs_all_checks: bool,
) -> EvaluationThresholds:
    if province.depth != 1 or not can_manage(actor, province):
        raise PermissionDenied("Chỉ Ban Tổ chức, Văn phòng Tỉnh ủy đặt ngưỡng xếp loại của tỉnh.")
    errors = []
    if not completed_rate >= 0:
        errors.append("Ngưỡng “hoàn thành” không được âm.")
    if not (excellent_rate >= good_rate >= completed_rate):
        errors.append("Các ngưỡng phải giảm dần: xuất sắc ≥ tốt ≥ hoàn thành.")
    if excellent_max_missed < 0:
        errors.append("Số hạn bị trễ tối đa không được âm.")
    if errors:
        raise ValidationError(errors)
    thresholds = EvaluationThresholds.objects.select_for_update().filter(
        province=province
    ).first() or EvaluationThresholds(province=province)
    thresholds.excellent_rate = excellent_rate
    thresholds.good_rate = good_rate
    thresholds.completed_rate = completed_rate
    thresholds.excellent_max_missed = excellent_max_missed
    thresholds.excellent_needs_all_checks = excellent_needs_all_checks
    thresholds.updated_by = actor
    thresholds.full_clean()
    thresholds.save()
    return thresholds


@transaction.atomic
def rating_record(
    *,
    actor: Any,
    organization: Organization,
    year: int,
    level: str,
    note: str = "",
    proposed_level: str = "",
    today: datetime.date | None = None,
    early_reason: str = "",
) -> EvaluationRating:
    """Record the committee's decision on the development-work criterion (a new row each time).

    A year is rated once it has ended; before 31/12 only with a written reason (``early_reason``),
    kept in the note: a rating is permanent and the year's figures are not final."""
    today = _today(today)
    require(actor, can_rate, organization, message=f"Bạn không có thẩm quyền xếp loại {organization.name}.")
    if level not in Level.values:
        raise ValidationError({"level": "Chưa chọn mức xếp loại."})
    if year > today.year:
        raise ValidationError({"year": f"Năm {year} chưa đến; chưa thể xếp loại."})
    early_reason = early_reason.strip()
    if year == today.year and not early_reason:
        raise ValidationError(
            {
                "early_reason": f"Năm {year} chưa kết thúc (đến hết 31/12/{year}): chưa thể xếp loại. "
                "Nếu phải xếp loại sớm, ghi lý do vào ô «Lý do xếp loại trước khi hết năm»."
            }
        )
    note = note.strip()
    if year == today.year:
        note = f"{note} (Xếp loại trước khi hết năm {year}; lý do: {early_reason})".strip()
    rating = EvaluationRating(
        organization=organization,
        year=year,
        level=level,
        note=note,
        proposed_level=proposed_level or "",
        rated_by=actor,
    )
    rating.full_clean()
    rating.save()
    return rating
