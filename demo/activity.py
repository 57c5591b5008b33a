"""Admissions, recognitions and exits from 01/07/2023 (where Hòa Bình's published register ends)
to today: in the three former provinces until 30/06/2025, then in the merged Phú Thọ.

Bulk and deterministic like ``demo.members``: admissions are new stories (``Generator.admit``,
recognised a year after the ceremony when that is past); exits (deaths, striking off, leaving,
expulsion) are appended to the histories of older official members, their periods recomputed by
``members.history.periods_from_events`` and their flow facts written; the cells' balances are
then counted again (``demo.provinces.rebalance``). 2025 comes out as published for the merged
province (``reform_2025``): 3,262 admitted (about 2,800 of them by 31/08) and 322 removed (struck
off, left, expelled; deaths apart), counting the three former provinces before 01/07/2025 and
Phú Thọ after it. What the pipeline demo admitted through the services is counted in.
"""

import datetime
import random

from django.db import transaction

from demo import members as members_demo
from demo.members import Generator, _day, _ensure_adult, _event, _insert, _spread
from members import facts as member_facts
from members.history import periods_from_events
from members.models import EventKind, MemberFlowFact, Membership, MembershipEvent, MembershipPeriod, Person, Status
from organizations.models import CELL_KINDS, Organization
from partydev.figures import PUBLISHED

D = datetime.date
REFORM = D(2025, 7, 1)
FIGURES = PUBLISHED["reform_2025"]["year_2025_province_wide"]
ADMITTED_2025, REMOVED_2025 = FIGURES["admitted"], FIGURES["removed_from_party"]
ADMITTED_BY_AUGUST_2025 = 2800  # "about 2,800 from 01/01 to 31/08/2025" (baophutho.vn, 26/09/2025)

# Before the reform, per former province: (start, end, admitted, deaths, removed)
BEFORE = {
    "HB": [
        (D(2023, 7, 1), D(2023, 12, 31), 1100, 210, 40),
        (D(2024, 1, 1), D(2024, 12, 31), 1450, 420, 80),
        (D(2025, 1, 1), D(2025, 6, 30), 820, 210, 45),
    ],
    "PTC": [
        (D(2023, 7, 1), D(2023, 12, 31), 900, 300, 55),
        (D(2024, 1, 1), D(2024, 12, 31), 1250, 600, 110),
        (D(2025, 1, 1), D(2025, 6, 30), 900, 300, 65),
    ],
    "VP": [
        (D(2023, 7, 1), D(2023, 12, 31), 750, 230, 45),
        (D(2024, 1, 1), D(2024, 12, 31), 1000, 460, 90),
        (D(2025, 1, 1), D(2025, 6, 30), 730, 230, 50),
    ],
}
ID_PREFIX = {"HB": "017", "PTC": "025", "VP": "026", "PT": "025"}
PLACE = {"HB": "tỉnh Hòa Bình", "PTC": "tỉnh Phú Thọ", "VP": "tỉnh Vĩnh Phúc", "PT": "tỉnh Phú Thọ"}
# The merged province from 2026: a year's admissions, deaths and removals.
AFTER_PER_YEAR = (3400, 1480, 300)
DEATHS_2025_H2 = 740
REMOVED_MIX = [
    (EventKind.STRUCK_OFF, 0.72, "Bỏ sinh hoạt đảng 3 tháng không có lý do chính đáng"),
    (EventKind.LEFT, 0.16, "Xin ra khỏi Đảng vì lý do cá nhân"),
    (EventKind.EXPELLED, 0.12, "Vi phạm nghiêm trọng Điều lệ Đảng"),
]
REMOVED_KINDS = [k for k, _, _ in REMOVED_MIX]


