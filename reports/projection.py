"""Projection of the year's admissions to 31/12, from the pipeline and its history.

For each stage before the admission decision the history gives two numbers:

- the *conversion* to the next stage: of the candidates who left the stage (went on, or were
  dropped from it) in the look-back window, the share who went on;
- the *typical time* in the stage: the median number of days between entering it and going on.

A candidate now in stage s is expected to be admitted with the product of the conversions from s
to the decision, and by the time: max(today, the day they entered s + the typical time of s) +
the typical times of the later stages. Those whose expected day falls after 31/12 add nothing
this year. Candidates who already have a decision this year (ceremony still to come) add one
each, as do the members already admitted this year.

    expected = admitted so far + decided, awaiting the ceremony + Σ candidates × conversion (if in time)

The figure is then held within what the history makes plausible: in each of the last
``LOOKBACK_YEARS`` years, how many were admitted after the same day of the year; the forecast
lies between the admissions so far plus the fewest of those and plus the most (25% margin), and
the page shows that range beside the figure. (A pipeline full of candidates who waited long at
"decided, awaiting the ceremony" would otherwise forecast several years' admissions at once.)
Counts are whole people.

Each organisation is then on track (expected ≥ quota), at risk (expected ≥ the minimum, or 80%
of the quota where no minimum is set) or off track.
"""

import datetime
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property

from django.db import connections
from django.db.models import BigIntegerField, Case, ExpressionWrapper, F, IntegerField, Q, Sum, Value, When

from candidates.facts import BEFORE_DECISION
from candidates.models import STAGE_LABELS, CandidateStageEndFact, CandidateStageFact, Stage, StageOutcome
from members.quotas.models import Quota
from organizations import rollup
from organizations.models import Organization, OrganizationAncestry

from . import analytics
from .periods import Period, rate

LOOKBACK_YEARS = 3
AT_RISK_SHARE = Decimal("0.8")
# How far above the most of the look-back years' remainders a forecast may go.
HISTORY_MARGIN = Decimal("1.25")


class Status:
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_QUOTA = "no_quota"

    LABELS = {
        ON_TRACK: "Đạt chỉ tiêu",
        AT_RISK: "Có nguy cơ không đạt",
        OFF_TRACK: "Không đạt",
        NO_QUOTA: "Chưa giao chỉ tiêu",
    }


@dataclass
class StageHistory:
    stage: str
    label: str
    went_on: int
    dropped: int
    typical_days: int
    remaining_days: int = 0  # typical days from entering the next stage to the decision

    @property
    def conversion(self) -> Decimal:
        resolved = self.went_on + self.dropped
        return Decimal(self.went_on) / resolved if resolved else Decimal(1)

    @property
    def conversion_percent(self) -> Decimal | None:
        return rate(self.went_on, self.went_on + self.dropped)


@dataclass
class ProjectionRow:
    org: Organization | analytics.OrgRow  # the page's organisation, or one of the rows listed under it
    admitted: int
    decided: int
    by_stage: dict[str, int]
    in_time: dict[str, int]
    expected_from_pipeline: Decimal
    quota: int | None
    minimum: int | None
    # Admissions after today's day and month in each of the look-back years (``history_bounds``).
    history_rest: list[int] = field(default_factory=list)

    # The figures below are read several times a row by the page and the export: each is
    # computed once (a row is not changed once made).

    @cached_property
    def model_expected(self) -> int:
        """What the pipeline model alone gives, in whole people."""
        return _whole(self.admitted + self.decided + self.expected_from_pipeline)

    @cached_property
    def bounds(self) -> tuple[int, int]:
        """The plausible range: what the admissions that followed the same day in the look-back
        years make of this year's so far (``history_bounds``); the model's figure when there is
        no such history."""
        return history_bounds(self.admitted, self.model_expected, self.history_rest)

    @cached_property
    def expected(self) -> int:
        """The model's figure held within the plausible range."""
        low, high = self.bounds
        return min(max(self.model_expected, low), high)

    @property
    def expected_low(self) -> int:
        return min(self.bounds[0], self.expected)

    @property
    def expected_high(self) -> int:
        return max(self.bounds[1], self.expected)

    @property
    def is_bounded(self) -> bool:
        """The model's figure lay outside what the history makes plausible."""
        return self.expected != self.model_expected

    @property
    def expected_rate(self) -> Decimal | None:
        return rate(self.expected, self.quota)

    @cached_property
    def status(self) -> str:
        if not self.quota:
            return Status.NO_QUOTA
        if self.expected >= self.quota:
            return Status.ON_TRACK
        floor = self.minimum if self.minimum is not None else self.quota * AT_RISK_SHARE
        return Status.AT_RISK if self.expected >= floor else Status.OFF_TRACK

    @property
    def status_label(self) -> str:
        return Status.LABELS[self.status]

    @property
    def pipeline_total(self) -> int:
        return sum(self.by_stage.values())


