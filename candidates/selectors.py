"""Reads over the pipeline: the board, the worklists, a candidate's page. Every read is scoped
through ``Candidate.objects.for_user`` (the organisation subtree) and runs a fixed number of
queries whatever the number of candidates."""

import datetime
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, Exists, F, IntegerField, OuterRef, Q, Value, When, Window
from django.db.models.functions import ExtractYear, RowNumber

from organizations import rollup
from organizations.models import Organization
from organizations.selectors import label_grassroots, recorder_role_label, user_roots, with_recorder_role
from partydev.text import fold
from partydev.workdays import working_days_between

from . import rules
from .models import (
    OPEN_STAGES,
    PIPELINE,
    Candidate,
    CandidateDueFact,
    CandidateEvent,
    CandidateQuerySet,
    DueKind,
    EventKind,
    LocalCriterion,
    Stage,
)

BOARD_STAGES = [s for s in PIPELINE if s != Stage.OFFICIAL]
CARDS_PER_COLUMN = 6
WORKLIST_LIMIT = 60
REPORTED_UPWARD_MAX = 5000  # pending reports read at most, province-wide


def scoped_candidates(user: Any) -> CandidateQuerySet:
    return Candidate.objects.for_user(user)


def get_candidate_for_user(user: Any, pk: int) -> Candidate:
    """A candidate the user may see, or ``Candidate.DoesNotExist`` (the view turns it into 404)."""
    return (
        scoped_candidates(user)
        .select_related(
            "person",
            "cell",
            "helper__person",
            "introducer_1__person",
            "introducer_2__person",
            "decided_by",
            "membership",
        )
        .get(pk=pk)
    )


def get_candidate_to_change(user: Any, pk: int) -> Candidate:
    """A candidate the user may see, with its cell only: what a write's form and its scope and
    permission checks read (the page's seven related rows are for showing it; on PostgreSQL
    planning that join alone takes longer than the write). ``Candidate.DoesNotExist`` otherwise."""
    return scoped_candidates(user).select_related("cell").get(pk=pk)


@dataclass
class Card:
    pk: int
    stage: str
    next_due: datetime.date | None
    certificate_date: datetime.date | None
    cell_vote_date: datetime.date | None
    full_name: str
    cell_name: str
    cell_id: int = 0
    path: str = ""  # the cell's: ``label_grassroots`` reads it
    depth: int = 0
    overdue_days: int = 0
    certificate_warning: bool = False
    grassroots_name: str = ""


@dataclass
class Column:
    stage: str
    label: str
    count: int
    cards: list[Card]

    @property
    def more(self) -> int:
        return self.count - len(self.cards)


def board(org: Organization, user: Any, today: datetime.date) -> list[Column]:
    """The pipeline under ``org`` as columns by stage, with counts and the most urgent cards.
    Two queries: one pass of window functions over narrow rows gives each column's count and the
    ids of its first cards (candidates without a deadline sort last); then those cards."""
    base = Candidate.objects.in_subtree(user, org).filter(stage__in=BOARD_STAGES)
    ranked = (
        base.annotate(
            rank=Window(
                RowNumber(), partition_by=[F("stage")], order_by=[F("next_due").asc(nulls_last=True), F("id").asc()]
            ),
            in_stage=Window(Count("id"), partition_by=[F("stage")]),
        )
        .filter(rank__lte=CARDS_PER_COLUMN)
        .values_list("id", "stage", "in_stage")
    )
    counts, first_ids = {}, []
    for pk, stage, n in ranked:
        counts[stage] = n
        first_ids.append(pk)
    fields = (
        "id",
        "stage",
        "next_due",
        "certificate_date",
        "cell_vote_date",
        "person__full_name",
        "cell__name",
        "cell_id",
        "cell__path",
        "cell__depth",
    )
    cards = defaultdict(list)
    # Plain rows, not model instances: a card needs a handful of values.
    rows = Candidate.objects.filter(pk__in=first_ids).values_list(*fields)
    for row in sorted(rows, key=lambda r: (r[2] is None, r[2] or today, r[0])):
        c = Card(*row)
        c.overdue_days = (today - c.next_due).days if c.next_due and c.next_due < today else 0
        c.certificate_warning = rules.certificate_expiring(c, today)
        cards[c.stage].append(c)
    if not org.is_cell:  # cells of a wider board are told apart by their grassroots organisation
        shown = [c for column in cards.values() for c in column]
        for c in label_grassroots(shown):  # the cards carry their cell's path: one query
            if c.grassroots_name and c.grassroots_name != c.cell_name:
                c.cell_name = f"{c.cell_name} — {c.grassroots_name}"
    return [
        Column(s, Stage(s).label, counts.get(s, 0), cards.get(s, []))
        for s in BOARD_STAGES
        if s != Stage.PARTIAL_APPRAISAL or counts.get(s)  # most cells have no partial committee
    ]