class Activity:
    def __init__(self, code: str, seed: int, today: datetime.date):
        self.root = Organization.objects.get(code=code)
        self.code = code
        self.today = today
        self.rng = random.Random(seed)
        committees = members_demo._committees(self.root, PLACE[code])
        self.gen = Generator(committees, seed=seed, id_prefix=ID_PREFIX[code])
        self.gen.ids = set(
            Person.objects.filter(national_id__startswith=ID_PREFIX[code]).values_list("national_id", flat=True)
        )
        self.gen.cards = Membership.objects.count() + 1_000_000
        self.committees = committees
        self.cells = [c for committee in committees for c in committee.cells]
        self.exits: list[tuple[str, datetime.date, str]] = []  # kind, day, reason

    def admit(self, start: datetime.date, end: datetime.date, n: int) -> None:
        """``n`` admissions decided between ``start`` and ``end`` (not later than 45 days before
        today: the ceremony has been held), recognised when their probation is over."""
        end = min(end, self.today - datetime.timedelta(days=45))
        if n <= 0 or end < start:
            return
        rng = self.rng
        for committee, k in zip(self.committees, _spread(n, [len(c.cells) for c in self.committees])):
            for _ in range(k):
                decided = _day(rng, start, end)
                ceremony = decided + datetime.timedelta(days=rng.randint(7, 40))
                story = self.gen.admit(committee, decided, ceremony, female_share=0.48)
                _ensure_adult(story)
                self.gen.recognise(story, latest=self.today)

    def plan_exits(self, start: datetime.date, end: datetime.date, deaths: int, removed: int) -> None:
        end = min(end, self.today)
        if end < start:
            return
        for _ in range(deaths):
            self.exits.append((EventKind.DIED, _day(self.rng, start, end), ""))
        for (kind, _share, reason), k in zip(REMOVED_MIX, _spread(removed, [s for _, s, _ in REMOVED_MIX])):
            for _ in range(k):
                self.exits.append((kind, _day(self.rng, start, end), reason))

    def write(self) -> tuple[int, int]:
        """Insert the new stories and append the exits. Returns (admitted, exits)."""
        stories = self.gen.stories
        members_demo.insert_stories(stories, balances=False)
        _append_exits(self.root, self.exits, self.rng)
        return len(stories), len(self.exits)


def _append_exits(root: Organization, exits: list, rng: random.Random) -> None:
    """Each exit to an official, older member of the province (admitted before 2012, not
    exempted), picked at random: its event, its periods again, its flow fact."""
    if not exits:
        return
    pool = list(
        Membership.objects.filter(
            cell__path__startswith=root.path,
            status=Status.OFFICIAL,
            exempted=False,
            admission_decision_date__lt=D(2012, 1, 1),
        )
        .order_by("id")
        .values_list("id", flat=True)
    )
    exits = exits[: len(pool)]  # (a tiny database: as many as it has members)
    chosen = rng.sample(pool, len(exits))
    if not chosen:
        return
    by_id = dict(zip(chosen, exits))
    events: dict[int, list] = {m: [] for m in chosen}
    for row in (
        MembershipEvent.objects.filter(membership_id__in=chosen)
        .order_by("membership_id", "id")
        .values("membership_id", "cell_id", "status_after", "effective_date", "status_from")
    ):
        events[row["membership_id"]].append(
            member_facts._EventRow(row["cell_id"], row["status_after"], row["effective_date"], row["status_from"])
        )
    people = {
        m: (person, born)
        for m, born, *person in Membership.objects.filter(pk__in=chosen).values_list(
            "id", "person__date_of_birth", *[f"person__{f}" for f in member_facts.PROFILE_FIELDS]
        )
    }
    status_after = {
        EventKind.STRUCK_OFF: Status.STRUCK_OFF,
        EventKind.LEFT: Status.LEFT,
        EventKind.EXPELLED: Status.EXPELLED,
        EventKind.DIED: Status.DIED,
    }
    new_events, periods, flows, statuses = [], [], [], {}
    from django.db import connection
    from django.utils import timezone

    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for m in chosen:
        kind, day, reason = by_id[m]
        history = events[m]
        day = max(day, history[-1].effective_date + datetime.timedelta(days=1))
        cell = history[-1].cell_id
        event = _event(
            membership_id=m,
            kind=kind,
            effective_date=day,
            cell_id=cell,
            status_after=status_after[kind],
            reason=reason,
            decision_number="" if kind == EventKind.DIED else f"{rng.randint(1, 500)}-QĐ/ĐU",
            recorded_at=now,
        )
        new_events.append(event)
        history.append(member_facts._EventRow(cell, status_after[kind], day, None))
        for p in periods_from_events(history):
            periods.append((m, p.cell_id, p.status, p.start, p.end))
        statuses.setdefault(status_after[kind], []).append(m)
    first = _insert(
        MembershipEvent,
        members_demo.EVENT_FIELDS,
        [tuple(getattr(e, n) for n in members_demo.EVENT_FIELDS) for e in new_events],
    )
    for i, e in enumerate(new_events):
        person, born = people[e.membership_id]
        values = member_facts.flow_values(e.kind, False, e.cell_id, None, e.effective_date, False, tuple(person), born)
        if values is not None:
            flows.append((first + i, e.membership_id, *values))
    MembershipPeriod.objects.filter(membership_id__in=chosen).delete()
    _insert(MembershipPeriod, members_demo.PERIOD_FIELDS, periods)
    _insert(MemberFlowFact, ["event_id", "membership_id", *member_facts.FLOW_FIELDS], flows)
    for status, ids in statuses.items():
        Membership.objects.filter(pk__in=ids).update(status=status)
    _reset_sequences()


