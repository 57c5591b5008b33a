"""Restructuring the tree, each operation dated and recorded with its decision.

One service per operation: ``org_create``, ``org_rename``, ``org_move``, ``org_merge`` (A + B → C,
or A absorbed into B), ``org_split`` (A → B + C), ``org_dissolve``, ``org_change_kind``. Each runs
in one transaction and either does everything or nothing; ``dry_run=True`` does it all, collects
what it did (the preview), and rolls it back, so a preview is exactly what confirming writes.

What they keep:
- Facts are keyed by cell id: a change of kind keeps the id; a merge or split of committees
  moves the cells (with their ids) under the successor; only a merge or split *of cells* moves
  people, by collective transfers dated by the decision.
- History stays: events, periods, quotas and candidates keep pointing at the organisations of
  their date. An organisation ended by an operation keeps its row, with ``valid_to`` the day
  before the operation and ``Succession`` rows to its successors.
- Every operation is a ``TreeOperation`` with its ``Decision``, its effective date, the
  successions, and an ``OperationItem`` for each child, member, candidate, role, area... moved.

The floors above (members, candidates, follow-up) carry their own rows to the successor: each
is a module named in ``settings.RESTRUCTURE_CARRIERS`` with a ``carry(change)`` function, called
inside the transaction after the tree is written, and optionally ``parts(org)``: the people of a
cell that a split must place (``split_parts``). They are named in settings, not imported, because this
floor may not import them (the floors: organizations ← members ← candidates ← … ← followup).
"""

import datetime
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from partydev.formats import short_date

from . import heirs
from .models import (
    CELL_KINDS,
    GRASSROOTS_KINDS,
    PROVINCE_LEVEL_KINDS,
    REFORM_DATE,
    Decision,
    Kind,
    OperationItem,
    Organization,
    ResidentialArea,
    Role,
    Succession,
    TreeOperation,
    check_placement,
)
from .permissions import check_can_restructure
from .services import (
    _ancestor_paths,
    floors_above,
    move_subtree,
    move_subtrees,
    organization_create,
    rebuild_descendant_counts,
)

OpKind = TreeOperation.Kind
Item = OperationItem.Item
ONE_DAY = datetime.timedelta(days=1)

# Sections of a preview, in the order shown.
SECTIONS = (
    "Tổ chức",
    "Đảng viên",
    "Đối tượng kết nạp",
    "Cấp ủy quyết định kết nạp",
    "Vai trò",
    "Khu dân cư",
    "Tiêu chí riêng",
    "Phân công phụ trách",
    "Ngưỡng xếp loại",
    "Chỉ tiêu",
)


d = short_date


def decides_by_default(kind: str, on: datetime.date) -> bool:
    """From 01/07/2025 the standing committee of the level directly above the grassroots (a
    commune or ward committee, or a province-level committee) decides admissions."""
    return on >= REFORM_DATE and kind in {Kind.COMMUNE, *PROVINCE_LEVEL_KINDS}


@dataclass
class Change:
    """What an operation does, handed to every floor's carrier inside the transaction.

    - ``handovers``: (predecessor, successor, whole): the predecessor's own rows (roles,
      residential areas, local criteria, committee members, follow-up assignments, thresholds)
      go to the successor; ``whole`` False for a split, where each successor takes a part.
    - ``cell_moves``: (cell, target cell): every active member and open candidate of the cell
      moves to the target by a collective transfer (a merge of cells).
    - ``member_targets`` / ``candidate_targets``: id → target cell (a split of a cell), and
      ``split_cells``: cells everyone of which must have been given a target.
    - ``dissolved``: organisations dissolved (must hold no one); ``ended``: every organisation
      the operation ends (``valid_to`` the day before).
    - ``deciding_changes``: cell id → (deciding body before, after), for the cells whose
      admission decisions now go to another body.
    """

    kind: str
    operation: TreeOperation
    decision: Decision
    effective_date: datetime.date
    user: object = None
    handovers: list = field(default_factory=list)
    cell_moves: list = field(default_factory=list)
    member_targets: dict = field(default_factory=dict)
    candidate_targets: dict = field(default_factory=dict)
    split_cells: list = field(default_factory=list)
    dissolved: list = field(default_factory=list)
    ended: list = field(default_factory=list)
    deciding_changes: dict = field(default_factory=dict)
    lines: list = field(default_factory=list)
    items: list = field(default_factory=list)

    @property
    def day_before(self) -> datetime.date:
        return self.effective_date - ONE_DAY

    @property
    def reason(self) -> str:
        return f"{self.operation.get_kind_display()} theo quyết định số {self.decision.number} ngày {d(self.decision.date)}"

    def note(self, section: str, text: str) -> None:
        self.lines.append((section, text))

    def item(
        self,
        item: str,
        object_id: int,
        label: str = "",
        source: Organization | None = None,
        target: Organization | None = None,
    ) -> None:
        self.items.append(
            OperationItem(
                operation=self.operation,
                item=item,
                object_id=object_id,
                label=str(label)[:255],
                source=source,
                target=target,
            )
        )


