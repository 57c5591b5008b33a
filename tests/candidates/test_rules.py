"""Every rule and deadline at its boundaries, table-driven, under the regulation of the date."""

import datetime
from types import SimpleNamespace as NS

import pytest

from candidates import rules
from organizations.models import Kind, Organization
from partydev.workdays import add_working_days, is_working_day, working_days_between

D = datetime.date
pytestmark = pytest.mark.django_db  # the working-day calendar reads the declared days


def cand(**kw):
    person = NS(date_of_birth=kw.pop("born", D(2000, 5, 15)), general_education=kw.pop("education", "lower_secondary"))
    cell = kw.pop("cell", Organization(path="0001000100010001", depth=4, kind=Kind.CELL, name="Chi bộ"))
    base = dict(
        person=person,
        cell=cell,
        certificate_date=None,
        cell_votes_for=None,
        cell_total=None,
        committee_votes_for=None,
        committee_members=None,
        partial_votes_for=None,
        partial_members=None,
        decided_by=None,
        introduction="members",
    )
    base.update(kw)
    return NS(**base)


@pytest.mark.parametrize(
    "born, vote, ok",
    [
        (D(2000, 5, 15), D(2018, 4, 15), False),  # 18 years minus one month
        (D(2000, 5, 15), D(2018, 5, 14), False),  # 18 years minus one day: months not yet complete
        (D(2000, 5, 15), D(2018, 5, 15), True),  # full 18
        (D(1960, 5, 15), D(2020, 5, 15), True),  # full 60
        (D(1960, 5, 15), D(2020, 6, 14), True),  # 60 years and not yet a full month more
        (D(1960, 5, 15), D(2020, 6, 15), False),  # 60 years and one month
    ],
)
def test_age_counted_by_month(born, vote, ok):
    reg = rules.regulation_on(vote)
    assert (rules.check_age(reg, cand(born=born), vote) is None) is ok


@pytest.mark.parametrize(
    "certificate, vote, ok",
    [
        (D(2020, 3, 10), D(2025, 3, 9), True),  # 60 months minus a day
        (D(2020, 3, 10), D(2025, 3, 10), False),  # exactly 60 months: no longer under 60 months
        (D(2020, 8, 31), D(2025, 8, 30), True),
        (D(2020, 8, 31), D(2025, 8, 31), False),
    ],
)
def test_certificate_valid_under_60_months(certificate, vote, ok):
    reg = rules.regulation_on(vote)
    assert (rules.check_certificate(reg, cand(certificate_date=certificate), vote) is None) is ok


@pytest.mark.parametrize(
    "votes_for, total, ok",
    [
        (6, 9, True),  # exactly 2/3
        (5, 9, False),
        (2, 3, True),
        (7, 10, True),
        (6, 10, False),  # 60%
        (20, 30, True),
        (19, 30, False),
        (0, 0, False),
    ],
)
def test_two_thirds(votes_for, total, ok):
    reg = rules.regulation_on(D(2024, 1, 1))
    assert (rules.check_cell_votes(reg, cand(cell_votes_for=votes_for, cell_total=total), D(2024, 1, 1)) is None) is ok
    assert (
        rules.check_committee_votes(reg, cand(committee_votes_for=votes_for, committee_members=total), D(2024, 1, 1))
        is None
    ) is ok


# One day under each regulation entry: 29-QĐ/TW, 24-QĐ/TW, 232-QĐ/TW, 294-QĐ/TW.
UNDER_EACH = [D(2020, 3, 2), D(2023, 3, 1), D(2025, 3, 3), D(2025, 9, 1)]


def years_before(day, years, days=0):
    return day.replace(year=day.year - years) - datetime.timedelta(days=days)


