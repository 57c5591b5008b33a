"""The demo register: Hòa Bình's party members as published for 31/12/2022, with their history
of admissions and exits since 2016.

Deterministic (a seeded random generator) and bulk-loaded. Every history is a list of events
built here and turned into periods by ``members.history.periods_from_events``, the same function
the services use, so the counts read back from the database are those computed here. The
figures it reproduces (``partydev/data/published-figures.json``):

- 69,190 members on 31/12/2022: 67,155 official and 2,035 probationary;
- admitted by the 10 district-level committees: 10,980 in 2016-2022, 1,394 in 2021, 1,457 in 2022;
- admitted province-wide: 1,636 in 2022 (with the published professional-qualification mix and
  over 90% upper secondary) and 787 from 01/01 to 30/06/2023.

Probationary members on 31/12/2022 are the 2022 admissions still members (1,636 less 4 exits)
and the 403 admitted late in 2021 whose ceremony fell in January-February 2022, so whose
12 months of probation had not ended.
"""

import datetime
import itertools
import random
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from members import facts as member_facts
from members.history import periods_from_events
from members.models import (
    PERSON_FIELDS,
    EventKind,
    MemberBalance,
    MemberFlowFact,
    Membership,
    MembershipEvent,
    MembershipPeriod,
    Person,
    Status,
)
from members.services import ADULT_AGE, add_months, age_on
from organizations.models import CELL_KINDS, DISTRICT_LEVEL_KINDS, Kind, Organization
from partydev.figures import PUBLISHED
from partydev.text import fold

D = datetime.date
AT = D(2022, 12, 31)
RECOGNITION_CUTOFF = D(2024, 12, 31)  # every probation that ended by then has been decided

# Admissions per year: the 10 district-level committees, then the 3 others (bloc, military, police).
DISTRICT_LEVEL_ADMISSIONS = {2016: 1702, 2017: 1671, 2018: 1630, 2019: 1598, 2020: 1528, 2021: 1394, 2022: 1457}
OTHER_ADMISSIONS = {2016: 182, 2017: 176, 2018: 171, 2019: 168, 2020: 160, 2021: 158, 2022: 179}
FIRST_HALF_2023 = (702, 85)  # district-level, others: 787 in all
LATE_2021 = 403  # admitted in 2021, ceremony in 2022: still probationary on 31/12/2022
EXITS_2022_COHORT_BEFORE_AT = 4  # 3 struck off, 1 died
QUALIFICATIONS_2022 = {"technical_worker": 9, "intermediate": 136, "college": 173, "university": 772, "master": 36}
NOT_UPPER_SECONDARY_2022 = 91  # 1,545 of 1,636 (94.4%) finished upper secondary

# Exits and moves per whole year (2023: half of it).
DEATHS, STRUCK_OFF, STRUCK_OFF_PROBATIONARY, LEFT, EXPELLED = 420, 55, 12, 9, 5
TRANSFERS_OUT, TRANSFERS_IN, MOVES_INSIDE = 110, 95, 250
REPRIMANDS, WARNINGS, REMOVALS, EXEMPTIONS = 25, 12, 3, 40