@dataclass
class Outcome:
    """What an operation did (or, in a dry run, would do)."""

    operation: TreeOperation | None
    dry_run: bool
    lines: list

    @property
    def sections(self) -> list[tuple[str, list[str]]]:
        grouped = defaultdict(list)
        for section, text in self.lines:
            grouped[section].append(text)
        order = {s: i for i, s in enumerate(SECTIONS)}
        return sorted(grouped.items(), key=lambda kv: order.get(kv[0], len(order)))


# --- checks shared by every operation ------------------------------------------------------------


def _fresh(org: Organization) -> Organization:
    return Organization.objects.get(pk=org.pk)


def _check_dates(decision: Decision, effective_date: datetime.date, subjects: list[Organization]) -> None:
    today = timezone.localdate()
    names = ", ".join(f"«{o.name}»" for o in subjects)
    if effective_date is None:
        raise ValidationError({"effective_date": "Cần ghi ngày có hiệu lực."})
    if decision.date is None:
        raise ValidationError({"decision_date": "Cần ghi ngày quyết định."})
    if decision.date > today:
        raise ValidationError({"decision_date": f"Ngày quyết định ({d(decision.date)}) ở tương lai."})
    if effective_date > today:
        raise ValidationError(
            {
                "effective_date": f"{names}: chưa đến ngày có hiệu lực ({d(effective_date)}); "
                "thao tác chỉ được ghi vào hoặc sau ngày có hiệu lực, không ghi trước."
            }
        )
    if effective_date < decision.date:
        raise ValidationError(
            {
                "effective_date": f"{names}: ngày có hiệu lực ({d(effective_date)}) trước ngày quyết định ({d(decision.date)})."
            }
        )
    for org in subjects:
        if org.valid_from and effective_date < org.valid_from:
            raise ValidationError(
                {
                    "effective_date": f"«{org.name}» chỉ có từ {d(org.valid_from)}, sau ngày có hiệu lực {d(effective_date)}."
                }
            )
        if org.valid_to and effective_date > org.valid_to:
            raise ValidationError({"effective_date": f"«{org.name}» đã kết thúc hoạt động từ {d(org.valid_to)}."})


def _check_order(effective_date: datetime.date, moving: list[Organization], *, exact: bool = False) -> None:
    """No operation may be recorded before a later-dated one on the same node or inside it (a move
    changes the ancestry of the whole subtree): the tree as it stood at each date is the replay of
    the operations in date order. ``exact``: the node itself only (a rename)."""
    if not moving:
        return
    inside = Q()
    for org in moving:
        inside |= Q(touched=org) if exact else Q(touched__path__startswith=org.path)
    later = (
        TreeOperation.objects.filter(inside, effective_date__gt=effective_date)
        .order_by("-effective_date")
        .select_related("organization")
        .first()
    )
    if later is not None:
        raise ValidationError(
            {
                "effective_date": f"«{later.organization.name}» đã có thao tác «{later.get_kind_display()}» "
                f"có hiệu lực từ {d(later.effective_date)}, sau ngày {d(effective_date)}: "
                "hãy ghi các thao tác theo thứ tự ngày."
            }
        )


def _check_issuer(decision: Decision, subjects: list[Organization], *, across_provinces_label: str = "") -> None:
    """The decision must come from a body holding every organisation concerned, or from above the
    provinces. Organisations of different provinces: only a province-level body or above."""
    if decision.issued_by_id is None:
        if not decision.issuer_name.strip():
            raise ValidationError({"issued_by": "Cần ghi cơ quan ban hành quyết định."})
        return
    issuer = decision.issued_by
    assert issuer is not None  # issued_by_id is set
    roots = {o.path[: Organization.steplen] for o in subjects}
    if len(roots) > 1:
        if issuer.kind != Kind.PROVINCE:
            names = " và ".join(f"«{o.name}»" for o in subjects)
            raise ValidationError(
                {
                    "issued_by": f"{names} thuộc các đảng bộ tỉnh khác nhau: {across_provinces_label or 'thao tác'} "
                    f"cần quyết định của cấp tỉnh trở lên, không phải của «{issuer.name}»."
                }
            )
        return
    for org in subjects:
        if not org.path.startswith(issuer.path):
            raise ValidationError(
                {"issued_by": f"«{issuer.name}» không phải là cấp ủy cấp trên của «{org.name}»: không ban hành được."}
            )