@pytest.mark.parametrize("day", UNDER_EACH)
@pytest.mark.parametrize(
    "age_years, age_days, youth_union, introduction, ok",
    [
        (30, 0, True, "members", False),  # a Youth Union member of youth age: the Youth Union and one member
        (30, 0, True, "youth_union", True),
        (30, 0, True, "trade_union", True),  # where the agency has no Youth Union (declared on the dossier)
        (31, -1, True, "members", False),  # a day short of full 31: still youth age
        (31, 0, True, "members", True),  # full 31: two official members
        (31, 0, True, "youth_union", False),  # past youth age: not the Youth Union's route
        (24, 0, False, "members", True),  # youth age but not a Youth Union member: two members (issue 17)
        (24, 0, False, "youth_union", False),  # the Youth Union introduces its own members only
        (24, 0, False, "trade_union", True),
    ],
)
def test_the_youth_union_route_is_for_youth_union_members_of_youth_age(
    day, age_years, age_days, youth_union, introduction, ok
):
    born = years_before(day, age_years, age_days)
    c = cand(born=born, introduction=introduction)
    c.person.youth_union = youth_union
    failure = rules.check_youth_introduction(rules.regulation_on(day), c, day)
    assert (failure is None) is ok
    if failure is not None:
        assert failure.code == "youth_introduction" and "youth_introduction" in rules.ROUTE_ONLY


@pytest.mark.parametrize(
    "education, disadvantaged, ok",
    [
        ("primary", False, False),
        ("primary", True, True),
        ("lower_secondary", False, True),
        ("upper_secondary", False, True),
    ],
)
def test_education(education, disadvantaged, ok):
    cell = Organization(path="0001000100010001", depth=4, kind=Kind.CELL, name="C", disadvantaged_area=disadvantaged)
    reg = rules.regulation_on(D(2024, 1, 1))
    assert (rules.check_education(reg, cand(education=education, cell=cell), D(2024, 1, 1)) is None) is ok


@pytest.mark.parametrize(
    "day, key",
    [
        (D(2016, 1, 1), "2016"),  # the 2016 texts cover earlier dates too
        (D(2021, 7, 29), "2016"),  # 29-QĐ/TW
        (D(2021, 7, 30), "2021"),  # 24-QĐ/TW
        (D(2025, 1, 19), "2021"),
        (D(2025, 1, 20), "2025-01"),  # 232-QĐ/TW
        (D(2025, 6, 30), "2025-01"),
        (D(2025, 7, 1), "2025"),  # 294-QĐ/TW
        (D(2026, 11, 28), "2025"),
    ],
)
def test_the_regulation_in_force_on_the_effective_date(day, key):
    reg = rules.regulation_on(day)
    assert reg.key == key and rules.regulation_by_key(key) == reg
    # Every rule names where it is written.
    assert {"age", "over_60", "education", "literacy", "introducer_together", "verification"} <= set(reg.sources)


def test_the_four_regulation_entries():
    titles = [r.title.split(" (")[0] for r in rules.REGULATIONS]
    assert titles == ["Quy định 29-QĐ/TW", "Quy định 24-QĐ/TW", "Quy định 232-QĐ/TW", "Quy định 294-QĐ/TW"]


@pytest.mark.parametrize("day", UNDER_EACH)
@pytest.mark.parametrize(
    "age_months_over, consent, ok, code",
    [
        (0, False, True, None),  # full 60
        (1, False, False, "over_60"),  # 60 years and a month: only by the route
        (1, True, True, None),  # the province's standing committee consented in writing
    ],
)
def test_over_60_only_by_its_route(day, age_months_over, consent, ok, code):
    born = rules.add_months(day, -(60 * 12 + age_months_over))
    c = cand(
        born=born, over_60_consent_number="15-CV/TU" if consent else "", over_60_consent_date=day if consent else None
    )
    result = rules.check_age(rules.regulation_on(day), c, day)
    assert (result is None) is ok
    if code:
        assert result.code == code and code in rules.ROUTE_ONLY