OUTSIDE = [
    "Đảng bộ tỉnh Phú Thọ",
    "Đảng bộ thành phố Hà Nội",
    "Đảng bộ tỉnh Sơn La",
    "Đảng bộ tỉnh Thanh Hóa",
    "Đảng bộ tỉnh Ninh Bình",
    "Đảng bộ Khối các cơ quan Trung ương",
    "Đảng bộ tỉnh Hà Nam",
    "Đảng bộ tỉnh Bắc Ninh",
]
FAMILY = {
    "muong": ["Bùi", "Đinh", "Quách", "Hà", "Xa", "Bạch", "Cao", "Nguyễn"],
    "kinh": ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đỗ", "Ngô", "Đặng", "Bùi"],
    "thai": ["Lò", "Hà", "Vi", "Lường", "Sa", "Mai", "Cầm"],
    "tay": ["Hoàng", "Nông", "Ma", "Hà", "Lục", "Nguyễn"],
    "dao": ["Triệu", "Bàn", "Lý", "Đặng"],
    "hmong": ["Giàng", "Thào", "Sùng", "Vàng", "Lầu"],
}
MIDDLE = {
    "male": ["Văn", "Đức", "Minh", "Quang", "Hữu", "Công", "Xuân"],
    "female": ["Thị", "Thị", "Thu", "Ngọc", "Thanh", "Minh"],
}
GIVEN = {
    "male": [
        "Hùng",
        "Dũng",
        "Tuấn",
        "Hải",
        "Nam",
        "Sơn",
        "Long",
        "Thắng",
        "Cường",
        "Tùng",
        "Quân",
        "Phong",
        "Hiếu",
        "Trung",
        "Kiên",
        "Thành",
        "Khánh",
        "Đạt",
        "Huy",
        "Mạnh",
        "Bình",
        "Chiến",
        "Lâm",
        "Việt",
    ],
    "female": [
        "Hằng",
        "Lan",
        "Hương",
        "Mai",
        "Hoa",
        "Thủy",
        "Nga",
        "Linh",
        "Trang",
        "Huyền",
        "Thảo",
        "Ngọc",
        "Yến",
        "Hạnh",
        "Dung",
        "Phương",
        "Vân",
        "Liên",
        "Oanh",
        "Nhung",
        "Duyên",
        "Loan",
    ],
}
# Ethnic mix by committee: Mường are the majority of Hòa Bình; Thái in Mai Châu, Tày and Dao in Đà Bắc.
MIX_RURAL = [
    ("muong", 60),
    ("kinh", 25),
    ("thai", 6),
    ("dao", 3),
    ("tay", 3),
    ("hmong", 1),
    ("nung", 1),
    ("kho_mu", 0.5),
    ("san_chay", 0.5),
]
MIX_URBAN = [("kinh", 55), ("muong", 38), ("thai", 3), ("tay", 2), ("dao", 1), ("nung", 0.5), ("hoa", 0.5)]
MIX_BY_COMMITTEE = {
    "MC": [("thai", 55), ("muong", 20), ("kinh", 15), ("hmong", 5), ("dao", 4), ("kho_mu", 1)],
    "DB": [("tay", 35), ("muong", 30), ("dao", 15), ("kinh", 12), ("thai", 7), ("hmong", 1)],
}
SECTORS_RURAL = [
    ("farmer", 42),
    ("public_employee", 15),
    ("civil_servant", 12),
    ("worker", 8),
    ("private_enterprise", 7),
    ("enterprise_employee", 3),
    ("student", 2),
    ("other", 11),
]
SECTORS_CITY = [
    ("civil_servant", 20),
    ("public_employee", 22),
    ("worker", 14),
    ("private_enterprise", 14),
    ("enterprise_employee", 8),
    ("farmer", 6),
    ("student", 3),
    ("other", 13),
]
SECTORS_BLOC = [("civil_servant", 40), ("public_employee", 35), ("enterprise_employee", 20), ("other", 5)]
RELIGIONS = [("none", 95), ("catholicism", 3), ("buddhism", 1.6), ("protestantism", 0.4)]
THEORY_OLD = [("elementary", 60), ("intermediate", 25), ("advanced", 5), ("none", 10)]
THEORY_NEW = [("elementary", 85), ("none", 12), ("intermediate", 3)]
QUALIFICATION_MIX = [
    ("none", 31),
    ("technical_worker", 1),
    ("intermediate", 9),
    ("college", 11),
    ("university", 46),
    ("master", 2),
]
QUALIFICATION_MIX_OLD = [
    ("none", 45),
    ("technical_worker", 3),
    ("intermediate", 18),
    ("college", 8),
    ("university", 24),
    ("master", 1.7),
    ("doctor", 0.3),
]


_CUMULATIVE: dict[int, tuple[list, list]] = {}


def _pick(rng, pairs):
    if id(pairs) not in _CUMULATIVE:
        _CUMULATIVE[id(pairs)] = ([k for k, _ in pairs], list(itertools.accumulate(w for _, w in pairs)))
    keys, cumulative = _CUMULATIVE[id(pairs)]
    return rng.choices(keys, cum_weights=cumulative)[0]


