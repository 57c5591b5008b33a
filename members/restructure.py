"""What a tree operation carries on the members' floor (``settings.RESTRUCTURE_CARRIERS``).

Members of a cell that is merged or split move by a collective transfer dated by the decision;
members of cells that only change committee stay where they are (their cells keep their ids).
Quotas stay with the organisations they were set for: history is read through the successions.
"""

import datetime
from collections.abc import Sequence

from organizations.carrying import Riders, carry_riders, person_names
from organizations.models import OperationItem, Organization
from organizations.restructure import Change

from . import subtree_years
from .models import ACTIVE_STATUSES, Membership
from .quotas.models import Quota
from .services import memberships_transfer_collective

Item = OperationItem.Item


def _active_in(cell: Organization) -> list[Membership]:
    return list(
        Membership.objects.filter(cell=cell, status__in=ACTIVE_STATUSES).select_related("person", "cell").order_by("id")
    )


def _transfer(change: Change, source: Organization, target: Organization, memberships: list[Membership]) -> None:
    if not memberships:
        return
    memberships_transfer_collective(
        memberships,
        to_cell=target,
        effective_date=change.effective_date,
        decision_number=change.decision.number,
        reason=change.reason,
        user=change.user,
    )
    for m in memberships:
        change.item(Item.MEMBERSHIP, m.pk, m.person.full_name, source, target)
    change.note(
        "Đảng viên",
        f"{len(memberships)} đảng viên của «{source.name}» chuyển sinh hoạt tập thể sang «{target.name}»: {person_names(memberships)}.",
    )


MEMBERS = Riders(
    what="đảng viên",
    present_in=_active_in,
    count_under=lambda org: Membership.objects.filter(
        cell__path__startswith=org.path, status__in=ACTIVE_STATUSES
    ).count(),
    targets=lambda change: change.member_targets,
    move=_transfer,
    still_there="đang sinh hoạt: hãy chuyển sinh hoạt trước khi giải thể.",
    not_in_cell="được chọn không sinh hoạt ở chi bộ này.",
)


def carry(change: Change) -> None:
    carry_riders(change, MEMBERS)
    for pred, _succ, _whole in change.handovers:
        years = sorted(
            Quota.objects.filter(organization=pred, year__gte=change.effective_date.year).values_list("year", flat=True)
        )
        if years:
            change.note(
                "Chỉ tiêu",
                f"Chỉ tiêu năm {', '.join(map(str, years))} của «{pred.name}» giữ nguyên ở «{pred.name}» "
                "(báo cáo theo tổ chức hiện nay cộng qua quan hệ kế thừa).",
            )


def parts(org: Organization) -> list[tuple[str, int, str]]:
    """The active members of a cell, each to be placed by a split."""
    return [("members", m.pk, f"Đảng viên {m.person.full_name}") for m in _active_in(org)]


def tree_moved(moved: Sequence[Organization], on: datetime.date) -> None:
    """Subtrees moved in the tree (``organizations.services.tree_moved``): the yearly facts of the
    organisations they left and joined follow."""
    subtree_years.tree_moved(moved, on)