def _save_decision(decision: Decision, user: Any) -> Decision:
    if decision.pk is None:
        decision.number = decision.number.strip()
        decision.issuer_name = decision.issuer_name.strip()
        if not decision.number:
            raise ValidationError({"decision_number": "Cần ghi số quyết định."})
        decision.recorded_by = decision.recorded_by or (user if getattr(user, "is_authenticated", False) else None)
        decision.full_clean()
        decision.save()
    return decision


def _cells_under(orgs: Iterable[Organization]) -> list[Organization]:
    q = Q()
    for org in orgs:
        q |= Q(path__startswith=org.path)
    return list(Organization.objects.filter(q, kind__in=CELL_KINDS)) if orgs else []


def _deciding_body_by_cell(cells: list[Organization]) -> dict[int, int | None]:
    """Cell id → the nearest organisation above or at it that decides admissions: one query."""
    paths = {p for c in cells for p in c.ancestor_paths}
    deciding = dict(Organization.objects.filter(path__in=paths, can_decide_admission=True).values_list("path", "id"))
    out = {}
    for cell in cells:
        out[cell.pk] = next((deciding[p] for p in reversed(cell.ancestor_paths) if p in deciding), None)
    return out


def _check_shape(nodes: list[Organization], on: datetime.date) -> None:
    """Every node whose parent or kind changed, and its children, sit where the rules in force on
    ``on`` allow; and every cell below them still has a grassroots organisation above it."""
    if not nodes:
        return
    fresh = {o.path: o for o in Organization.objects.filter(pk__in=[n.pk for n in nodes], valid_to__isnull=True)}
    parent_paths = {path[: -Organization.steplen] for path, o in fresh.items() if o.depth > 1}
    parents = {o.path: o for o in Organization.objects.filter(path__in=parent_paths)}
    for path, org in fresh.items():
        parent = parents.get(path[: -Organization.steplen]) if org.depth > 1 else None
        check_placement(org.kind, parent.kind if parent else None, on, org.name)
    for child in Organization.objects.filter(_children_q(fresh.values()), valid_to__isnull=True):
        check_placement(child.kind, fresh[child.path[: -Organization.steplen]].kind, on, child.name)
    cells = [c for c in _cells_under(list(fresh.values())) if c.kind == Kind.CELL and c.valid_to is None]
    ancestor_paths = {p for c in cells for p in c.ancestor_paths}
    grassroots = set(
        Organization.objects.filter(path__in=ancestor_paths, kind__in=GRASSROOTS_KINDS).values_list("path", flat=True)
    )
    for cell in cells:
        if not any(p in grassroots for p in cell.ancestor_paths):
            raise ValidationError(
                f"Chi bộ «{cell.name}» sẽ không còn tổ chức cơ sở đảng nào ở trên: không thực hiện được."
            )


def _children_q(orgs: Iterable[Organization]) -> Q:
    q = Q(pk__in=[])
    for org in orgs:
        q |= Q(path__startswith=org.path, depth=org.depth + 1)
    return q


def _end(org: Organization, change: Change) -> None:
    org = _fresh(org)
    org.valid_to = change.day_before
    org.full_clean(exclude=["path", "depth", "numchild"])
    # Its ancestor rows stay open: it keeps its place in the tree, a leaf with a valid_to.
    org.save()
    change.ended.append(org)


def _set_kinds(kinds: dict, change: Change, on: datetime.date) -> list[Organization]:
    """Change the kinds of the given organisations (id → kind), keeping their ids."""
    changed = []
    for org in Organization.objects.filter(pk__in=list(kinds)):
        new_kind = kinds[org.pk]
        if new_kind not in Kind.values:
            raise ValidationError({"kind": f"«{org.name}»: loại «{new_kind}» không có."})
        if new_kind == org.kind:
            continue
        if (org.kind in CELL_KINDS) != (new_kind in CELL_KINDS) and org.get_children_count():
            raise ValidationError({"kind": f"«{org.name}» còn tổ chức trực thuộc: không thể thành chi bộ."})
        change.note(
            "Tổ chức", f"«{org.name}»: {Kind(org.kind).label} → {Kind(new_kind).label} (giữ nguyên mã, số liệu)."
        )
        change.operation.details.setdefault("kinds", {})[str(org.pk)] = [org.kind, new_kind]
        org.kind = new_kind
        org.save()
        changed.append(org)
    return changed


def _carry(change: Change) -> None:
    """The tree's own rows (roles, residential areas), then each floor above, in order."""
    _carry_roles_and_areas(change)
    for carrier in _carriers():
        carrier.carry(change)


def _carriers() -> list[ModuleType]:
    return floors_above()


