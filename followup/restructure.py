"""What a tree operation carries on the follow-up floor (``settings.RESTRUCTURE_CARRIERS``).

The committee members of a merged organisation sit on its successor's committee; the follow-up
assignments of a merged or dissolved organisation end the day before (they stay as history) and,
for a merge, the same people follow the successor from the effective date. A province's
evaluation thresholds are carried to a successor province that has none.
"""

from organizations.models import Kind, OperationItem, Organization
from organizations.restructure import Change
from partydev.formats import short_date

from .models import Assignment, CommitteeMember, EvaluationThresholds

Item = OperationItem.Item
THRESHOLD_FIELDS = (
    "excellent_rate",
    "good_rate",
    "completed_rate",
    "excellent_max_missed",
    "excellent_needs_all_checks",
)


def _end_assignments(change: Change, org: Organization, successor: Organization | None = None) -> None:
    for a in (
        Assignment.objects.filter(organization=org).active_on(change.effective_date).select_related("committee_member")
    ):
        who = a.committee_member.full_name
        if a.start >= change.effective_date and successor is not None:
            a.organization = successor
            a.save(update_fields=["organization"])
        else:
            a.end = change.day_before
            a.ended_by = change.user if getattr(change.user, "is_authenticated", False) else None
            a.full_clean()
            a.save(update_fields=["end", "ended_by"])
            if successor is not None and not (
                Assignment.objects.filter(committee_member=a.committee_member, organization=successor)
                .overlapping(change.effective_date, None)
                .exists()
            ):
                Assignment.objects.create(
                    committee_member=a.committee_member,
                    organization=successor,
                    start=change.effective_date,
                    note=change.reason[:255],
                    created_by=a.ended_by,
                )
        change.item(Item.ASSIGNMENT, a.pk, who, org, successor)
        if successor is not None:
            change.note(
                "Phân công phụ trách",
                f"{who}: phụ trách «{org.name}» đến {short_date(change.day_before)}, "
                f"rồi «{successor.name}» từ {short_date(change.effective_date)}.",
            )
        else:
            change.note(
                "Phân công phụ trách", f"{who}: thôi phụ trách «{org.name}» từ {short_date(change.effective_date)}."
            )


def carry(change: Change) -> None:
    for pred, succ, whole in change.handovers:
        if not whole:
            continue
        for member in CommitteeMember.objects.filter(committee=pred):
            member.committee = succ
            member.save(update_fields=["committee"])
            change.item(Item.COMMITTEE_MEMBER, member.pk, member.full_name, pred, succ)
            change.note(
                "Phân công phụ trách", f"Cấp ủy viên {member.full_name}: từ cấp ủy «{pred.name}» sang «{succ.name}»."
            )
        _end_assignments(change, pred, succ)
        if pred.kind == Kind.PROVINCE and succ.kind == Kind.PROVINCE:
            old = EvaluationThresholds.objects.filter(province=pred).first()
            if old is not None and not EvaluationThresholds.objects.filter(province=succ).exists():
                new = EvaluationThresholds.objects.create(
                    province=succ, **{f: getattr(old, f) for f in THRESHOLD_FIELDS}
                )
                change.item(Item.THRESHOLDS, new.pk, str(new), pred, succ)
                change.note("Ngưỡng xếp loại", f"«{succ.name}» dùng ngưỡng xếp loại của «{pred.name}».")
    for org in change.dissolved:
        _end_assignments(change, org)