@pytest.mark.parametrize("day", UNDER_EACH)
@pytest.mark.parametrize(
    "education, disadvantaged, basis, number, ok",
    [
        ("literate", True, "", "", False),  # below primary school even where primary is enough
        ("literate", True, "village_elder", "", False),  # the route needs its document
        ("literate", True, "village_elder", "20-CV/TU", True),
        ("literate", False, "fisherman", "21-CV/TU", True),
        ("primary", False, "village_head", "22-CV/TU", True),
        ("primary", False, "", "", False),
    ],
)
def test_literacy_only_by_its_route(day, education, disadvantaged, basis, number, ok):
    cell = Organization(path="0001000100010001", depth=4, kind=Kind.CELL, name="C", disadvantaged_area=disadvantaged)
    c = cand(
        education=education,
        cell=cell,
        literacy_basis=basis,
        literacy_consent_number=number,
        literacy_consent_date=day if number else None,
    )
    assert (rules.check_education(rules.regulation_on(day), c, day) is None) is ok


@pytest.mark.parametrize(
    "data, fields",
    [
        ({"literacy_basis": "village_elder"}, {"literacy_consent_number", "literacy_consent_date"}),
        ({"literacy_basis": "fisherman", "literacy_consent_number": "5-CV/TU"}, {"literacy_consent_date"}),
        ({"literacy_consent_number": "5-CV/TU", "literacy_consent_date": D(2024, 1, 2)}, {"literacy_basis"}),
        ({"over_60_consent_number": "6-CV/TU"}, {"over_60_consent_date"}),
        ({"over_60_consent_date": D(2024, 1, 2)}, {"over_60_consent_number"}),
    ],
)
def test_a_route_without_its_document_is_refused_naming_the_field(data, fields):
    old = cand(born=D(1960, 1, 1), education="literate")  # 64 at the vote, literate only
    assert set(rules.exception_route_problems(rules.regulation_on(D(2024, 3, 1)), old, data, D(2024, 3, 1))) == fields


def test_a_route_where_the_general_rule_holds_is_refused():
    young = cand(born=D(1990, 1, 1), education="upper_secondary")
    data = {
        "literacy_basis": "village_elder",
        "literacy_consent_number": "5-CV/TU",
        "literacy_consent_date": D(2024, 1, 2),
        "over_60_consent_number": "6-CV/TU",
        "over_60_consent_date": D(2024, 1, 2),
    }
    problems = rules.exception_route_problems(rules.regulation_on(D(2024, 3, 1)), young, data, D(2024, 3, 1))
    assert set(problems) == {"literacy_basis", "over_60_consent_number"}


@pytest.mark.parametrize(
    "subjects, ok",
    [
        ({"applicant": "verified", "father": "verified", "mother": "verified"}, True),
        ({"applicant": "verified", "guardian": "verified"}, True),  # the person who raised them
        ({"applicant": "verified", "father": "exempt", "mother": "exempt", "spouse": "verified"}, True),
        ({"applicant": "verified", "spouse": "verified"}, False),  # neither parent nor guardian
        ({"applicant": "exempt", "father": "verified"}, False),  # the applicant is always verified
        ({"father": "verified"}, False),
        ({"applicant": "verified", "father": "maybe"}, False),
        ({"applicant": "verified", "father": "verified", "cousin": "verified"}, False),
    ],
)
def test_who_the_background_verification_covers(subjects, ok):
    problems = rules.verification_problems(rules.regulation_on(D(2024, 3, 1)), subjects)
    assert (problems == {}) is ok
    if not ok:
        assert set(problems) == {"verification_subjects"}


@pytest.mark.parametrize(
    "kind, day, ok",
    [
        (Kind.DISTRICT, D(2025, 6, 30), True),
        (Kind.COMMUNE, D(2025, 6, 30), False),  # communes decide only under the 2025 texts
        (Kind.COMMUNE, D(2025, 7, 1), True),
        (Kind.PROVINCE, D(2025, 6, 30), False),
        (Kind.PROVINCE, D(2025, 7, 1), True),
        (Kind.GRASSROOTS_COMMITTEE, D(2024, 1, 1), True),  # an authorised grassroots committee
    ],
)
def test_deciding_body_by_regulation(kind, day, ok):
    body = Organization(pk=1, path="00010001", depth=2, kind=kind, name="Cấp ủy", can_decide_admission=True)
    cell = Organization(pk=2, path="0001000100010001", depth=4, kind=Kind.CELL, name="C")
    reg = rules.regulation_on(day)
    assert (rules.check_deciding_body(reg, cand(cell=cell, decided_by=body), day) is None) is ok