def split_parts(org: Organization) -> list[tuple[str, int, str]]:
    """What a split of ``org`` must send to a successor, as (kind, id, label): its live children
    for a committee; its active members and open candidates for a cell (from the floors above)."""
    if org.kind not in CELL_KINDS:
        children = Organization.objects.get_children(org).filter(valid_to__isnull=True)
        return [("children", c.pk, c.name) for c in children]
    return [part for carrier in _carriers() if hasattr(carrier, "parts") for part in carrier.parts(org)]


def _carry_roles_and_areas(change: Change) -> None:
    for pred, succ, whole in change.handovers:
        if not whole:
            continue
        for role in Role.objects.filter(organization=pred).select_related("user"):
            label = f"{role.user.get_username()} — {role.get_kind_display()}"
            change.item(Item.ROLE, role.pk, label, pred, succ)
            if Role.objects.filter(user_id=role.user_id, organization=succ, kind=role.kind).exists():
                role.delete()
            else:
                role.organization = succ
                role.save()
            change.note("Vai trò", f"{label}: từ «{pred.name}» sang «{succ.name}».")
    for pred, succ, whole in change.handovers:
        _carry_areas(pred, succ, whole, change)
    for org in change.dissolved:
        for role in Role.objects.filter(organization=org).select_related("user"):
            label = f"{role.user.get_username()} — {role.get_kind_display()}"
            change.item(Item.ROLE, role.pk, label, org, None)
            change.note("Vai trò", f"{label} ở «{org.name}»: thu hồi (tổ chức giải thể).")
            role.delete()


def _carry_areas(pred: Organization, succ: Organization, whole: bool, change: Change) -> None:
    """Residential areas of a grassroots organisation go to its successor (in a split, the one
    holding the area's cell, else the one taking the handover); those of a cell take the
    successor cell."""
    if whole and pred.kind in CELL_KINDS and succ.kind in CELL_KINDS:
        for area in ResidentialArea.objects.filter(cell=pred):
            area.cell = succ
            area.save()
            change.item(Item.AREA, area.pk, str(area), pred, succ)
            change.note("Khu dân cư", f"{area}: chi bộ phụ trách «{pred.name}» → «{succ.name}».")
    moved, renamed = [], []
    for area in ResidentialArea.objects.filter(grassroots=pred).select_related("cell").order_by("name"):
        target = succ
        if area.cell is not None and not area.cell.path.startswith(succ.path):
            continue  # a split: the area follows its cell, to another successor
        if not area.cell_id and not whole:
            continue
        if ResidentialArea.objects.filter(grassroots=target, name=area.name).exclude(pk=area.pk).exists():
            # Two merged organisations each had an area of this name: keep both, told apart.
            old_name, area.name = area.name, f"{area.name} ({pred.name})"[:255]
            area._change_reason = f"trùng tên «{old_name}» khi hợp nhất"  # type: ignore[attr-defined]  # simple-history
            renamed.append(f"«{old_name}» → «{area.name}»")
        area.grassroots = target
        area.full_clean()
        area.save()
        change.item(Item.AREA, area.pk, str(area), pred, target)
        moved.append(str(area))
    if moved:
        names = ", ".join(moved[:5]) + (f" và {len(moved) - 5} khu khác" if len(moved) > 5 else "")
        change.note("Khu dân cư", f"{len(moved)} khu dân cư của «{pred.name}» chuyển sang «{succ.name}»: {names}.")
    if renamed:
        change.note("Khu dân cư", f"Trùng tên, đổi tên để phân biệt: {'; '.join(renamed)}.")


