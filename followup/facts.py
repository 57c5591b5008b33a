"""The facts of one month for one organisation, that a monthly check opens with.

Every figure is computed from records: admission events, candidates' stage events, the
candidates' current deadlines, and the year's quota. A fixed number of queries whatever the size
of the subtree. Overdue items and certificates are read as the records stand now, against the
last day of the month (or today, for the current month).
"""

import datetime
import json
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Count

from candidates.models import ACTIVE_STAGES, STAGE_LABELS, Candidate, CandidateEvent, DueKind, Stage
from members.models import ADMISSION_KINDS, MembershipEvent
from members.quotas.selectors import quotas_of
from organizations.models import Organization
from reports.periods import rate

from .months import month_end

LIST_LIMIT = 30
CERTIFICATE_WARNING_DAYS = 90  # as the candidates' worklist warns


@dataclass
class MonthFacts:
    organization: str
    month: datetime.date
    as_of: datetime.date
    admissions: int = 0
    admission_list: list = field(default_factory=list)  # [{name, cell, date}]
    stage_changes: int = 0
    stage_counts: list = field(default_factory=list)  # [{stage, label, n}]
    stage_list: list = field(default_factory=list)  # [{name, cell, date, from, to}]
    overdue: int = 0
    overdue_list: list = field(default_factory=list)  # [{name, cell, due, kind, days}]
    expiring: int = 0
    expiring_list: list = field(default_factory=list)  # [{name, cell, due}]
    quota: int | None = None
    quota_minimum: int | None = None
    admitted_to_date: int = 0
    quota_rate: Decimal | None = None

    def as_json(self) -> dict:
        """A plain JSON copy, kept with the saved check as what was assessed."""
        return json.loads(json.dumps(asdict(self), cls=DjangoJSONEncoder))


def month_facts(org: Organization, month: datetime.date, today: datetime.date) -> MonthFacts:
    """What happened in ``org``'s subtree in ``month``, and where the year stands at its end."""
    first, last = month, month_end(month)
    as_of = min(last, today)
    facts = MonthFacts(organization=org.code, month=month, as_of=as_of)
    # A sub-select of the subtree's ids rather than a join on the path (faster on SQLite).
    under = {"cell_id__in": Organization.objects.filter(path__startswith=org.path).values("id")}
    labels = STAGE_LABELS

    admissions = list(
        MembershipEvent.objects.filter(kind__in=ADMISSION_KINDS, effective_date__range=(first, last), **under)
        .order_by("effective_date", "id")
        .values_list("membership__person__full_name", "cell__name", "effective_date")[: LIST_LIMIT + 1]
    )
    facts.admission_list = [{"name": n, "cell": c, "date": d} for n, c, d in admissions[:LIST_LIMIT]]
    facts.admissions = len(admissions)
    if len(admissions) > LIST_LIMIT:
        facts.admissions = MembershipEvent.objects.filter(
            kind__in=ADMISSION_KINDS, effective_date__range=(first, last), **under
        ).count()

    stage_events = CandidateEvent.objects.filter(effective_date__range=(first, last), **under)
    counts = list(stage_events.order_by().values("stage_to").annotate(n=Count("id")))
    facts.stage_counts = sorted(
        ({"stage": r["stage_to"], "label": labels.get(r["stage_to"], r["stage_to"]), "n": r["n"]} for r in counts),
        key=lambda r: _stage_order(r["stage"]),
    )
    facts.stage_changes = sum(r["n"] for r in counts)
    facts.stage_list = [
        {"name": n, "cell": c, "date": d, "from": labels.get(f, ""), "to": labels.get(t, t)}
        for n, c, d, f, t in stage_events.order_by("effective_date", "id").values_list(
            "candidate__person__full_name", "cell__name", "effective_date", "stage_from", "stage_to"
        )[:LIST_LIMIT]
    ]

    open_candidates = Candidate.objects.filter(stage__in=ACTIVE_STAGES, next_due__isnull=False, **under)
    overdue = open_candidates.filter(next_due__lt=as_of)
    facts.overdue = overdue.count()
    due_labels = dict(DueKind.choices)
    facts.overdue_list = [
        {"name": n, "cell": c, "due": d, "kind": due_labels.get(k, ""), "days": (as_of - d).days}
        for n, c, d, k in overdue.order_by("next_due", "id").values_list(
            "person__full_name", "cell__name", "next_due", "due_kind"
        )[:LIST_LIMIT]
    ]
    expiring = open_candidates.filter(
        due_kind=DueKind.CERTIFICATE_EXPIRY,
        next_due__gte=as_of,
        next_due__lte=as_of + datetime.timedelta(days=CERTIFICATE_WARNING_DAYS),
    )
    expiring_rows = list(
        expiring.order_by("next_due", "id").values_list("person__full_name", "cell__name", "next_due")[: LIST_LIMIT + 1]
    )
    facts.expiring_list = [{"name": n, "cell": c, "due": d} for n, c, d in expiring_rows[:LIST_LIMIT]]
    facts.expiring = len(expiring_rows) if len(expiring_rows) <= LIST_LIMIT else expiring.count()

    quota = quotas_of([org], month.year).get(org.pk)
    facts.quota = quota.target if quota else None
    facts.quota_minimum = quota.minimum if quota else None
    facts.admitted_to_date = MembershipEvent.objects.filter(
        kind__in=ADMISSION_KINDS, effective_date__range=(datetime.date(month.year, 1, 1), as_of), **under
    ).count()
    facts.quota_rate = rate(facts.admitted_to_date, facts.quota)
    return facts


def _stage_order(stage: str) -> int:
    order = [s.value for s in Stage]
    return order.index(stage) if stage in order else len(order)