SEARCH_LIMIT = 30


def search_candidates(user: Any, org: Organization | None, text: str) -> list[Candidate]:
    """Candidates the user may see (under ``org``) whose name contains ``text``, with or without
    diacritics ("quach thi" finds "Quách Thị Lan"); open ones first, at most SEARCH_LIMIT + 1."""
    folded = fold(text)
    if not folded:
        return []
    qs = Candidate.objects.in_subtree(user, org).filter(person__name_search__contains=folded)
    open_first = Case(When(stage__in=OPEN_STAGES, then=Value(0)), default=Value(1), output_field=IntegerField())
    return list(
        qs.select_related("person", "cell").order_by(open_first, "person__name_search", "pk")[: SEARCH_LIMIT + 1]
    )


def month_end(today: datetime.date) -> datetime.date:
    first_next = (today.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
    return first_next - datetime.timedelta(days=1)


@dataclass
class WorkItem:
    candidate: Candidate
    due: datetime.date
    due_label: str
    overdue_days: int  # calendar days past the deadline (0 if not overdue)
    overdue_working_days: int


@dataclass
class Worklist:
    overdue: int
    due_this_month: int
    certificate_warnings: int
    groups: list  # [(cell, [WorkItem])]
    shown: int
    limit: int
    reported_upward: list  # [CandidateEvent]: the last failed vote of each candidate to report upward


def worklist(user: Any, today: datetime.date, org: Organization | None = None, limit: int = WORKLIST_LIMIT) -> Worklist:
    """What is overdue and what falls due by the end of this month, grouped by cell, most
    overdue first. The totals come from the deadline facts (``candidates.facts``) rolled up to
    the scope in one query, whatever its size; then the first ``limit`` items."""
    end = month_end(today)
    warning_from = today + datetime.timedelta(days=90)
    # Only open stages carry a deadline (the services clear it when a candidate closes), so the
    # deadline alone selects: a filter on the stage too would steer SQLite away from its index.
    base = Candidate.objects.in_subtree(user, org)
    due = base.filter(next_due__lte=end)
    anchors = [org.id] if org is not None else user_roots(user).values("id")
    source = CandidateDueFact.objects.filter(day__lte=max(end, warning_from)).values(
        "cell_id",
        overdue=_n_when(Q(day__lt=today)),
        this_month=_n_when(Q(day__gte=today, day__lte=end)),
        warnings=_n_when(Q(day__lte=warning_from, due_kind=DueKind.CERTIFICATE_EXPIRY)),
    )
    rolled = rollup.roll_up(source, anchors=anchors, sums=["overdue", "this_month", "warnings"])
    totals = {"overdue": 0, "this_month": 0}
    warnings = 0
    for sums in rolled.values():  # several roots: their subtrees do not overlap
        totals["overdue"] += sums["overdue"]
        totals["this_month"] += sums["this_month"]
        warnings += sums["warnings"]
    # Ordered by the indexed deadline only (not by the cell's path, which would need the join).
    # The ids first (a sort of narrow rows), then those rows with their person and cell.
    first_ids = list(due.order_by("next_due", "id").values_list("id", flat=True)[:limit])
    items = sorted(
        Candidate.objects.filter(pk__in=first_ids).select_related("person", "cell"), key=lambda c: (c.next_due, c.pk)
    )
    groups: dict[int, tuple] = {}
    for c in items:
        overdue = (today - c.next_due).days if c.next_due < today else 0
        item = WorkItem(
            c,
            c.next_due,
            DueKind(c.due_kind).label if c.due_kind else "",
            overdue,
            working_days_between(c.next_due, today) if overdue else 0,
        )
        groups.setdefault(c.cell_id, (c.cell, []))[1].append(item)
    ordered = sorted(groups.values(), key=lambda g: g[0].path)
    return Worklist(
        totals["overdue"], totals["this_month"], warnings, ordered, len(items), limit, reported_upward(user, org, limit)
    )


def reported_upward(user: Any, org: Organization | None = None, limit: int = WORKLIST_LIMIT) -> list[CandidateEvent]:
    """Candidates whose cell or committee failed to reach 2/3 at the third vote (or a later one)
    and who have not moved since: the body reports to the committee above. Two queries: the
    latest such events anywhere, found from the index on the event kind (failed votes are few),
    then those of them in the user's scope, with their candidate and cell."""
    later = CandidateEvent.objects.filter(candidate=OuterRef("candidate"), id__gt=OuterRef("id"))
    pending = list(
        CandidateEvent.objects.filter(kind=EventKind.VOTE_FAILED, data__report_upward=True)
        .exclude(Exists(later))
        .values_list("id", flat=True)[:REPORTED_UPWARD_MAX]
    )
    if not pending:
        return []
    return list(
        CandidateEvent.objects.filter(
            pk__in=pending, candidate__in=Candidate.objects.in_subtree(user, org).values("id")
        )
        .select_related("candidate__person", "cell")
        .order_by("effective_date", "id")[:limit]
    )


def _n_when(condition: Q) -> Case:
    return Case(When(condition, then=F("n")), default=Value(0), output_field=IntegerField())


def overdue_for_user(user: Any, today: datetime.date, limit: int = 500) -> list[Candidate]:
    """The overdue items in the user's scope, for the e-mailed digest."""
    return list(
        scoped_candidates(user)
        .filter(next_due__lt=today)
        .select_related("person", "cell")
        .order_by("cell__path", "next_due")[:limit]
    )


def history(candidate: Candidate) -> list[CandidateEvent]:
    events = list(
        with_recorder_role(candidate.events.select_related("recorded_by", "cell"), "recorded_by").order_by(
            "effective_date", "id"
        )
    )
    for e in events:
        e.recorder_role = recorder_role_label(e)
    return events


def checklist(candidate: Candidate) -> list[tuple[str, object, bool]]:
    """(label, value, done) rows: the dossier and the other records of the pipeline."""
    c = candidate
    rows: list[tuple[str, object, bool]] = [
        ("Đảng viên giúp đỡ", c.helper.person.full_name if c.helper else None, bool(c.helper_id)),
        ("Giấy chứng nhận lớp nhận thức về Đảng", c.certificate_date, bool(c.certificate_date)),
        ("Đơn xin vào Đảng (1-KNĐ)", c.form1_date, bool(c.form1_date)),
        ("Lý lịch người xin vào Đảng (2-KNĐ)", c.form2_date, bool(c.form2_date)),
        (c.get_introduction_display() or "Giới thiệu (3-KNĐ, 4-KNĐ hoặc 4A-KNĐ)", c.form3_date, bool(c.form3_date)),
        ("Nhận xét của đoàn thể và chi ủy nơi cư trú (5-KNĐ)", c.form5_date, bool(c.form5_date)),
        ("Thẩm tra lý lịch", c.verification_date, bool(c.verification_date)),
    ]
    return rows


def local_criteria(candidate: Candidate) -> list[tuple[LocalCriterion, object]]:
    criteria = list(
        LocalCriterion.objects.filter(organization__path__in=candidate.cell.ancestor_paths, active=True).order_by(
            "organization__depth", "id"
        )
    )
    met = dict(candidate.criterion_checks.values_list("criterion_id", "met_on"))
    return [(c, met.get(c.pk)) for c in criteria]


@dataclass
class Deadline:
    label: str
    due: datetime.date
    done_on: datetime.date | None
    state: str  # done, late, overdue, soon, open


def deadlines(candidate: Candidate, today: datetime.date) -> list[Deadline]:
    """Every deadline that applies to the candidate so far, with whether it was met."""
    c = candidate
    out = []

    def add(label: str, due: datetime.date, done_on: datetime.date | None) -> None:
        if done_on:
            state = "late" if done_on > due else "done"
        elif due < today:
            state = "overdue"
        elif (due - today).days <= 30:
            state = "soon"
        else:
            state = "open"
        out.append(Deadline(label, due, done_on, state))

    if c.certificate_date:
        expires = rules.certificate_expires(rules.regulation_on(c.certificate_date), c.certificate_date)
        add("Chi bộ xét trước khi giấy chứng nhận hết hạn", expires - datetime.timedelta(days=1), c.cell_vote_date)
    if c.cell_vote_date:
        add(
            "Quyết định kết nạp (60 ngày làm việc" + (" + 30" if c.decision_extended else "") + ")",
            rules.decision_due(c.cell_vote_date, c.decision_extended),
            c.decision_date,
        )
    if c.decision_date:
        add(
            "Tổ chức lễ kết nạp (30 ngày làm việc)",
            rules.ceremony_due(c.decision_received_date or c.decision_date),
            c.ceremony_date,
        )
    if c.ceremony_date:
        ends = rules.probation_ends(c.ceremony_date)
        out.append(
            Deadline("Hết 12 tháng dự bị (chính thức từ ngày này)", ends, None, "done" if ends <= today else "open")
        )
        add(
            "Chi bộ đề nghị công nhận chính thức (30 ngày làm việc)",
            rules.proposal_due(c.ceremony_date),
            c.recognition_proposal_date,
        )
    if c.recognition_proposal_date:
        add(
            "Quyết định công nhận chính thức (30 ngày làm việc)",
            rules.recognition_due(c.recognition_proposal_date),
            c.recognition_decision_date,
        )
    return out


@dataclass
class RouteRow:
    org: Organization
    year: int
    counts: dict  # route key -> admissions
    total: int  # admissions of the year in the organisation, whatever the route


def exception_routes(user: Any, org: Organization) -> list[RouteRow]:
    """How many admissions (by the year of the decision) used each written exception
    (``rules.EXCEPTION_ROUTES``), per organisation directly under ``org`` (or ``org`` itself if it
    has none), with the year's admissions beside them. Two queries whatever the size: the
    organisations, then one grouped count of the admissions of the scope by cell and year."""
    nodes = list(Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1).order_by("path")) or [org]
    admissions = (
        Candidate.objects.in_subtree(user, org)
        .filter(decision_date__isnull=False)
        .annotate(year=ExtractYear("decision_date"))
        .values("cell__path", "year")
        .annotate(
            total=Count("id"),
            literacy=Count(Case(When(~Q(literacy_basis=""), then=Value(1)), output_field=IntegerField())),
            over_60=Count(Case(When(~Q(over_60_consent_number=""), then=Value(1)), output_field=IntegerField())),
        )
        .order_by()
    )
    rows: dict[tuple, RouteRow] = {}
    for a in admissions:
        node = next((n for n in nodes if a["cell__path"].startswith(n.path)), None)
        if node is None:
            continue
        row = rows.setdefault(
            (node.path, a["year"]), RouteRow(node, a["year"], {r.key: 0 for r in rules.EXCEPTION_ROUTES}, 0)
        )
        row.total += a["total"]
        for route in rules.EXCEPTION_ROUTES:
            row.counts[route.key] += a[route.key]
    return [rows[k] for k in sorted(rows, key=lambda k: (-k[1], k[0]))]