def _run(
    kind: str,
    subject: Organization | None,
    decision: Decision,
    effective_date: datetime.date,
    user: Any,
    dry_run: bool,
    *,
    build: Callable[[Change], list[Organization]],
    touched: list[Organization],
    moving: list[Organization] | None = None,
) -> Outcome:
    """The frame of every operation: checks, the transaction, the record, the carriers, the
    roll-ups; ``build(change)`` writes the tree itself and returns the organisations whose parent
    or kind changed (checked against the placement rules of ``effective_date``)."""
    decision_was_new = decision.pk is None
    try:
        with transaction.atomic():
            _save_decision(decision, user)  # saved in place: the same object
            operation = TreeOperation(
                kind=kind,
                decision=decision,
                effective_date=effective_date,
                organization=subject,
                details={},
                recorded_by=user if getattr(user, "is_authenticated", False) else None,
            )
            change = Change(kind=kind, operation=operation, decision=decision, effective_date=effective_date, user=user)
            old_paths = {o.path for o in touched}
            cells_before = _cells_under(touched if moving is None else moving)
            deciding_before = _deciding_body_by_cell(cells_before)
            changed_nodes = build(change)
            operation.organization = change.operation.organization
            operation.save()
            operation.touched.set({o.pk for o in touched} | {o.pk for o in changed_nodes} | {operation.organization_id})
            _check_shape(changed_nodes, effective_date)
            cells_after = Organization.objects.filter(pk__in=[c.pk for c in cells_before])
            deciding_after = _deciding_body_by_cell(list(cells_after))
            change.deciding_changes = {
                cid: (deciding_before[cid], deciding_after.get(cid))
                for cid in deciding_before
                if deciding_before[cid] != deciding_after.get(cid)
            }
            _carry(change)
            for succession_item in change.items:
                succession_item.operation = operation
            OperationItem.objects.bulk_create(change.items, batch_size=1000)
            new_paths = set(
                Organization.objects.filter(pk__in=[o.pk for o in touched] + [o.pk for o in changed_nodes]).values_list(
                    "path", flat=True
                )
            )
            affected = {p for path in old_paths | new_paths for p in _ancestor_paths(path) + [path]}
            rebuild_descendant_counts(sorted(affected))
            heirs.rebuild()  # where each succeeded organisation's work lies now (scope reads it)
            if dry_run:
                transaction.set_rollback(True)
    except BaseException:
        if decision_was_new:
            decision.pk, decision._state.adding = None, True  # rolled back: unsaved again
        raise
    if dry_run and decision_was_new:
        decision.pk, decision._state.adding = None, True
    return Outcome(operation=None if dry_run else change.operation, dry_run=dry_run, lines=change.lines)


def _prepare(
    decision: Decision,
    effective_date: datetime.date,
    subjects: list[Organization],
    user: Any,
    *,
    moving: list[Organization] | None = None,
    exact: bool = False,
    across_provinces_label: str = "",
) -> list[Organization]:
    """Fresh copies of ``subjects`` after the checks every operation shares: who may, which body
    decides, the dates. ``moving`` (default: the first subject) are the nodes whose place or
    existence changes, checked against later-dated operations."""
    subjects = [_fresh(o) for o in subjects]
    check_can_restructure(user, subjects)
    _check_issuer(decision, subjects, across_provinces_label=across_provinces_label)
    _check_dates(decision, effective_date, subjects)
    _check_order(effective_date, subjects[:1] if moving is None else [_fresh(o) for o in moving], exact=exact)
    return subjects


def _new_org(spec: dict, effective_date: datetime.date, user: Any, change: Change) -> Organization:
    spec = dict(spec)
    parent = spec.pop("parent")
    if parent is not None:
        parent = _fresh(parent)
    spec.setdefault("valid_from", effective_date)
    org = organization_create(parent=parent, effective_date=effective_date, **spec)
    change.note("Tổ chức", f"Thành lập «{org.name}» ({Kind(org.kind).label.lower()}, mã {org.code}).")
    return org


def _move_children(pred: Organization, succ: Organization, change: Change, user: Any) -> list[Organization]:
    moved = list(Organization.objects.get_children(_fresh(pred)).filter(valid_to__isnull=True))
    move_subtrees([(child, succ) for child in moved], on=change.effective_date, user=user)
    for child in moved:
        change.item(Item.ORGANIZATION, child.pk, child.name, pred, succ)
    if moved:
        names = ", ".join(f"«{c.name}»" for c in moved[:5]) + (
            f" và {len(moved) - 5} tổ chức khác" if len(moved) > 5 else ""
        )
        change.note(
            "Tổ chức",
            f"{len(moved)} tổ chức trực thuộc «{pred.name}» chuyển sang «{succ.name}» (giữ nguyên mã): {names}.",
        )
    return moved


# --- the operations ---------------------------------------------------------------------------------


def org_create(
    *,
    parent: Organization | None,
    decision: Decision,
    effective_date: datetime.date,
    user: Any = None,
    dry_run: bool = False,
    **fields: Any,
) -> Outcome:
    """Found an organisation under ``parent`` from ``effective_date`` (its ``valid_from``)."""
    if parent is None and user is not None and not user.is_superuser:
        raise PermissionDenied("Chỉ quản trị hệ thống được thành lập một đảng bộ tỉnh.")
    subjects = _prepare(decision, effective_date, [parent] if parent else [], user, moving=[])
    parent = subjects[0] if subjects else None

    fields.setdefault("can_decide_admission", decides_by_default(fields.get("kind", ""), effective_date))

    def build(change: Change) -> list[Organization]:
        org = _new_org({**fields, "parent": parent}, effective_date, user, change)
        change.operation.organization = org
        change.operation.details = {"parent": parent.pk if parent else None}
        return [org]

    if parent is None and not decision.is_central:  # a new province: founded from above the provinces
        raise ValidationError({"issued_by": "Thành lập đảng bộ tỉnh cần quyết định của Trung ương."})
    return _run(
        OpKind.CREATE, parent, decision, effective_date, user, dry_run, build=build, touched=subjects, moving=[]
    )