@dataclass
class Projection:
    org: Organization
    year: int
    today: datetime.date
    window: Period
    history: list[StageHistory]
    total: ProjectionRow
    rows: list[ProjectionRow] = field(default_factory=list)


def stage_history(root: Organization, window: Period) -> dict[str, StageHistory]:
    """Conversion and typical time of each stage before the decision, from the stage ends
    (``CandidateStageEndFact``) in ``root``'s subtree (the tree of today) within ``window``. One
    query."""
    ends = CandidateStageEndFact.objects.filter(day__range=(window.date_from, window.date_to))
    rows: Iterable[tuple[str, str, int, int]]
    if connections[ends.db].vendor == "sqlite":
        # The subtree's cells today as one list SQLite builds once, rather than each end's
        # ancestor looked up, and ``cell + 0`` (as ``rollup.roll_up`` does for many organisations)
        # to keep it on the index in the order of the sums (``stage_end_fact_history``: no sort,
        # nothing read from the table) rather than on the cell's: about half the time.
        cells = OrganizationAncestry.objects.filter(ancestor_id=root.id, valid_to__isnull=True).values("descendant_id")
        rows = (
            ends.alias(end_cell=ExpressionWrapper(F("cell_id") + 0, output_field=BigIntegerField()))
            .filter(end_cell__in=cells)
            .order_by()
            .values_list("stage", "outcome", "days")
            .annotate(total=Sum("n"))
        )
    else:
        # PostgreSQL hash-joins the ends to the subtree: the roll-up (the list costs it more).
        rolled = rollup.roll_up(
            ends.values("cell_id", "stage", "outcome", "days", "n"),
            anchors=[root.id],
            sums=["n"],
            group=["stage", "outcome", "days"],
        )
        rows = [(stage, outcome, days, sums["n"]) for (_root, stage, outcome, days), sums in rolled.items()]
    went_on: defaultdict[str, int] = defaultdict(int)
    dropped: defaultdict[str, int] = defaultdict(int)
    durations: defaultdict[str, Counter[int]] = defaultdict(Counter)
    for stage, outcome, days, n in rows:
        if outcome == StageOutcome.WENT_ON:
            went_on[stage] += n
            if days != CandidateStageEndFact.UNKNOWN_DAYS:
                durations[stage][days] += n
        else:
            dropped[stage] += n
    labels = STAGE_LABELS
    history = {s: StageHistory(s, labels[s], went_on[s], dropped[s], _median(durations[s])) for s in BEFORE_DECISION}
    for s in BEFORE_DECISION:
        history[s].remaining_days = _remaining(history, s)
    return history


def _median(counts: Counter[int]) -> int:
    """The median of the days counted in ``counts`` ({days: how many}), rounded down; 0 if none."""
    total = sum(counts.values())
    if not total:
        return 0
    low, high = (total - 1) // 2, total // 2  # the middle one or two, counting from 0
    seen = 0
    middle: list[int] = []
    for days in sorted(counts):
        seen += counts[days]
        while len(middle) < 2 and seen > (low, high)[len(middle)]:
            middle.append(days)
        if len(middle) == 2:
            break
    return (middle[0] + middle[1]) // 2


def _chance(history: dict[str, StageHistory], stage: str) -> Decimal:
    """The product of the conversions from ``stage`` to the decision (partial appraisal only
    for those in it: most cells have no partial committee)."""
    chance = Decimal(1)
    for s in BEFORE_DECISION[BEFORE_DECISION.index(stage) :]:
        if s == Stage.PARTIAL_APPRAISAL and stage != s:
            continue
        chance *= history[s].conversion
    return chance


def _remaining(history: dict[str, StageHistory], stage: str) -> int:
    later = BEFORE_DECISION[BEFORE_DECISION.index(stage) + 1 :]
    return sum(history[s].typical_days for s in later if s != Stage.PARTIAL_APPRAISAL or stage == s)


