"""Introducers: official members of the same grassroots organisation, not exempt, who have been
with the applicant 12 months — from the records where the system has them, from the secretary's
dated statement where it does not. Each boundary under each regulation entry."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from candidates import rules, services
from candidates.models import CandidateEvent, Introduction, Stage
from members.models import Membership, MembershipEvent, MembershipPeriod, Status
from partydev.workdays import add_months

from .factories import candidate_at, official_member, person_fields

D = datetime.date
pytestmark = pytest.mark.django_db

# Introduction dates under 29-QĐ/TW, 24-QĐ/TW, 232-QĐ/TW and 294-QĐ/TW, each 11 months 30 days
# after the first of a month (the day before it is 12 months).
UNDER_EACH = [D(2020, 12, 31), D(2023, 12, 31), D(2025, 1, 31), D(2025, 8, 31)]


def eleven_months_thirty_days_before(day):
    since = add_months(day, -11).replace(day=1)
    assert rules.months_and_days(since, day) == "11 tháng 30 ngày"
    return since


def problems(candidate, introduction, on, **data):
    reg = rules.regulation_on(on)
    grassroots = rules.grassroots_of(candidate.cell)
    return rules.introducer_problems(reg, candidate, {"introduction": introduction, **data}, grassroots, on)


def listed(cell, since):
    """A candidate listed in ``cell`` on ``since``: the records hold them from that day."""
    return services.candidate_create(
        person_fields=person_fields(date_of_birth=D(1985, 1, 1)),
        cell=cell,
        source_kind="enterprise",
        effective_date=since,
    )


@pytest.mark.parametrize("on", UNDER_EACH)
def test_twelve_months_together_by_the_records(tree, on):
    member = official_member(tree.CXB, admitted=D(2010, 1, 4))  # another cell of the same grassroots
    short = listed(tree.CXA, eleven_months_thirty_days_before(on))
    hard, together = problems(short, Introduction.TRADE_UNION, on, introducer_1=member, no_youth_union=True)
    assert not hard and set(together) == {"introducer_1"}
    assert "11 tháng 30 ngày" in together["introducer_1"] and "cần đủ 12 tháng" in together["introducer_1"]
    enough = listed(tree.CXA, add_months(on, -12))
    assert problems(enough, Introduction.TRADE_UNION, on, introducer_1=member, no_youth_union=True) == ({}, {})


@pytest.mark.parametrize("on", UNDER_EACH)
def test_twelve_months_together_by_the_secretarys_statement(tree, on):
    one, two = official_member(tree.CXA, admitted=D(2010, 1, 4)), official_member(tree.CXA, admitted=D(2010, 1, 4))
    c = listed(tree.CXA, on - datetime.timedelta(days=30))  # the records show a month
    base = dict(introducer_1=one, introducer_2=two, together_statement_date=on)
    hard, together = problems(
        c,
        Introduction.MEMBERS,
        on,
        **base,
        introducer_1_since=eleven_months_thirty_days_before(on),
        introducer_2_since=add_months(on, -12),
    )
    assert not hard and set(together) == {"introducer_1_since"}
    assert "11 tháng 30 ngày (theo xác nhận của bí thư chi bộ)" in together["introducer_1_since"]
    statement = dict(introducer_1_since=add_months(on, -12), introducer_2_since=add_months(on, -30))
    assert problems(c, Introduction.MEMBERS, on, **base, **statement) == ({}, {})


def test_the_introducers_own_time_counts_too(tree):
    """Transferred into the grassroots organisation 11 months 30 days ago: not yet 12 months."""
    on = D(2024, 12, 31)
    member = official_member(tree.CXB, admitted=D(2010, 1, 4))
    arrived = eleven_months_thirty_days_before(on)
    MembershipPeriod.objects.filter(membership=member).update(cell=tree.CYA)
    MembershipPeriod.objects.filter(membership=member, end__isnull=True).update(end=arrived)
    MembershipPeriod.objects.create(membership=member, cell=tree.CXB, status=Status.OFFICIAL, start=arrived)
    c = listed(tree.CXA, D(2020, 1, 6))
    _hard, together = problems(c, Introduction.TRADE_UNION, on, introducer_1=member, no_youth_union=True)
    assert "11 tháng 30 ngày" in together["introducer_1"]
    _hard, together = problems(
        c, Introduction.TRADE_UNION, add_months(arrived, 12), introducer_1=member, no_youth_union=True
    )
    assert together == {}


def test_probationary_exempt_or_other_grassroots_introducers_are_refused(tree):
    on = D(2024, 6, 3)
    c = listed(tree.CXA, D(2020, 1, 6))
    elsewhere = official_member(tree.CYA, admitted=D(2010, 1, 4))
    probationary = official_member(tree.CXA, admitted=D(2024, 1, 8))  # official only from 08/01/2025
    exempt = official_member(tree.CXA, admitted=D(2010, 1, 4))
    MembershipEvent.objects.create(
        membership=exempt, kind="exempted", effective_date=D(2023, 5, 2), cell=tree.CXA, status_after=Status.OFFICIAL
    )
    for member, words in (
        (elsewhere, "cùng tổ chức cơ sở đảng"),
        (probationary, "chính thức vào ngày"),
        (exempt, "miễn"),
    ):
        hard, _ = problems(c, Introduction.TRADE_UNION, on, introducer_1=member, no_youth_union=True)
        assert words in hard["introducer_1"], member


def test_routes_of_one_member(tree):
    on = D(2024, 6, 3)
    c = listed(tree.CXA, D(2020, 1, 6))
    one, two = official_member(tree.CXA), official_member(tree.CXA)
    hard, _ = problems(c, Introduction.YOUTH_UNION, on, introducer_1=one, introducer_2=two)
    assert set(hard) == {"introducer_2"}  # the Youth Union and ONE official member
    hard, _ = problems(c, Introduction.YOUTH_UNION, on)
    assert set(hard) == {"introducer_1"}
    hard, _ = problems(c, Introduction.TRADE_UNION, on, introducer_1=one)
    assert set(hard) == {"no_youth_union"}  # only where the agency has no Youth Union
    hard, _ = problems(c, Introduction.MEMBERS, on, introducer_1=one)
    assert set(hard) == {"introducer_2"}
    hard, _ = problems(
        c, Introduction.MEMBERS, on, introducer_1=one, introducer_2=two, introducer_1_since=D(2019, 1, 1)
    )
    assert set(hard) == {"together_statement_date"}  # a statement is dated


def test_a_forward_dossier_short_of_12_months_is_refused_and_nothing_is_written(tree, users):
    c = candidate_at(tree.CXA, Stage.COURSE, start=D(2024, 1, 8), date_of_birth=D(1985, 1, 1))
    one, two = official_member(tree.CXA), official_member(tree.CXB)
    events, version = c.events.count(), c.version
    dossier = dict(
        form1_date=D(2024, 3, 1),
        form2_date=D(2024, 3, 1),
        introduction="members",
        form3_date=D(2024, 3, 4),
        form5_date=D(2024, 3, 5),
        introducer_1=one,
        introducer_2=two,
    )
    with pytest.raises(ValidationError) as exc:
        services.candidate_advance(c.pk, Stage.DOSSIER, data=dossier, user=users.secretary_a)
    assert set(exc.value.message_dict) == {"introducer_1", "introducer_2"}
    c.refresh_from_db()
    assert c.events.count() == events and c.version == version and c.stage == Stage.COURSE
    statement = dict(
        introducer_1_since=D(2023, 3, 4), introducer_2_since=D(2022, 1, 1), together_statement_date=D(2024, 3, 4)
    )
    c = services.candidate_advance(c.pk, Stage.DOSSIER, data={**dossier, **statement}, user=users.secretary_a)
    assert c.stage == Stage.DOSSIER and c.introducer_1_since == D(2023, 3, 4)
    assert CandidateEvent.objects.filter(candidate=c).last().data["together_statement_date"] == "2024-03-04"


def test_a_backfill_records_the_shortfall_instead_of_refusing(tree):
    """Someone entered part-way through: the step happened; the rule that failed is on the event."""
    helper = official_member(tree.CXA)
    c = services.candidate_backfill(
        person_fields=person_fields(),
        cell=tree.CXA,
        source_kind="youth_union",
        source_date=D(2024, 1, 8),
        stage=Stage.DOSSIER,
        data={
            "cultivation_date": D(2024, 1, 15),
            "helper": helper,
            "certificate_number": "1",
            "certificate_date": D(2024, 1, 29),
            "form1_date": D(2024, 2, 5),
            "form2_date": D(2024, 2, 5),
            "introduction": "youth_union",
            "form3_date": D(2024, 2, 12),
            "introducer_1": helper,
            "form5_date": D(2024, 2, 12),
        },
    )
    dossier = c.events.get(stage_to=Stage.DOSSIER)
    assert [o["code"] for o in dossier.overrides] == ["introducer_together"]
    assert Membership.objects.filter(pk=helper.pk, status=Status.OFFICIAL).exists()
