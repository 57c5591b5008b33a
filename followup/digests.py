"""The follow-up's part of the e-mailed digest (``send_digests``): for each assignee, the checks
that are due or missing and the open actions past their due date; for staff who manage the
follow-up, the assignments in their scope with months not checked."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from organizations.models import user_roles
from partydev.formats import short_date

from .access import MANAGER_KINDS
from .selectors import assignments_in_scope, assignments_of, month_statuses, overdue_actions


@dataclass
class FollowupDigest:
    """A section of the digest: false when there is nothing to say (``settings.DIGEST_SECTIONS``)."""

    title = "Theo dõi, kiểm tra công tác phát triển đảng viên"
    due: list = field(default_factory=list)  # [MonthStatus] with this month not yet checked
    missing: list = field(default_factory=list)  # [MonthStatus] with past months not checked
    overdue_actions: list = field(default_factory=list)  # [CheckAction]
    scope_missing: list = field(default_factory=list)  # [MonthStatus] in the scope the user manages

    def __bool__(self) -> bool:
        return bool(self.due or self.missing or self.overdue_actions or self.scope_missing)

    def lines(self) -> list[str]:
        out = []
        for s in self.due:
            out.append(f"Đến hạn kiểm tra tháng {s.due:%m/%Y}: {s.assignment.organization.name}.")
        for s in self.missing:
            months = ", ".join(f"{m:%m/%Y}" for m in s.missing)
            out.append(f"Chưa kiểm tra {s.assignment.organization.name} các tháng {months}.")
        for a in self.overdue_actions:
            out.append(
                f"Việc quá hạn ({a.check_record.assignment.organization.name}): {a.description} — "
                f"{a.owner}, hạn {short_date(a.due_date)}."
            )
        if self.scope_missing:
            out.append(f"Trong phạm vi quản lý: {len(self.scope_missing)} phân công còn tháng chưa được kiểm tra.")
        return out

    def text(self) -> str:
        lines = self.lines()
        return f"{self.title}:\n" + "\n".join(f"- {line}" for line in lines) if lines else ""


def followup_digest_for(user: Any, today: datetime.date | None = None) -> FollowupDigest:
    """What the follow-up asks of ``user`` today. A fixed number of queries."""
    today = today or timezone.localdate()
    digest = FollowupDigest()
    mine = month_statuses(assignments_of(user), today)
    digest.due = [s for s in mine if s.due]
    digest.missing = [s for s in mine if s.missing]
    ids = [s.assignment.pk for s in mine]
    digest.overdue_actions = list(overdue_actions(ids, today)[:100]) if ids else []
    if user.is_superuser or any(kind in MANAGER_KINDS for _, kind in user_roles(user)):
        scope = month_statuses(assignments_in_scope(user, active_on=today), today)
        digest.scope_missing = [s for s in scope if s.missing and s.assignment.committee_member.user_id != user.pk]
    return digest