def projection(org: Organization, today: datetime.date | None = None, *, kinds: list[str] | None = None) -> Projection:
    """The expected admissions to 31/12 of ``today``'s year for ``org`` and its children."""
    today = today or datetime.date.today()
    year = today.year
    year_end = datetime.date(year, 12, 31)
    window = Period(datetime.date(year - LOOKBACK_YEARS, 1, 1), today)
    root = Organization.objects.get(path=org.path[: Organization.steplen]) if org.depth > 1 else org
    history = stage_history(root, window)

    # Candidates whose stage began on or before the cut-off are expected to be decided in time.
    cutoffs = {}
    for s in BEFORE_DECISION:
        slack = (year_end - today).days - _remaining(history, s)
        cutoffs[s] = (
            year_end - datetime.timedelta(days=_remaining(history, s) + history[s].typical_days) if slack >= 0 else None
        )
    in_time_q = Q(pk__in=[])
    for s, cutoff in cutoffs.items():
        if cutoff is not None:
            in_time_q |= Q(stage=s, day__lte=cutoff)
    children = analytics.rows_for(org, kinds)
    nodes = [org] + children
    anchors = [n.id for n in nodes]
    # The stage facts (candidates.facts), rolled up to the rows in one query. Every stage is
    # read (the stages after the decision are few and left out below): filtered by stage, SQLite
    # walked the stage index over every fact of the database and looked up each one's ancestors
    # even for a commune's page, instead of going down from the few organisations shown.
    source = CandidateStageFact.objects.values(
        "cell_id",
        "stage",
        "n",
        t=Case(When(in_time_q, then=F("n")), default=Value(0), output_field=IntegerField()),
        decided=Case(
            When(stage=Stage.DECISION, day__year=year, then=F("n")), default=Value(0), output_field=IntegerField()
        ),
    )
    rolled = rollup.roll_up(source, anchors=anchors, sums=["n", "t", "decided"], group=["stage"])
    stage_counts = {s: dict.fromkeys(anchors, 0) for s in BEFORE_DECISION}
    in_time = {s: dict.fromkeys(anchors, 0) for s in BEFORE_DECISION}
    decided = dict.fromkeys(anchors, 0)
    for (anchor, stage), sums in rolled.items():
        if stage in stage_counts:
            stage_counts[stage][anchor] += sums["n"]
            in_time[stage][anchor] += sums["t"]
        decided[anchor] += sums["decided"]
    # This year's admissions to today: the whole year's, off the yearly facts per organisation
    # (one lookup each), less those dated after today; those are counted by the same query as
    # the rest of the year after today's day and month in each look-back year (a few weeks of
    # cell facts each, rather than this year's to today). On 31/12 there is no rest: one query.
    after_today = _rest_of_year(today, year)
    rests = [_rest_of_year(today, y) for y in range(year - LOOKBACK_YEARS, year)]
    windows = [p for p in (after_today, *rests) if p is not None]
    (this_year,) = analytics.admissions(anchors, Period.year(year))
    rest_counts = analytics.admissions(anchors, *windows) if windows else []
    later = rest_counts.pop(0) if after_today is not None else {}
    admitted = {a: this_year.get(a, 0) - later.get(a, 0) for a in anchors}
    quotas = _quotas([n.id for n in nodes], year)
    chances = {s: _chance(history, s) for s in BEFORE_DECISION}

    def row(node: Organization | analytics.OrgRow) -> ProjectionRow:
        expected = sum((in_time[s][node.id] * chances[s] for s in BEFORE_DECISION), Decimal(0))
        target, minimum = quotas.get(node.id, (None, None))
        return ProjectionRow(
            org=node,
            admitted=admitted[node.id],
            decided=decided[node.id],
            by_stage={s: stage_counts[s][node.id] for s in BEFORE_DECISION},
            in_time={s: in_time[s][node.id] for s in BEFORE_DECISION},
            expected_from_pipeline=expected,
            quota=target,
            minimum=minimum,
            history_rest=[counts[node.id] for counts in rest_counts],
        )

    return Projection(
        org=org,
        year=year,
        today=today,
        window=window,
        history=[history[s] for s in BEFORE_DECISION],
        total=row(org),
        rows=[row(c) for c in children],
    )


def _rest_of_year(today: datetime.date, year: int) -> Period | None:
    """The days after ``today``'s day and month to 31/12, in ``year`` (None on 31/12)."""
    try:
        day = today.replace(year=year)
    except ValueError:  # 29 February
        day = datetime.date(year, 2, 28)
    if day >= datetime.date(year, 12, 31):
        return None
    return Period(day + datetime.timedelta(days=1), datetime.date(year, 12, 31))


def _whole(value: Decimal | int) -> int:
    return int(Decimal(value).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def history_bounds(admitted: int, model: int, rest: list[int]) -> tuple[int, int]:
    """(low, high): the admissions so far plus the fewest, and plus the most (with a margin of
    ``HISTORY_MARGIN``), of the admissions that followed the same day of the year in each of the
    look-back years. No admission in any of them: no history to go by, the model's figure."""
    if not rest or max(rest) == 0:
        return model, model
    low = admitted + min(rest)
    high = admitted + _whole(max(rest) * HISTORY_MARGIN)
    return low, high


def _quotas(org_ids: list[int], year: int) -> dict[int, tuple[int, int | None]]:
    return {
        q["organization_id"]: (q["target"], q["minimum"])
        for q in Quota.objects.filter(organization_id__in=org_ids, year=year).values(
            "organization_id", "target", "minimum"
        )
    }