def org_rename(
    org: Organization,
    *,
    name: str,
    decision: Decision,
    effective_date: datetime.date,
    user: Any = None,
    dry_run: bool = False,
) -> Outcome:
    (org,) = _prepare(decision, effective_date, [org], user, exact=True)
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": "Cần ghi tên mới."})
    if name == org.name:
        raise ValidationError({"name": f"«{org.name}» đã mang tên này."})

    def build(change: Change) -> list[Organization]:
        change.operation.details = {"name": [org.name, name]}
        change.note("Tổ chức", f"«{org.name}» đổi tên thành «{name}» (giữ nguyên mã {org.code}).")
        org.name = name
        org.full_clean(exclude=["path", "depth", "numchild"])
        org.save()
        return []

    return _run(OpKind.RENAME, org, decision, effective_date, user, dry_run, build=build, touched=[org], moving=[])


def org_move(
    org: Organization,
    *,
    new_parent: Organization,
    decision: Decision,
    effective_date: datetime.date,
    kinds: dict | None = None,
    user: Any = None,
    dry_run: bool = False,
) -> Outcome:
    """Move ``org`` (with its subtree, ids kept) under ``new_parent``. ``kinds`` (id → kind)
    changes kinds in the same operation (e.g. a grassroots committee raised to a commune)."""
    org, new_parent = _prepare(decision, effective_date, [org, new_parent], user)
    old_parent = Organization.objects.get_parent(org)

    def build(change: Change) -> list[Organization]:
        change.operation.details = {"parent": [old_parent.pk if old_parent else None, new_parent.pk]}
        changed = _set_kinds(kinds or {}, change, effective_date)
        move_subtree(org, new_parent, on=effective_date, user=user)
        change.note(
            "Tổ chức",
            f"«{org.name}» chuyển từ «{old_parent.name if old_parent else '—'}» sang trực thuộc «{new_parent.name}».",
        )
        return [org, *changed]

    touched = [o for o in (org, old_parent, new_parent) if o is not None]
    return _run(OpKind.MOVE, org, decision, effective_date, user, dry_run, build=build, touched=touched, moving=[org])


def org_change_kind(
    org: Organization,
    *,
    kind: str,
    decision: Decision,
    effective_date: datetime.date,
    new_parent: Organization | None = None,
    can_decide_admission: bool | None = None,
    kinds: dict | None = None,
    user: Any = None,
    dry_run: bool = False,
) -> Outcome:
    """Change ``org``'s kind, keeping its id (facts are keyed by it); optionally move it (e.g. a
    commune raised to directly under the province when its district ends), set whether it decides
    admissions, and change its children's kinds (``kinds``: id → kind) in the same operation."""
    subjects = [org] + ([new_parent] if new_parent else [])
    subjects = _prepare(decision, effective_date, subjects, user)
    org = subjects[0]
    new_parent = subjects[1] if new_parent else None
    old_parent = Organization.objects.get_parent(org)
    if can_decide_admission is None and decides_by_default(kind, effective_date) and not org.can_decide_admission:
        can_decide_admission = True

    def build(change: Change) -> list[Organization]:
        details: dict[str, list[Any]] = {"kind": [org.kind, kind]}
        changed = _set_kinds({**(kinds or {}), org.pk: kind}, change, effective_date)
        fresh = _fresh(org)
        if can_decide_admission is not None and fresh.can_decide_admission != can_decide_admission:
            details["can_decide_admission"] = [fresh.can_decide_admission, can_decide_admission]
            fresh.can_decide_admission = can_decide_admission
            fresh.save()
            change.note(
                "Cấp ủy quyết định kết nạp",
                f"«{fresh.name}» {'có' if can_decide_admission else 'không còn'} thẩm quyền quyết định kết nạp.",
            )
        if new_parent is not None and (old_parent is None or new_parent.pk != old_parent.pk):
            details["parent"] = [old_parent.pk if old_parent else None, new_parent.pk]
            move_subtree(fresh, new_parent, on=effective_date, user=user)
            change.note("Tổ chức", f"«{fresh.name}» chuyển sang trực thuộc «{new_parent.name}».")
        change.operation.details = details
        return [fresh, *changed]

    if kind == org.kind and not kinds and new_parent is None and can_decide_admission is None:
        raise ValidationError({"kind": f"«{org.name}» đã là {Kind(kind).label.lower()}."})
    return _run(
        OpKind.CHANGE_KIND,
        org,
        decision,
        effective_date,
        user,
        dry_run,
        build=build,
        touched=[o for o in (org, old_parent, new_parent) if o is not None],
        moving=[org],
    )