def _spread(total: int, weights: list[float]) -> list[int]:
    """Split ``total`` in proportion to ``weights``, exactly (largest remainder)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(r) for r in raw]
    for i in sorted(range(len(raw)), key=lambda i: raw[i] - out[i], reverse=True)[: total - sum(out)]:
        out[i] += 1
    return out


def _day(rng, start: datetime.date, end: datetime.date) -> datetime.date:
    return start + datetime.timedelta(days=rng.randint(0, (end - start).days))


@dataclass
class Committee:
    org: Organization
    suffix: str
    cells: list[int]
    weights: list[float]
    abbreviation: str
    place: str
    decisions: int = 0
    cumulative: list | None = None

    @property
    def district_level(self):
        return self.org.kind in DISTRICT_LEVEL_KINDS


@dataclass
class Story:
    """One member's person fields, membership fields and events, in decision order."""

    person: Person
    membership: Membership
    events: list = field(default_factory=list)


class Generator:
    def __init__(self, committees: list[Committee], seed: int = 20221231, id_prefix: str = "017"):
        self.rng = random.Random(seed)
        self.id_prefix = id_prefix
        self.committees = committees
        self.by_suffix = {c.suffix: c for c in committees}
        self.all_cells = [cell for c in committees for cell in c.cells]
        self.ids: set[str] = set()
        self.cards = 0
        self.stories: list[Story] = []

    # -- people ----------------------------------------------------------------------------

    def person(
        self,
        committee: Committee,
        admitted: datetime.date,
        *,
        old: bool = False,
        qualification=None,
        upper_secondary=None,
        female_share=0.42,
    ) -> Person:
        rng = self.rng
        sex = "female" if rng.random() < female_share else "male"
        mix = MIX_BY_COMMITTEE.get(committee.suffix) or (
            MIX_URBAN if committee.org.kind in (Kind.CITY, Kind.BLOC, Kind.POLICE, Kind.MILITARY) else MIX_RURAL
        )
        ethnicity = _pick(rng, mix)
        family = rng.choice(FAMILY.get(ethnicity, FAMILY["kinh"]))
        name = f"{family} {rng.choice(MIDDLE[sex])} {rng.choice(GIVEN[sex])}"
        age_at_admission = int(rng.triangular(18, 45, 24))
        born = admitted - datetime.timedelta(
            days=age_at_admission * 365 + rng.randint(1, 360) + age_at_admission // 4 + 1
        )
        if committee.org.kind in (Kind.MILITARY, Kind.POLICE):
            sector = "armed_forces"
        elif committee.org.kind == Kind.BLOC:
            sector = _pick(rng, SECTORS_BLOC)
        else:
            sector = _pick(rng, SECTORS_CITY if committee.org.kind == Kind.CITY else SECTORS_RURAL)
        if qualification is None:
            qualification = _pick(rng, QUALIFICATION_MIX_OLD if old else QUALIFICATION_MIX)
        if upper_secondary is None:
            upper_secondary = qualification not in ("none", "technical_worker") or rng.random() < (0.45 if old else 0.9)
        education = "upper_secondary" if upper_secondary else ("lower_secondary" if rng.random() < 0.85 else "primary")
        age_at = (AT - born).days // 365
        century = 0 if born.year < 2000 else 2
        prefix = f"{self.id_prefix}{century + (1 if sex == 'female' else 0)}{born.year % 100:02d}"
        while True:
            national_id = f"{prefix}{rng.randrange(10**6):06d}"
            if national_id not in self.ids:
                self.ids.add(national_id)
                break
        return _person(
            full_name=name,
            name_search=fold(name),
            sex=sex,
            date_of_birth=born,
            ethnicity=ethnicity,
            religion=_pick(rng, RELIGIONS),
            national_id=national_id,
            place_of_origin=committee.place,
            general_education=education,
            professional_qualification=qualification,
            political_theory=_pick(rng, THEORY_OLD if old else THEORY_NEW),
            sector=sector,
            youth_union=age_at <= 30 and rng.random() < 0.8,
        )

    def cell(self, committee: Committee) -> int:
        if committee.cumulative is None:
            committee.cumulative = list(itertools.accumulate(committee.weights))
        return self.rng.choices(committee.cells, cum_weights=committee.cumulative)[0]

    def card(self) -> str:
        self.cards += 1
        return f"{17_000_000 + self.cards:08d}"

    # -- histories -------------------------------------------------------------------------

    def admit(
        self, committee: Committee, decided: datetime.date, ceremony: datetime.date, *, old=False, **person_kw
    ) -> Story:
        cell = self.cell(committee)
        committee.decisions += 1
        number = f"{committee.decisions}-QĐ/{committee.abbreviation}"
        person = self.person(committee, decided, old=old, **person_kw)
        membership = _membership(
            cell_id=cell,
            status=Status.PROBATIONARY,
            admission_decision_number=number,
            admission_decision_date=decided,
            admission_decided_by_id=committee.org.pk,
            ceremony_date=ceremony,
        )
        story = Story(person, membership)
        story.events.append(
            _event(
                kind=EventKind.ADMITTED,
                effective_date=decided,
                decision_number=number,
                cell_id=cell,
                status_after=Status.PROBATIONARY,
                other_organization_id=committee.org.pk,
            )
        )
        self.stories.append(story)
        return story

    def recognise(self, story: Story, *, latest: datetime.date = RECOGNITION_CUTOFF) -> bool:
        m = story.membership
        official_from = add_months(m.ceremony_date, 12)
        decided = official_from + datetime.timedelta(days=self.rng.randint(5, 45))
        if decided > latest:
            return False
        story.events.append(
            _event(
                kind=EventKind.RECOGNISED,
                effective_date=decided,
                decision_number=f"{self.rng.randint(1, 900)}-QĐ/CN",
                cell_id=self.current_cell(story),
                status_after=Status.OFFICIAL,
                status_from=official_from,
                was_probationary=True,
            )
        )
        m.status, m.official_from, m.recognition_decision_date, m.card_number = (
            Status.OFFICIAL,
            official_from,
            decided,
            self.card(),
        )
        return True

    def current_cell(self, story: Story) -> int:
        return story.events[-1].cell_id

    def exit(self, story: Story, kind: str, day: datetime.date, reason: str = ""):
        status_after = {
            EventKind.STRUCK_OFF: Status.STRUCK_OFF,
            EventKind.LEFT: Status.LEFT,
            EventKind.EXPELLED: Status.EXPELLED,
            EventKind.DIED: Status.DIED,
        }[kind]
        story.events.append(
            _event(
                kind=kind,
                effective_date=day,
                cell_id=self.current_cell(story),
                status_after=status_after,
                was_probationary=story.membership.status == Status.PROBATIONARY,
                reason=reason,
                decision_number="" if kind == EventKind.DIED else f"{self.rng.randint(1, 500)}-QĐ/HU",
            )
        )
        story.membership.status = status_after

    def simple_event(self, story: Story, kind: str, day: datetime.date, reason: str = ""):
        story.events.append(
            _event(
                kind=kind,
                effective_date=day,
                cell_id=self.current_cell(story),
                status_after=story.membership.status,
                was_probationary=story.membership.status == Status.PROBATIONARY,
                reason=reason,
                decision_number=f"{self.rng.randint(1, 500)}-QĐ/UBKT",
            )
        )

    def old_member(self, committee: Committee, *, since=D(1965, 1, 1), until=D(2014, 6, 30)) -> Story:
        """Admitted before 2016 and recognised before 2016: an official member by then."""
        decided = _day(self.rng, since, until)
        ceremony = decided + datetime.timedelta(days=self.rng.randint(7, 40))
        story = self.admit(committee, decided, ceremony, old=True, female_share=0.32)
        self.recognise(story)
        return story

    # -- the plan --------------------------------------------------------------------------

    def cohorts(self):
        """Admissions 2016 to mid-2023, exactly as published, with their recognitions and the
        probationary members struck off."""
        rng = self.rng
        district_level = [c for c in self.committees if c.district_level]
        others = [c for c in self.committees if not c.district_level]
        by_year: dict[int, list[Story]] = {}
        for year in range(2016, 2023):
            stories = []
            for group, total in ((district_level, DISTRICT_LEVEL_ADMISSIONS[year]), (others, OTHER_ADMISSIONS[year])):
                for committee, n in zip(
                    group, _spread(total, [len(c.cells) * (1 + 0.1 * (i % 3)) for i, c in enumerate(group)])
                ):
                    stories.extend(self._admit_year(committee, year, n))
            by_year[year] = stories
        # 2021: the last LATE_2021 admissions (by decision date) hold their ceremony in 2022.
        cohort = sorted(by_year[2021], key=lambda s: s.membership.admission_decision_date)
        late, early = cohort[-LATE_2021:], cohort[:-LATE_2021]
        for s in late:
            decided = _day(rng, D(2021, 11, 22), D(2021, 12, 31))
            s.membership.admission_decision_date = s.events[0].effective_date = decided
            s.membership.ceremony_date = max(
                decided + datetime.timedelta(days=rng.randint(7, 40)),
                D(2022, 1, 3) + datetime.timedelta(days=rng.randint(0, 20)),
            )
        for s in early:
            decided = _day(rng, D(2021, 1, 4), D(2021, 11, 21))
            s.membership.admission_decision_date = s.events[0].effective_date = decided
            s.membership.ceremony_date = min(decided + datetime.timedelta(days=rng.randint(7, 40)), D(2021, 12, 31))
        # 2022: the published professional-qualification mix, over 90% upper secondary.
        qualifications = [q for q, n in QUALIFICATIONS_2022.items() for _ in range(n)]
        qualifications += ["none"] * (len(by_year[2022]) - len(qualifications))
        rng.shuffle(qualifications)
        not_upper = NOT_UPPER_SECONDARY_2022
        for s, q in zip(by_year[2022], qualifications):
            s.person.professional_qualification = q
            if q == "none" and not_upper:
                s.person.general_education = "lower_secondary" if not_upper % 7 else "primary"
                not_upper -= 1
            else:
                s.person.general_education = "upper_secondary"
        # 2023 first half.
        h1 = []
        for group, total in ((district_level, FIRST_HALF_2023[0]), (others, FIRST_HALF_2023[1])):
            for committee, n in zip(group, _spread(total, [len(c.cells) for c in group])):
                h1.extend(self._admit_year(committee, 2023, n, end=D(2023, 6, 30)))
        by_year[2023] = h1

        # Probationary members struck off (not recognised, or for a violation), then recognition.
        self._adjust_2022(by_year[2022])
        for stories in by_year.values():
            for s in stories:
                _ensure_adult(s)
        for year, stories in by_year.items():
            pool = early if year == 2021 else stories
            if year == 2022:
                struck = stories[EXITS_2022_COHORT_BEFORE_AT : EXITS_2022_COHORT_BEFORE_AT + 8]
            else:
                struck = rng.sample(pool, STRUCK_OFF_PROBATIONARY // (2 if year == 2023 else 1))
            for s in struck:
                if s.membership.status != Status.PROBATIONARY:
                    continue
                end = add_months(s.membership.ceremony_date, 12) - datetime.timedelta(days=1)
                start = s.membership.ceremony_date + datetime.timedelta(days=60)
                self.exit(
                    s, EventKind.STRUCK_OFF, _day(rng, start, end), "Không đủ điều kiện công nhận đảng viên chính thức"
                )
            for s in stories:
                if s.membership.status == Status.PROBATIONARY:
                    self.recognise(s)
        return by_year

    def _adjust_2022(self, stories):
        """Four 2022 admissions leave before 31/12/2022: three struck off, one died."""
        rng = self.rng
        before = stories[:EXITS_2022_COHORT_BEFORE_AT]
        for s in before[:-1]:
            s.membership.admission_decision_date = s.events[0].effective_date = _day(
                rng, D(2022, 1, 10), D(2022, 6, 30)
            )
            s.membership.ceremony_date = s.events[0].effective_date + datetime.timedelta(days=20)
            self.exit(
                s, EventKind.STRUCK_OFF, _day(rng, D(2022, 9, 1), D(2022, 12, 20)), "Vi phạm tư cách đảng viên dự bị"
            )
        s = before[-1]
        s.membership.admission_decision_date = s.events[0].effective_date = D(2022, 3, 15)
        s.membership.ceremony_date = D(2022, 4, 2)
        self.exit(s, EventKind.DIED, D(2022, 11, 8))

    def _admit_year(self, committee: Committee, year: int, n: int, end=None) -> list[Story]:
        rng = self.rng
        end = end or D(year, 12, 31)
        out = []
        for _ in range(n):
            decided = _day(rng, D(year, 1, 3), end)
            ceremony = decided + datetime.timedelta(days=rng.randint(7, 40))
            out.append(self.admit(committee, decided, ceremony, female_share=0.47))
        return out

    def exits_and_moves(self):
        """Deaths, striking off, leaving, expulsion and transfers of older members, 2016 to mid-2023."""
        rng = self.rng
        weights = [len(c.cells) for c in self.committees]
        for year in range(2016, 2024):
            factor = 0.5 if year == 2023 else 1
            end = D(2023, 6, 30) if year == 2023 else D(year, 12, 31)
            start = D(year, 1, 1)
            for kind, n, since, until, reason in (
                (EventKind.DIED, DEATHS, D(1960, 1, 1), D(1995, 12, 31), ""),
                (
                    EventKind.STRUCK_OFF,
                    STRUCK_OFF,
                    D(1995, 1, 1),
                    D(2014, 6, 30),
                    "Bỏ sinh hoạt đảng 3 tháng không có lý do chính đáng",
                ),
                (EventKind.LEFT, LEFT, D(1995, 1, 1), D(2014, 6, 30), "Xin ra khỏi Đảng vì lý do cá nhân"),
                (EventKind.EXPELLED, EXPELLED, D(1995, 1, 1), D(2014, 6, 30), "Vi phạm nghiêm trọng Điều lệ Đảng"),
            ):
                for _ in range(int(n * factor)):
                    committee = rng.choices(self.committees, weights=weights)[0]
                    story = self.old_member(committee, since=since, until=until)
                    self.exit(story, kind, _day(rng, start, end), reason)
            for _ in range(int(TRANSFERS_OUT * factor)):
                story = self.old_member(rng.choices(self.committees, weights=weights)[0], since=D(1995, 1, 1))
                story.events.append(
                    _event(
                        kind=EventKind.TRANSFERRED_OUT,
                        effective_date=_day(rng, start, end),
                        cell_id=self.current_cell(story),
                        status_after=Status.TRANSFERRED_OUT,
                        other_organization_name=rng.choice(OUTSIDE),
                        decision_number=f"{rng.randint(1, 900)}-QĐ/HU",
                    )
                )
                story.membership.status = Status.TRANSFERRED_OUT
            for _ in range(int(TRANSFERS_IN * factor)):
                committee = rng.choices(self.committees, weights=weights)[0]
                arrived = _day(rng, start, end)
                decided = _day(rng, D(1995, 1, 1), D(2014, 12, 31))
                cell = self.cell(committee)
                person = self.person(committee, decided, old=True)
                official_from = add_months(decided, 13)
                membership = _membership(
                    cell_id=cell,
                    status=Status.OFFICIAL,
                    admission_decision_date=decided,
                    official_from=official_from,
                    card_number=self.card(),
                )
                story = Story(
                    person,
                    membership,
                    [
                        _event(
                            kind=EventKind.TRANSFERRED_IN,
                            effective_date=arrived,
                            cell_id=cell,
                            status_after=Status.OFFICIAL,
                            other_organization_name=rng.choice(OUTSIDE),
                            decision_number=f"{rng.randint(1, 900)}-QĐ/BTC",
                        )
                    ],
                )
                self.stories.append(story)

    def old_members(self, n: int):
        """Members admitted before 2016 who are members still, some moved, exempted or disciplined."""
        rng = self.rng
        committees = self.committees
        weights = [len(c.cells) for c in committees]
        quotas = _spread(n, weights)
        olds = []
        for committee, k in zip(committees, quotas):
            for _ in range(k):
                olds.append(self.old_member(committee))
        rng.shuffle(olds)
        it = iter(olds)
        for year in range(2016, 2024):
            end = D(2023, 6, 30) if year == 2023 else D(year, 12, 31)
            start = D(year, 1, 1)
            factor = 0.5 if year == 2023 else 1
            for _ in range(int(MOVES_INSIDE * factor)):
                s = next(it)
                committee = rng.choice(committees) if rng.random() < 0.3 else None
                dest = self.cell(committee) if committee else rng.choice(self.all_cells)
                here = self.current_cell(s)
                if dest == here:
                    continue
                day = _day(rng, start, end)
                number = f"{rng.randint(1, 900)}-QĐ/HU"
                # One decision, two rows: out of this cell, into the other, the same day.
                for kind, cell, other in (
                    (EventKind.TRANSFERRED_OUT, here, dest),
                    (EventKind.TRANSFERRED_IN, dest, here),
                ):
                    s.events.append(
                        _event(
                            kind=kind,
                            effective_date=day,
                            decision_number=number,
                            cell_id=cell,
                            status_after=Status.OFFICIAL,
                            other_organization_id=other,
                        )
                    )
                s.membership.cell_id = dest
            for kind, k, reason in (
                (EventKind.REPRIMANDED, REPRIMANDS, "Vi phạm quy chế làm việc"),
                (EventKind.WARNED, WARNINGS, "Vi phạm quy định về những điều đảng viên không được làm"),
                (EventKind.REMOVED_FROM_POST, REMOVALS, "Thiếu trách nhiệm trong công tác"),
            ):
                for _ in range(int(k * factor)):
                    self.simple_event(next(it), kind, _day(rng, start, end), reason)
            for _ in range(int(EXEMPTIONS * factor)):
                s = next(it)
                self.simple_event(s, EventKind.EXEMPTED, _day(rng, start, end), "Tuổi cao, sức khỏe yếu")
                s.membership.exempted = True
                if rng.random() < 0.15:
                    self.simple_event(
                        s,
                        EventKind.EXEMPTION_ENDED,
                        min(
                            s.events[-1].effective_date + datetime.timedelta(days=rng.randint(90, 700)), D(2023, 6, 30)
                        ),
                    )
                    s.membership.exempted = False
        return olds


def _ensure_adult(story: Story) -> None:
    person, decided = story.person, story.membership.admission_decision_date
    while age_on(person.date_of_birth, decided) < ADULT_AGE:
        born = person.date_of_birth
        person.date_of_birth = born.replace(year=born.year - 1, day=min(born.day, 28))


def _committees(province: Organization, place: str = "tỉnh Hòa Bình") -> list[Committee]:
    rng = random.Random(7)
    committees = []
    cells_by_committee: dict[str, list[int]] = {}
    top = {o.path: o for o in Organization.objects.get_children(province)}
    for pk, path in (
        Organization.objects.filter(path__startswith=province.path, kind__in=CELL_KINDS)
        .values_list("pk", "path")
        .order_by("path")
    ):
        cells_by_committee.setdefault(path[: 2 * Organization.steplen], []).append(pk)
    for path, org in top.items():
        suffix = org.code.rsplit(".", 1)[-1]
        cells = cells_by_committee.get(path, [])
        abbreviation = {Kind.CITY: "TU", Kind.DISTRICT: "HU"}.get(org.kind, "ĐU")
        if not cells:
            continue
        where = (
            org.name.replace("Đảng bộ ", "") + ", " + place
            if org.kind in DISTRICT_LEVEL_KINDS or org.kind == Kind.COMMUNE
            else place
        )
        committees.append(Committee(org, suffix, cells, [rng.uniform(0.6, 1.6) for _ in cells], abbreviation, where))
    return committees


def build(province: Organization) -> list[Story]:
    """Every story, with the older members sized so that 31/12/2022 comes out as published."""
    published = PUBLISHED["members_at_2022-12-31"]
    gen = Generator(_committees(province))
    gen.cohorts()
    gen.exits_and_moves()
    active, probationary = _count_at(gen.stories, AT)
    gen.old_members(published["total"] - active)
    active, probationary = _count_at(gen.stories, AT)
    assert (active, probationary) == (published["total"], published["probationary"]), (active, probationary)
    return gen.stories


def _count_at(stories, day) -> tuple[int, int]:
    active = probationary = 0
    for s in stories:
        for p in periods_from_events(s.events):
            if p.start <= day and (p.end is None or p.end > day):
                active += 1
                probationary += p.status == Status.PROBATIONARY
    return active, probationary


PERSON_COLUMNS = [*PERSON_FIELDS, "name_search"]  # the search column too: the bulk insert skips save()
MEMBERSHIP_FIELDS = [
    "person_id",
    "cell_id",
    "status",
    "exempted",
    "admission_decision_number",
    "admission_decision_date",
    "admission_decided_by_id",
    "ceremony_date",
    "official_from",
    "recognition_decision_date",
    "card_number",
    "version",
    "sort_name",
]
EVENT_FIELDS = [
    "membership_id",
    "kind",
    "effective_date",
    "decision_number",
    "cell_id",
    "status_after",
    "was_probationary",
    "other_organization_id",
    "other_organization_name",
    "status_from",
    "temporary",
    "reason",
    "recorded_by_id",
    "recorded_at",
]
PERIOD_FIELDS = ["membership_id", "cell_id", "status", "start", "end"]


def _person(**fields):
    return SimpleNamespace(**fields)


def _membership(**fields):
    defaults = dict(
        status=Status.PROBATIONARY,
        exempted=False,
        admission_decision_number="",
        admission_decided_by_id=None,
        ceremony_date=None,
        official_from=None,
        recognition_decision_date=None,
        card_number="",
        version=1,
    )
    return SimpleNamespace(**{**defaults, **fields})


def _event(**fields):
    defaults = dict(
        decision_number="",
        was_probationary=False,
        other_organization_id=None,
        other_organization_name="",
        status_from=None,
        temporary=False,
        reason="",
        recorded_by_id=None,
    )
    return SimpleNamespace(**{**defaults, **fields})


def _insert(model, names: list[str], rows: list[tuple]) -> int:
    """Insert rows with explicit ids, in large batches: the model layer costs more than the
    database for hundreds of thousands of rows. Returns the first id used."""
    first = (model.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(n).column) for n in ["id", *names])
    marks = "(" + ", ".join(["%s"] * (len(names) + 1)) + ")"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":  # executemany is a loop in C there
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES {marks}", [(first + j, *row) for j, row in enumerate(rows)]
            )
            return first
        batch = 30_000 // (len(names) + 1)  # PostgreSQL: many rows per statement, few round trips
        for i in range(0, len(rows), batch):
            chunk = rows[i : i + batch]
            params = [value for j, row in enumerate(chunk) for value in (first + i + j, *row)]
            cursor.execute(f"INSERT INTO {table} ({columns}) VALUES {', '.join([marks] * len(chunk))}", params)
    return first


