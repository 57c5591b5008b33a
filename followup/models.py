"""Follow-up of development work by committee members (phân công cấp ủy viên phụ trách).

A ``CommitteeMember`` is a user who sits on a committee (the province's or a district's), optionally
linked to their own member record. An ``Assignment`` gives them one organisation to follow from
one date to another; ended assignments stay as history. Each month of an assignment has at most
one ``MonthlyCheck`` with the ``CheckAction`` rows agreed at it. At the end of the year the
development-work criterion of each organisation gets a proposed level, computed with the
province's ``EvaluationThresholds``, and a human ``EvaluationRating`` recorded with its author.
"""

import datetime
from typing import Any, Self

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from members.models import Membership
from organizations.models import Organization, ScopedQuerySet, subtree_q


class Level(models.TextChoices):
    """Year-end rating levels (xếp loại chất lượng), best first."""

    EXCELLENT = "excellent", "Hoàn thành xuất sắc nhiệm vụ"
    GOOD = "good", "Hoàn thành tốt nhiệm vụ"
    COMPLETED = "completed", "Hoàn thành nhiệm vụ"
    NOT_COMPLETED = "not_completed", "Không hoàn thành nhiệm vụ"


class CommitteeMemberQuerySet(ScopedQuerySet):
    """Committee members of the committees in the user's subtrees."""

    scope_field = "committee"