def org_merge(
    predecessors: list[Organization],
    *,
    decision: Decision,
    effective_date: datetime.date,
    into: Organization | None = None,
    new: dict | None = None,
    kinds: dict | None = None,
    user: Any = None,
    dry_run: bool = False,
) -> Outcome:
    """A + B → C (``new``: the fields of C, with its ``parent``), or A absorbed into B (``into``).

    Committees: their children (cells keep their ids) move under the successor. Cells: their
    members and open candidates move to the successor cell by collective transfers. Either way
    the predecessors end the day before, with a succession to the successor, and their roles,
    residential areas, local criteria, committee members and follow-up go to it.
    """
    if (into is None) == (new is None):
        raise ValueError("org_merge needs exactly one of into= and new=")
    predecessors = [p for p in predecessors if into is None or p.pk != into.pk]
    if not predecessors or (into is None and len(predecessors) < 2):
        raise ValidationError("Cần chọn ít nhất hai tổ chức để hợp nhất, hoặc một tổ chức để sáp nhập.")
    spec = new or {}
    successor_kind = into.kind if into is not None else spec["kind"]
    for pred in predecessors:
        if pred.kind != successor_kind and not (pred.kind in CELL_KINDS and successor_kind in CELL_KINDS):
            raise ValidationError(
                f"«{pred.name}» là {Kind(pred.kind).label.lower()}: chỉ hợp nhất các tổ chức cùng cấp "
                f"({Kind(successor_kind).label.lower()})."
            )
    anchors = [into] if into is not None else ([spec["parent"]] if spec.get("parent") else [])
    subjects = _prepare(
        decision,
        effective_date,
        [*predecessors, *anchors],
        user,
        moving=predecessors,
        across_provinces_label="hợp nhất" if into is None else "sáp nhập",
    )
    predecessors = subjects[: len(predecessors)]
    into = subjects[-1] if into is not None else None
    parent_of = {p.pk: Organization.objects.get_parent(p) for p in predecessors}

    if new is not None:
        # A new successor decides admissions and counts as a disadvantaged area if a predecessor did.
        new = {
            "can_decide_admission": any(p.can_decide_admission for p in predecessors),
            "disadvantaged_area": any(p.disadvantaged_area for p in predecessors),
            **new,
        }

    def build(change: Change) -> list[Organization]:
        succ = into if into is not None else _new_org(spec, effective_date, user, change)
        change.operation.organization = succ
        change.operation.details = {
            "predecessors": [p.pk for p in predecessors],
            "successor": succ.pk,
            "parents": {str(p.pk): (parent_of[p.pk].pk if parent_of[p.pk] else None) for p in predecessors},
        }
        changed = [succ, *_set_kinds(kinds or {}, change, effective_date)]
        for pred in predecessors:
            if pred.kind in CELL_KINDS:
                change.cell_moves.append((pred, succ))
            else:
                changed += _move_children(pred, succ, change, user)
            change.handovers.append((pred, succ, True))
            Succession.objects.create(
                operation=change.operation, predecessor=pred, successor=succ, effective_date=effective_date
            )
            _end(pred, change)
            change.note("Tổ chức", f"«{pred.name}» kết thúc hoạt động từ {d(effective_date)}; kế thừa: «{succ.name}».")
        return changed

    def build_saved(change: Change) -> list[Organization]:
        # Successions need the operation's row: save it first with a provisional subject.
        change.operation.save()
        return build(change)

    return _run(
        OpKind.MERGE if into is None else OpKind.ABSORB,
        predecessors[0],
        decision,
        effective_date,
        user,
        dry_run,
        build=build_saved,
        touched=[p for p in [*predecessors, into, *parent_of.values()] if p is not None],
        moving=predecessors,
    )