def test_deciding_body_must_hold_the_flag_and_sit_above_the_cell():
    cell = Organization(pk=2, path="0001000100010001", depth=4, kind=Kind.CELL, name="C")
    reg = rules.regulation_on(D(2024, 1, 1))
    unflagged = Organization(pk=1, path="00010001", depth=2, kind=Kind.DISTRICT, name="H", can_decide_admission=False)
    elsewhere = Organization(pk=3, path="00010002", depth=2, kind=Kind.DISTRICT, name="K", can_decide_admission=True)
    assert "thẩm quyền" in rules.check_deciding_body(reg, cand(cell=cell, decided_by=unflagged), D(2024, 1, 1))
    assert "cấp trên" in rules.check_deciding_body(reg, cand(cell=cell, decided_by=elsewhere), D(2024, 1, 1))


@pytest.mark.parametrize(
    "start, n, expected",
    [
        (D(2026, 2, 13), 1, D(2026, 2, 23)),  # Friday before Tết 2026 (16-20/02): next working day is 23/02
        (D(2026, 2, 10), 5, D(2026, 2, 24)),  # 11, 12, 13, then Tết week, then 23, 24
        (D(2025, 1, 24), 1, D(2025, 2, 3)),  # Tết 2025: 27/01-31/01
        (D(2024, 4, 26), 2, D(2024, 5, 3)),  # 29/04 Monday, 30/04 and 01/05 holidays, 02/05 then 03/05
        (
            D(2024, 1, 5),
            60,
            D(2024, 4, 5),
        ),  # decision window crossing Tết 2024 (08-14/02): 5 days later than without it
        (D(2024, 1, 5), 0, D(2024, 1, 5)),
    ],
)
def test_working_days_across_lunar_new_year(start, n, expected):
    assert add_working_days(start, n) == expected
    if n:
        assert working_days_between(start, expected) == n


def test_tet_is_not_a_working_day():
    assert not is_working_day(D(2026, 2, 17))
    assert not is_working_day(D(2026, 2, 14))  # Saturday
    assert is_working_day(D(2026, 2, 23))


@pytest.mark.parametrize(
    "fn, start, expected",
    [
        (lambda d: rules.decision_due(d), D(2024, 1, 5), (D(2024, 1, 5), 60)),
        (lambda d: rules.decision_due(d, extended=True), D(2024, 1, 5), (D(2024, 1, 5), 90)),
        (rules.ceremony_due, D(2026, 1, 30), (D(2026, 1, 30), 30)),
        (rules.probation_ends, D(2024, 2, 29), D(2025, 2, 28)),
        (rules.probation_ends, D(2025, 6, 10), D(2026, 6, 10)),
        (rules.proposal_due, D(2025, 1, 20), (D(2026, 1, 20), 30)),
        (rules.recognition_due, D(2026, 2, 2), (D(2026, 2, 2), 30)),
    ],
)
def test_deadlines(fn, start, expected):
    if isinstance(expected, tuple):  # (day, n): n working days after day, counted when the test runs
        expected = add_working_days(*expected)
    assert fn(start) == expected


def test_ceremony_deadline_across_tet_2026():
    # Decision received 30/01/2026: 30 working days, with the five days of Tết in between.
    due = rules.ceremony_due(D(2026, 1, 30))
    assert due == D(2026, 3, 20)
    assert (due - D(2026, 1, 30)).days == 49


@pytest.mark.parametrize(
    "certificate, today, flagged",
    [
        (D(2021, 6, 1), D(2026, 3, 2), False),  # expires 01/06/2026: 91 days ahead
        (D(2021, 6, 1), D(2026, 3, 3), True),  # 90 days ahead
        (D(2021, 6, 1), D(2026, 7, 1), True),  # already expired
    ],
)
def test_certificate_expiring_within_90_days(certificate, today, flagged):
    assert rules.certificate_expiring(NS(certificate_date=certificate, cell_vote_date=None), today) is flagged