class CommitteeMember(models.Model):
    """A member of a party committee (cấp ủy viên) who can be assigned organisations to follow."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="committee_member", verbose_name="tài khoản"
    )
    committee = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="committee_members", verbose_name="cấp ủy"
    )
    full_name = models.CharField("họ và tên", max_length=255)
    position = models.CharField("chức vụ", max_length=255, blank=True, default="Cấp ủy viên")
    membership = models.OneToOneField(
        Membership,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="committee_member",
        verbose_name="hồ sơ đảng viên",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CommitteeMemberQuerySet.as_manager()

    class Meta:
        verbose_name = "cấp ủy viên"
        verbose_name_plural = "cấp ủy viên"
        ordering = ["full_name", "id"]

    def __str__(self) -> str:
        return self.full_name


class FollowedQuerySet(ScopedQuerySet):
    """Rows of the follow-up a user sees: those of the organisations in their subtrees
    (``scope_field``), and those of their own assignments (``assignee_field``, the path to the
    committee member's account), wherever these are."""

    assignee_field: str = ""

    def for_user(self, user: Any) -> Self:
        if not user.is_authenticated:
            return self.none()
        return self.filter(subtree_q(user, self.scope_field) | Q(**{self.assignee_field: user}))


class AssignmentQuerySet(FollowedQuerySet):
    scope_field = "organization"
    assignee_field = "committee_member__user"

    def active_on(self, day: datetime.date) -> "AssignmentQuerySet":
        return self.filter(start__lte=day).filter(Q(end__isnull=True) | Q(end__gte=day))

    def overlapping(self, start: datetime.date, end: datetime.date | None) -> "AssignmentQuerySet":
        """Assignments whose [start, end] range meets the given one (an open end is forever)."""
        qs = self.filter(Q(end__isnull=True) | Q(end__gte=start))
        return qs.filter(start__lte=end) if end else qs


class Assignment(models.Model):
    """A committee member follows one organisation from ``start`` to ``end`` (inclusive; open if empty)."""

    committee_member = models.ForeignKey(
        CommitteeMember, on_delete=models.PROTECT, related_name="assignments", verbose_name="cấp ủy viên"
    )
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="followup_assignments", verbose_name="tổ chức phụ trách"
    )
    start = models.DateField("từ ngày")
    end = models.DateField("đến ngày", null=True, blank=True)
    note = models.CharField("ghi chú", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = "phân công phụ trách"
        verbose_name_plural = "phân công phụ trách"
        ordering = ["-start", "id"]
        indexes = [models.Index(fields=["organization", "start"]), models.Index(fields=["committee_member", "start"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="followup_assignment_end_after_start",
                violation_error_message="Ngày kết thúc phân công không được trước ngày bắt đầu.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.committee_member} — {self.organization}"

    def is_active_on(self, day: datetime.date) -> bool:
        return self.start <= day and (self.end is None or self.end >= day)


class MonthlyCheckQuerySet(FollowedQuerySet):
    """The checks of the assignments the user sees (``Assignment.objects.for_user``)."""

    scope_field = "assignment__organization"
    assignee_field = "assignment__committee_member__user"


class MonthlyCheck(models.Model):
    """The committee member's check of development work in one organisation for one month."""

    assignment = models.ForeignKey(
        Assignment, on_delete=models.PROTECT, related_name="checks", verbose_name="phân công"
    )
    month = models.DateField("tháng", help_text="Ngày đầu tháng được kiểm tra.")
    checked_on = models.DateField("ngày kiểm tra")
    reviewed = models.TextField("nội dung đã xem xét")
    findings = models.TextField("nhận xét, đánh giá")
    # The month's facts as the page showed them when the check was saved: what was assessed.
    facts = models.JSONField("số liệu của tháng", default=dict, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = MonthlyCheckQuerySet.as_manager()

    class Meta:
        verbose_name = "kiểm tra hằng tháng"
        verbose_name_plural = "kiểm tra hằng tháng"
        ordering = ["month", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "month"],
                name="followup_check_one_per_month",
                violation_error_message="Tháng này đã có biên bản kiểm tra.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assignment} — {self.month:%m/%Y}"


class CheckActionQuerySet(ScopedQuerySet):
    """The actions agreed at the checks of those assignments."""

    scope_field = "check_record__assignment__organization"


class CheckAction(models.Model):
    """An action agreed at a check, with who carries it out and by when."""

    check_record = models.ForeignKey(
        MonthlyCheck, on_delete=models.CASCADE, related_name="actions", verbose_name="kiểm tra"
    )
    description = models.TextField("việc cần làm")
    owner = models.CharField("người chịu trách nhiệm", max_length=255)
    due_date = models.DateField("hạn hoàn thành")
    done_on = models.DateField("ngày hoàn thành", null=True, blank=True)
    done_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = CheckActionQuerySet.as_manager()

    class Meta:
        verbose_name = "việc cần làm sau kiểm tra"
        verbose_name_plural = "việc cần làm sau kiểm tra"
        ordering = ["due_date", "id"]
        indexes = [models.Index(fields=["due_date"])]

    def __str__(self) -> str:
        return self.description[:60]

    @property
    def is_open(self) -> bool:
        return self.done_on is None


class EvaluationThresholds(models.Model):
    """How a province turns the year's figures into a proposed level (configurable per province).

    A level is proposed when the quota achievement reaches its rate; the top level also needs no
    more than ``excellent_max_missed`` missed deadlines and, if required, every monthly check done.
    """

    province = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="evaluation_thresholds", verbose_name="đảng bộ tỉnh"
    )
    excellent_rate = models.DecimalField(
        "tỷ lệ đạt chỉ tiêu để hoàn thành xuất sắc (%)", max_digits=6, decimal_places=2, default=100
    )
    good_rate = models.DecimalField("tỷ lệ để hoàn thành tốt (%)", max_digits=6, decimal_places=2, default=80)
    completed_rate = models.DecimalField("tỷ lệ để hoàn thành (%)", max_digits=6, decimal_places=2, default=50)
    excellent_max_missed = models.PositiveIntegerField("số hạn bị trễ tối đa để hoàn thành xuất sắc", default=0)
    excellent_needs_all_checks = models.BooleanField("hoàn thành xuất sắc cần đủ kiểm tra hằng tháng", default=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "ngưỡng đề xuất xếp loại"
        verbose_name_plural = "ngưỡng đề xuất xếp loại"
        constraints = [
            models.CheckConstraint(
                condition=Q(excellent_rate__gte=F("good_rate"))
                & Q(good_rate__gte=F("completed_rate"))
                & Q(completed_rate__gte=0),
                name="followup_thresholds_ordered",
                violation_error_message="Các ngưỡng phải giảm dần: xuất sắc ≥ tốt ≥ hoàn thành ≥ 0.",
            ),
        ]

    def __str__(self) -> str:
        return f"Ngưỡng xếp loại — {self.province}"


class EvaluationRatingQuerySet(ScopedQuerySet):
    """Ratings of the organisations in the user's subtrees."""

    scope_field = "organization"


class EvaluationRating(models.Model):
    """The level a committee decided for an organisation's development work in a year.

    Append-only: a change of mind is a new row; the latest row is the rating in force."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name="tổ chức")
    year = models.PositiveIntegerField("năm")
    level = models.CharField("xếp loại", max_length=16, choices=Level.choices)
    proposed_level = models.CharField("mức đề xuất khi xếp loại", max_length=16, choices=Level.choices, blank=True)
    note = models.TextField("ghi chú", blank=True)
    rated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="người xếp loại"
    )
    rated_at = models.DateTimeField(auto_now_add=True)

    objects = EvaluationRatingQuerySet.as_manager()

    class Meta:
        verbose_name = "xếp loại công tác phát triển đảng viên"
        verbose_name_plural = "xếp loại công tác phát triển đảng viên"
        ordering = ["organization", "year", "rated_at", "id"]
        indexes = [models.Index(fields=["organization", "year"])]