def _reset_sequences():
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(
            no_style(), [Person, Membership, MembershipEvent, MembershipPeriod, MemberFlowFact]
        ):
            cursor.execute(sql)


def _done(root: Organization, after: datetime.date) -> bool:
    """Admissions after ``after`` already written (Hòa Bình's published register ends before)."""
    return MembershipEvent.objects.filter(
        cell__path__startswith=root.path, kind=EventKind.ADMITTED, effective_date__gte=after
    ).exists()


@transaction.atomic
def seed_before_reform(today: datetime.date, log=None) -> int:
    """01/07/2023 – 30/06/2025 in Hòa Bình, old Phú Thọ and Vĩnh Phúc. Idempotent."""
    from demo.provinces import rebalance

    log = log or (lambda text: None)
    written = 0
    for seed, (code, periods) in enumerate(BEFORE.items(), start=1):
        root = Organization.objects.filter(code=code).first()
        if root is None or root.valid_to is not None or _done(root, D(2023, 7, 1)):
            continue
        if not Membership.objects.filter(cell__path__startswith=root.path).exists():
            continue
        activity = Activity(code, 202500 + seed, today)
        for start, end, admitted, deaths, removed in periods:
            activity.admit(start, end, admitted)
            activity.plan_exits(start, end, deaths, removed)
        admitted, exits = activity.write()
        log(f"    {code}: {admitted} kết nạp, {exits} ra khỏi Đảng hoặc từ trần")
        rebalance(root, since_year=2024)
        written += admitted + exits
    return written


def _count(root: Organization, kinds, start: datetime.date, end: datetime.date) -> int:
    return MembershipEvent.objects.filter(
        cell__path__startswith=root.path, kind__in=kinds, effective_date__gte=start, effective_date__lte=end
    ).count()


@transaction.atomic
def seed_after_reform(today: datetime.date, log=None) -> int:
    """01/07/2025 – today in the merged province, 2025 topped up to the published year. Idempotent."""
    from demo.provinces import rebalance

    log = log or (lambda text: None)
    root = Organization.objects.filter(code="PT").first()
    if root is None or today < REFORM:
        return 0
    if MembershipEvent.objects.filter(
        cell__path__startswith=root.path,
        kind=EventKind.ADMITTED,
        effective_date__gte=REFORM,
        decision_number__endswith="/ĐU-PT",
    ).exists():
        return 0
    activity = Activity("PT", 20250701, today)
    for committee in activity.committees:
        committee.abbreviation = "ĐU-PT"
    year_end = D(2025, 12, 31)
    # 2025: what the year still needs, after the former provinces' half year and whatever the
    # pipeline demo admitted through the services.
    admitted = _count(root, [EventKind.ADMITTED], D(2025, 1, 1), year_end)
    removed = _count(root, REMOVED_KINDS, D(2025, 1, 1), year_end)
    by_august = _count(root, [EventKind.ADMITTED], D(2025, 1, 1), D(2025, 8, 31))
    left = ADMITTED_2025 - admitted
    summer = max(0, min(left, ADMITTED_BY_AUGUST_2025 - by_august))
    activity.admit(REFORM, D(2025, 8, 31), summer)
    activity.admit(D(2025, 9, 1), year_end, left - summer)
    activity.plan_exits(REFORM, year_end, DEATHS_2025_H2, REMOVED_2025 - removed)
    year = 2026
    while D(year, 1, 1) <= today:
        start, end = D(year, 1, 1), min(D(year, 12, 31), today)
        share = ((end - start).days + 1) / 365
        per_year_admitted, per_year_deaths, per_year_removed = AFTER_PER_YEAR
        activity.admit(start, end, round(per_year_admitted * share))
        activity.plan_exits(start, end, round(per_year_deaths * share), round(per_year_removed * share))
        year += 1
    n_admitted, n_exits = activity.write()
    log(f"    PT: {n_admitted} kết nạp, {n_exits} ra khỏi Đảng hoặc từ trần")
    rebalance(root, since_year=2026)
    return n_admitted + n_exits


def cells_of(root: Organization) -> list[int]:
    return list(
        Organization.objects.filter(path__startswith=root.path, kind__in=CELL_KINDS).values_list("id", flat=True)
    )