def org_split(
    org: Organization,
    *,
    successors: list,
    decision: Decision,
    effective_date: datetime.date,
    children: dict | None = None,
    members: dict | None = None,
    candidates: dict | None = None,
    handover_to: int = 0,
    kinds: dict | None = None,
    user: Any = None,
    dry_run: bool = False,
) -> Outcome:
    """A → B + C. ``successors``: existing organisations, or dicts of the fields of new ones (with
    their ``parent``; A's parent if left out). Where each part goes, as an index into
    ``successors``: ``children`` (child organisation id → index) for a committee, ``members``
    (membership id → index) and ``candidates`` (candidate id → index) for a cell. Everything must
    be given a successor. The roles, committee members and follow-up of A go to
    ``successors[handover_to]``; its local criteria to every successor. A ends the day before.
    """
    if len(successors) < 2:
        raise ValidationError("Chia tách cần ít nhất hai tổ chức kế thừa.")
    existing = [s for s in successors if isinstance(s, Organization)]
    (org, *existing) = _prepare(decision, effective_date, [org, *existing], user, across_provinces_label="chia tách")
    children, members, candidates = children or {}, members or {}, candidates or {}
    parent = Organization.objects.get_parent(org)
    for index in [*children.values(), *members.values(), *candidates.values(), handover_to]:
        if not 0 <= index < len(successors):
            raise ValidationError(f"Chia tách «{org.name}»: tổ chức kế thừa số {index + 1} không có.")
    if org.kind not in CELL_KINDS:
        live_children = list(Organization.objects.get_children(org).filter(valid_to__isnull=True))
        missing = [c for c in live_children if c.pk not in children]
        if missing:
            raise ValidationError(
                f"Chia tách «{org.name}»: chưa chọn nơi đến cho {len(missing)} tổ chức trực thuộc "
                f"({', '.join('«' + c.name + '»' for c in missing[:5])})."
            )

    def build(change: Change) -> list[Organization]:
        change.operation.save()
        remaining = iter(existing)
        succs = []
        for spec in successors:
            if isinstance(spec, Organization):
                succs.append(next(remaining))
            else:
                inherited = {
                    "can_decide_admission": org.can_decide_admission,
                    "disadvantaged_area": org.disadvantaged_area,
                }
                succs.append(_new_org({"parent": parent, **inherited, **spec}, effective_date, user, change))
        change.operation.details = {"successors": [s.pk for s in succs], "parent": parent.pk if parent else None}
        changed = [*succs, *_set_kinds(kinds or {}, change, effective_date)]
        if org.kind in CELL_KINDS:
            change.split_cells.append(org)
            change.member_targets = {int(k): succs[v] for k, v in members.items()}
            change.candidate_targets = {int(k): succs[v] for k, v in candidates.items()}
        else:
            by_id = {c.pk: c for c in Organization.objects.get_children(org)}
            moves = [(by_id[int(child_id)], succs[index]) for child_id, index in children.items()]
            move_subtrees(moves, on=effective_date, user=user)
            for child, succ in moves:
                change.item(Item.ORGANIZATION, child.pk, child.name, org, succ)
                change.note("Tổ chức", f"«{child.name}» chuyển sang «{succ.name}» (giữ nguyên mã).")
                changed.append(child)
        for i, succ in enumerate(succs):
            Succession.objects.create(
                operation=change.operation, predecessor=org, successor=succ, effective_date=effective_date, whole=False
            )
            change.handovers.append((org, succ, i == handover_to))
        _end(org, change)
        change.note(
            "Tổ chức",
            f"«{org.name}» kết thúc hoạt động từ {d(effective_date)}; kế thừa: "
            + ", ".join(f"«{s.name}»" for s in succs)
            + ".",
        )
        return changed

    return _run(
        OpKind.SPLIT,
        org,
        decision,
        effective_date,
        user,
        dry_run,
        build=build,
        touched=[o for o in (org, parent, *existing) if o is not None],
        moving=[org],
    )


def org_dissolve(
    org: Organization, *, decision: Decision, effective_date: datetime.date, user: Any = None, dry_run: bool = False
) -> Outcome:
    """End ``org`` from ``effective_date``. Its children, members and candidates must have been
    moved first; its roles are withdrawn and its follow-up assignments end."""
    (org,) = _prepare(decision, effective_date, [org], user)
    live_children = list(Organization.objects.get_children(org).filter(valid_to__isnull=True))
    if live_children:
        raise ValidationError(
            f"«{org.name}» còn {len(live_children)} tổ chức trực thuộc "
            f"({', '.join('«' + c.name + '»' for c in live_children[:5])}): hãy chuyển đi trước khi giải thể."
        )
    areas = ResidentialArea.objects.filter(Q(grassroots=org) | Q(cell=org)).count()
    if areas:
        raise ValidationError(
            f"«{org.name}» còn phụ trách {areas} khu dân cư: hãy giao cho tổ chức khác trước khi giải thể."
        )
    parent = Organization.objects.get_parent(org)

    def build(change: Change) -> list[Organization]:
        change.dissolved.append(org)
        _end(org, change)
        change.note("Tổ chức", f"«{org.name}» giải thể từ {d(effective_date)}.")
        return []

    return _run(
        OpKind.DISSOLVE,
        org,
        decision,
        effective_date,
        user,
        dry_run,
        build=build,
        touched=[o for o in (org, parent) if o is not None],
        moving=[org],
    )


def decision_new(
    *, number: str, date: datetime.date, issued_by: Organization | None = None, issuer_name: str = "", title: str = ""
) -> Decision:
    """An unsaved decision, saved by the operation that carries it out (not at all in a dry run)."""
    return Decision(number=number, date=date, issued_by=issued_by, issuer_name=issuer_name, title=title)
