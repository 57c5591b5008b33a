"""What a tree operation carries on the candidates' floor (``settings.RESTRUCTURE_CARRIERS``).

- Open candidates of a cell merged or split move to the successor cell (a dated ``moved`` event).
- Candidates in flight (before the admission decision) in cells whose deciding body changes are
  carried to the new body: it is derived from the tree, so nothing of theirs is rewritten; each
  is listed, and recorded on the operation.
- Local criteria of a merged organisation apply to its successor; those of a split one to each.
"""

from collections import defaultdict

from django.core.exceptions import ValidationError

from organizations.carrying import Riders, carry_riders, person_names
from organizations.models import OperationItem, Organization
from organizations.restructure import Change

from .models import OPEN_STAGES, PIPELINE, Candidate, LocalCriterion, Stage
from .services import candidate_move

Item = OperationItem.Item
BEFORE_DECISION = PIPELINE[: PIPELINE.index(Stage.DECISION)]


def _open_in(cell: Organization) -> list[Candidate]:
    return list(Candidate.objects.filter(cell=cell, stage__in=OPEN_STAGES).select_related("person").order_by("id"))


def _move(change: Change, source: Organization, target: Organization, candidates: list[Candidate]) -> None:
    for c in candidates:
        try:
            candidate_move(
                c, to_cell=target, effective_date=change.effective_date, reason=change.reason, user=change.user
            )
        except ValidationError as error:
            raise ValidationError(f"Đối tượng {c.person.full_name} («{source.name}»): {' '.join(error.messages)}")
        change.item(Item.CANDIDATE, c.pk, c.person.full_name, source, target)
    if candidates:
        change.note(
            "Đối tượng kết nạp",
            f"{len(candidates)} đối tượng của «{source.name}» chuyển sang «{target.name}»: {person_names(candidates)}.",
        )


CANDIDATES = Riders(
    what="đối tượng kết nạp",
    present_in=_open_in,
    count_under=lambda org: Candidate.objects.filter(cell__path__startswith=org.path, stage__in=OPEN_STAGES).count(),
    targets=lambda change: change.candidate_targets,
    move=_move,
    still_there="đang theo dõi: hãy chuyển chi bộ trước khi giải thể.",
)


def _carry_deciding_bodies(change: Change) -> None:
    if not change.deciding_changes:
        return
    bodies = Organization.objects.in_bulk({b for pair in change.deciding_changes.values() for b in pair if b})
    in_flight = Candidate.objects.filter(cell_id__in=list(change.deciding_changes), stage__in=BEFORE_DECISION)
    by_pair: defaultdict[tuple[int | None, int | None], list[Candidate]] = defaultdict(list)
    for c in in_flight.select_related("person").order_by("id"):
        old, new = change.deciding_changes[c.cell_id]
        by_pair[(old, new)].append(c)
        change.item(Item.DECIDING_BODY, c.pk, c.person.full_name, bodies.get(old), bodies.get(new))
    for (old, new), candidates in by_pair.items():
        old_name = bodies[old].name if old else "chưa có"
        new_name = bodies[new].name if new else "chưa có cấp ủy có thẩm quyền"
        change.note(
            "Cấp ủy quyết định kết nạp",
            f"{len(candidates)} đối tượng đang theo dõi chuyển từ «{old_name}» sang «{new_name}» quyết định: {person_names(candidates)}.",
        )


def _carry_criteria(change: Change) -> None:
    for pred, succ, whole in change.handovers:
        for criterion in LocalCriterion.objects.filter(organization=pred, active=True).order_by("id"):
            if whole:
                criterion.organization = succ
                criterion.save()
                change.item(Item.CRITERION, criterion.pk, criterion.label, pred, succ)
                change.note("Tiêu chí riêng", f"«{criterion.label}»: áp dụng cho «{succ.name}».")
            else:
                copy = LocalCriterion.objects.create(
                    organization=succ, label=criterion.label, required_before=criterion.required_before
                )
                change.item(Item.CRITERION, copy.pk, copy.label, pred, succ)
                change.note("Tiêu chí riêng", f"«{criterion.label}»: áp dụng cho «{succ.name}» (bản sao).")


def carry(change: Change) -> None:
    carry_riders(change, CANDIDATES)
    _carry_deciding_bodies(change)
    _carry_criteria(change)


def parts(org: Organization) -> list[tuple[str, int, str]]:
    """The open candidates of a cell, each to be placed by a split."""
    return [("candidates", c.pk, f"Đối tượng {c.person.full_name}") for c in _open_in(org)]