@transaction.atomic
def seed_members(province_code: str = "HB") -> int:
    """Load the demo register under the province. Idempotent: does nothing if it has members."""
    province = Organization.objects.get(code=province_code)
    # by code: after the 2025 reform the province's cells sit under Phú Thọ's communes
    if Membership.objects.filter(cell__code__startswith=f"{province_code}.").exists():
        return 0
    stories = build(province)
    insert_stories(stories)
    return len(stories)


def insert_stories(stories: list[Story], *, balances: bool = True) -> None:
    """Write the stories (people, memberships, events, periods, flow facts and, unless told
    not to, the cells' balances: only right for cells that had none)."""
    first_person = _insert(
        Person, PERSON_COLUMNS, [tuple(getattr(s.person, n) for n in PERSON_COLUMNS) for s in stories]
    )
    for i, s in enumerate(stories):
        s.membership.person_id, s.membership.sort_name = first_person + i, s.person.name_search
    first_membership = _insert(
        Membership, MEMBERSHIP_FIELDS, [tuple(getattr(s.membership, n) for n in MEMBERSHIP_FIELDS) for s in stories]
    )
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    events, periods, all_periods = [], [], []
    for i, s in enumerate(stories):
        membership_id = first_membership + i
        for e in s.events:
            e.membership_id, e.recorded_at = membership_id, now
            events.append(tuple(getattr(e, n) for n in EVENT_FIELDS))
        story_periods = periods_from_events(s.events)
        all_periods += story_periods
        periods.extend((membership_id, p.cell_id, p.status, p.start, p.end) for p in story_periods)
    first_event = _insert(MembershipEvent, EVENT_FIELDS, events)
    _insert(MembershipPeriod, PERIOD_FIELDS, periods)
    # The facts of the bulk-loaded register, from the same stories (members.facts).
    flows, event_id = [], first_event
    for i, s in enumerate(stories):
        profile = tuple(getattr(s.person, n) for n in member_facts.PROFILE_FIELDS)
        for e in s.events:
            values = member_facts.flow_values(
                e.kind,
                e.temporary,
                e.cell_id,
                e.other_organization_id,
                e.effective_date,
                e.was_probationary,
                profile,
                s.person.date_of_birth,
            )
            if values is not None:
                flows.append((event_id, first_membership + i, *values))
            event_id += 1
    _insert(MemberFlowFact, ["event_id", "membership_id", *member_facts.FLOW_FIELDS], flows)
    if balances:
        _insert_balances(all_periods)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(
            no_style(), [Person, Membership, MembershipEvent, MembershipPeriod, MemberFlowFact, MemberBalance]
        ):
            cursor.execute(sql)


def _insert_balances(all_periods) -> None:
    balances = [
        (cell, year, official, probationary, year == max(rows))
        for cell, rows in member_facts.balances_from_periods(all_periods).items()
        for year, (official, probationary) in rows.items()
    ]
    _insert(MemberBalance, ["cell_id", "year", "official", "probationary", "is_last"], balances)
