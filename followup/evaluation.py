"""Year-end evaluation input: the development-work criteria of each organisation in a scope, the
level they propose, and the commend and remind lists drawn from the same figures.

Every figure comes from records, in a fixed number of grouped queries over the cells of the
scope rolled up to the listed organisations (``organizations.rollup``):
quota achievement (admission events against the annual quotas), deadlines met and missed (the
candidates' stage dates against ``candidates.rules``), the average time from the cultivation
list to the admission decision, whether every monthly check was done, and exits.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from candidates import rules as candidate_rules
from candidates.models import Candidate, Stage
from members.models import EXIT_KINDS, MemberFlowFact
from organizations import rollup
from organizations.models import Organization
from organizations.selectors import recorder_role_label, with_recorder_role
from partydev.workdays import WorkCalendar, calendar_scope
from reports.analytics import admissions, quota_for, quotas_by_org
from reports.periods import Period, rate

from .models import Assignment, EvaluationRating, EvaluationThresholds, Level
from .selectors import month_statuses

WITHDRAWN = (Stage.DROPPED, Stage.STRUCK_OFF)


@dataclass
class EvaluationRow:
    org: Organization
    admitted: int = 0
    quota: int | None = None
    deadlines_met: int = 0
    deadlines_missed: int = 0
    decided: int = 0  # admission decisions in the period with a cultivation date
    days_to_decision: int = 0  # summed over them
    assigned: bool = False
    checks_expected: int = 0
    checks_done: int = 0
    exits: int = 0
    exits_probationary: int = 0
    proposed: str | None = None
    reasons: list = field(default_factory=list)
    rating: EvaluationRating | None = None
    # The rating form of the evaluation page, set by its view for the user who looks.
    may_rate: bool = False
    options: list[tuple[str, str, bool]] = field(default_factory=list)

    @property
    def rate(self) -> Decimal | None:
        return rate(self.admitted, self.quota)

    @property
    def checks_missing(self) -> int:
        return self.checks_expected - self.checks_done

    @property
    def checks_complete(self) -> bool:
        return self.assigned and self.checks_missing == 0

    @property
    def average_days(self) -> int | None:
        return round(self.days_to_decision / self.decided) if self.decided else None

    @property
    def proposed_label(self) -> str:
        return Level(self.proposed).label if self.proposed else "Chưa đủ căn cứ"

    @property
    def checks_text(self) -> str:
        if not self.assigned:
            return "Chưa phân công"
        return f"{self.checks_done}/{self.checks_expected}"


def propose_level(
    t: EvaluationThresholds, achievement: Decimal | None, missed: int, checks_complete: bool
) -> tuple[str | None, list[str]]:
    """The level the figures propose, and why. No quota, no proposal: the rating stays human."""
    if achievement is None:
        return None, ["Chưa có chỉ tiêu kết nạp để tính tỷ lệ."]
    reasons = []
    if achievement >= t.excellent_rate:
        blockers = []
        if missed > t.excellent_max_missed:
            blockers.append(f"{missed} hạn bị trễ (tối đa {t.excellent_max_missed} để hoàn thành xuất sắc)")
        if t.excellent_needs_all_checks and not checks_complete:
            blockers.append("chưa đủ kiểm tra hằng tháng")
        if not blockers:
            return Level.EXCELLENT, [f"Tỷ lệ đạt chỉ tiêu từ {_pct(t.excellent_rate)} trở lên."]
        reasons.append("Đạt ngưỡng xuất sắc nhưng " + "; ".join(blockers) + ".")
    if achievement >= t.good_rate:
        return Level.GOOD, reasons + [f"Tỷ lệ đạt chỉ tiêu từ {_pct(t.good_rate)} trở lên."]
    if achievement >= t.completed_rate:
        return Level.COMPLETED, [f"Tỷ lệ đạt chỉ tiêu từ {_pct(t.completed_rate)} đến dưới {_pct(t.good_rate)}."]
    return Level.NOT_COMPLETED, [f"Tỷ lệ đạt chỉ tiêu dưới {_pct(t.completed_rate)}."]


def _pct(value: Decimal | int | str) -> str:
    return f"{Decimal(value):.2f}".replace(".", ",").replace(",00", "") + "%"


def province_of(org: Organization) -> Organization:
    return org if org.depth == 1 else Organization.objects.get(path=org.path[: Organization.steplen])


def thresholds_of(province: Organization) -> EvaluationThresholds:
    return EvaluationThresholds.objects.filter(province=province).first() or EvaluationThresholds(province=province)


def pipeline_by_cell(
    root: Organization, period: Period, today: datetime.date, work_calendar: WorkCalendar | None = None
) -> dict[int, list[int]]:
    """Per cell id under ``root``: [deadlines met, deadlines missed, decisions, days to decision].

    Deadlines: every legal deadline of the pipeline that fell due in the period (and not after
    today). One is met when its step was done on or before it; missed when the step came later or
    is still not done; a withdrawn candidate's open deadlines no longer count. The deadlines
    themselves come from ``candidates.rules``. Days to decision: from the cultivation list to the
    admission decision, for the decisions of the period. One query."""
    last_due = min(period.date_to, today)
    earliest = datetime.date(period.date_from.year - 2, 1, 1)  # a probation runs 12 months plus the proposal
    window = (earliest, period.date_to)
    candidates = (
        Candidate.objects.filter(cell_id__in=_ids_under(root))
        .filter(
            Q(cell_vote_date__range=window)
            | Q(decision_date__range=window)
            | Q(ceremony_date__range=window)
            | Q(recognition_proposal_date__range=window)
        )
        .values_list(
            "cell_id",
            "stage",
            "cultivation_date",
            "cell_vote_date",
            "decision_extended",
            "decision_date",
            "decision_received_date",
            "ceremony_date",
            "recognition_proposal_date",
            "recognition_decision_date",
        )
    )
    result: defaultdict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    with calendar_scope(work_calendar):  # one read of the working-day calendar for every deadline below
        _count_pipeline(candidates, result, period, last_due, today)
    return dict(result)


def _count_pipeline(
    candidates: QuerySet[Candidate, tuple[Any, ...]],
    result: defaultdict[int, list[int]],
    period: Period,
    last_due: datetime.date,
    today: datetime.date,
) -> None:
    for (
        cell_id,
        stage,
        cultivation,
        vote,
        extended,
        decision,
        received,
        ceremony,
        proposal,
        recognition,
    ) in candidates.iterator():
        figures = result[cell_id]
        if decision and cultivation and period.date_from <= decision <= period.date_to:
            figures[2] += 1
            figures[3] += (decision - cultivation).days
        steps = []
        if vote:
            steps.append((candidate_rules.decision_due(vote, extended), decision))
        if decision:
            steps.append((candidate_rules.ceremony_due(received or decision), ceremony))
        if ceremony:
            steps.append((candidate_rules.proposal_due(ceremony), proposal))
        if proposal:
            steps.append((candidate_rules.recognition_due(proposal), recognition))
        for due, done in steps:
            if not (period.date_from <= due <= last_due) and not (done and period.date_from <= due <= period.date_to):
                continue
            if done and done <= due:
                figures[0] += 1
            elif done or (due < today and stage not in WITHDRAWN):
                figures[1] += 1


def _ids_under(org: Organization) -> QuerySet[Organization, dict[str, Any]]:
    # A sub-select of ids instead of a join on the path: much faster on SQLite.
    return Organization.objects.filter(path__startswith=org.path).values("id")


def exits_by_anchor(anchor_ids: list[int], period: Period) -> dict[int, dict[str, int]]:
    """Exits in the period under each anchor id: {"n": all, "p": probationary members among
    them}, from the member facts, each under the tree of its own date. One query."""
    source = MemberFlowFact.objects.filter(kind__in=EXIT_KINDS, day__range=(period.date_from, period.date_to)).values(
        "cell_id",
        "day",
        n=Value(1),
        p=Case(When(probationary=True, then=Value(1)), default=Value(0), output_field=IntegerField()),
    )
    return rollup.totals(source, anchors=anchor_ids, sums=["n", "p"], tree=rollup.THEN)


def evaluation_rows(
    org: Organization, period: Period, today: datetime.date
) -> tuple[list[EvaluationRow], EvaluationThresholds]:
    """One row per organisation directly under ``org`` (or ``org`` itself if it has none).

    Admissions and exits come from the member facts under the tree of their dates; the deadlines
    are worked out per cell and summed through the same ancestor table (``organizations.rollup``)."""
    nodes = list(Organization.objects.filter(path__startswith=org.path, depth=org.depth + 1).order_by("path")) or [org]
    anchors = [n.path for n in nodes]
    rows = {n.path: EvaluationRow(org=n) for n in nodes}
    by_id = {n.id: n.path for n in nodes}

    ids = [n.id for n in nodes]
    (admitted,) = admissions(ids, period)
    quotas = quotas_by_org(ids, period.years)
    for n in nodes:
        rows[n.path].admitted = admitted[n.id]
        rows[n.path].quota = quota_for(quotas, n.id, period.years)

    # Deadlines are worked out per cell in Python (candidates.rules), then summed up the tree.
    # They count working days: the calendar is read once, whatever the data (a constant query).
    pipeline = pipeline_by_cell(org, period, today, WorkCalendar.load())
    for anchor, sums in rollup.sum_per_cell(pipeline, ids, width=4).items():
        row = rows[by_id[anchor]]
        row.deadlines_met, row.deadlines_missed, row.decided, row.days_to_decision = sums

    for anchor, exits in exits_by_anchor(ids, period).items():
        rows[by_id[anchor]].exits, rows[by_id[anchor]].exits_probationary = exits["n"], exits["p"]

    assignments = Assignment.objects.filter(organization__in=[n.id for n in nodes]).overlapping(
        period.date_from, period.date_to
    )
    for status in month_statuses(assignments, today, date_from=period.date_from, date_to=period.date_to):
        row = rows[by_id[status.assignment.organization_id]]
        row.assigned = True
        row.checks_expected += len(status.expected) - (1 if status.due else 0)
        row.checks_done += len(status.done)

    if period.is_whole_years and len(period.years) == 1:
        for rating in with_recorder_role(
            EvaluationRating.objects.filter(
                organization__in=[n.id for n in nodes], year=period.date_from.year
            ).select_related("rated_by"),
            "rated_by",
        ).order_by("rated_at", "id"):
            rating.recorder_role = recorder_role_label(rating)
            rows[by_id[rating.organization_id]].rating = rating  # the latest wins

    thresholds = thresholds_of(province_of(org))
    result = [rows[p] for p in anchors]
    for row in result:
        row.proposed, row.reasons = propose_level(thresholds, row.rate, row.deadlines_missed, row.checks_complete)
    return result, thresholds


@dataclass
class Listed:
    row: EvaluationRow
    reasons: list


def commend_and_remind(
    rows: list[EvaluationRow], thresholds: EvaluationThresholds
) -> tuple[list[Listed], list[Listed]]:
    """The best units (to commend) and the lagging ones (to remind), each with its reasons."""
    commend, remind = [], []
    for row in rows:
        r = row.rate
        achieved = f"đạt {_pct(r)} chỉ tiêu ({row.admitted}/{row.quota})" if r is not None else ""
        if r is not None and r >= thresholds.excellent_rate and row.deadlines_missed <= thresholds.excellent_max_missed:
            reasons = [achieved.capitalize()]
            if row.deadlines_met:
                reasons.append(
                    f"{row.deadlines_met} hạn đúng hạn"
                    + (", không trễ hạn nào" if not row.deadlines_missed else f", {row.deadlines_missed} trễ")
                )
            if row.checks_complete:
                reasons.append(f"kiểm tra đủ {row.checks_done}/{row.checks_expected} tháng")
            commend.append(Listed(row, reasons))
            continue
        reasons = []
        if r is None:
            reasons.append("Chưa có chỉ tiêu kết nạp")
        elif r < thresholds.completed_rate:
            reasons.append(f"Chỉ {achieved}, dưới {_pct(thresholds.completed_rate)}")
        if row.admitted == 0:
            reasons.append("Không kết nạp được đảng viên nào")
        if row.deadlines_missed:
            reasons.append(f"{row.deadlines_missed} hạn bị trễ")
        if not row.assigned:
            reasons.append("Chưa có cấp ủy viên phụ trách")
        elif row.checks_missing:
            reasons.append(f"Thiếu {row.checks_missing} tháng kiểm tra")
        if reasons:
            remind.append(Listed(row, reasons))
    commend.sort(key=lambda item: (-(item.row.rate or 0), item.row.org.path))
    remind.sort(key=lambda item: (item.row.rate is None, item.row.rate or 0, item.row.org.path))
    return commend, remind
