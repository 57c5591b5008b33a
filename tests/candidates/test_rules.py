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


@pytest.mark.parametrize(
    "born, day, introduction, ok",
    [
        (D(1995, 5, 15), D(2026, 4, 15), "members", False),  # 30 years 11 months: still youth age
        (D(1995, 5, 15), D(2026, 5, 14), "trade_union", False),  # a day short of 31
        (D(1995, 5, 15), D(2026, 5, 15), "members", True),  # full 31: two members may introduce
        (D(2000, 5, 15), D(2024, 1, 1), "youth_union", True),  # the Youth Union introduces
        (D(2000, 5, 15), D(2025, 7, 1), "members", False),  # the same under the 2025 texts
    ],
)
def test_youth_age_introduced_by_the_youth_union(born, day, introduction, ok):
    reg = rules.regulation_on(day)
    assert (rules.check_youth_introduction(reg, cand(born=born, introduction=introduction), day) is None) is ok


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
        (D(2020, 1, 1), "2021"),
        (D(2025, 6, 30), "2021"),
        (D(2025, 7, 1), "2025"),
        (D(2026, 11, 28), "2025"),
    ],
)
def test_regulation_switch_on_1_july_2025(day, key):
    assert rules.regulation_on(day).key == key


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
