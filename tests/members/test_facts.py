"""The members' facts are written with their events, in the same transaction, and equal what the
events give when computed from scratch."""

import datetime

import pytest
from django.db import connection

from members import facts
from members.models import (
    EventKind,
    MemberBalance,
    MemberFlowFact,
    Membership,
    MembershipEvent,
    MembershipPeriod,
    Person,
)
from members.selectors import counts_at, members_at
from members.services import members_register_bulk, membership_record_event, person_update, validate_new_member
from organizations.services import organization_move

from .factories import admit, official, person_fields

D = datetime.date
pytestmark = pytest.mark.django_db


def brute_count(org, day):
    """Members under ``org`` (today's paths) at the end of ``day``, straight from the periods."""
    rows = MembershipPeriod.objects.filter(cell__path__startswith=org.path, start__lte=day).exclude(end__lte=day)
    return {
        "official": rows.filter(status="official").count(),
        "probationary": rows.filter(status="probationary").count(),
    }


def assert_healthy():
    assert facts.rebuild(dry_run=True) == {}


@pytest.fixture
def lives(tree):
    a = official(tree.CXA, D(2015, 1, 5), D(2016, 2, 1))
    b = admit(tree.CXB, D(2022, 3, 1))
    c = official(tree.CYA, D(2012, 1, 1), D(2013, 2, 1))
    d = admit(tree.CXA, D(2021, 11, 1))
    membership_record_event(
        a, kind=EventKind.TRANSFERRED_OUT, effective_date=D(2022, 6, 1), other_organization_code=tree.CYA.code
    )
    membership_record_event(b, kind=EventKind.STRUCK_OFF, effective_date=D(2023, 2, 1), reason="không đủ tư cách")
    membership_record_event(c, kind=EventKind.DIED, effective_date=D(2022, 10, 10))
    membership_record_event(d, kind=EventKind.RECOGNISED, effective_date=D(2022, 12, 20))
    return dict(a=a, b=b, c=c, d=d)


def test_every_service_write_leaves_the_facts_as_the_events_give_them(tree, lives):
    assert_healthy()
    assert MemberFlowFact.objects.filter(kind__in=("admitted", "readmitted")).count() == 4
    kinds = sorted(MemberFlowFact.objects.exclude(kind="admitted").values_list("kind", flat=True))
    assert kinds == ["died", "struck_off", "transferred_in", "transferred_out"]
    t = MemberFlowFact.objects.get(kind="transferred_out")
    assert (t.cell_id, t.other_cell_id, t.day) == (tree.CXA.id, tree.CYA.id, D(2022, 6, 1))


def test_members_at_any_date_equal_the_periods_counted_directly(tree, lives):
    days = [D(2011, 12, 31), D(2014, 1, 1), D(2016, 1, 31), D(2016, 2, 1), D(2021, 12, 31), D(2022, 5, 31)]
    days += [D(2022, 6, 1), D(2022, 7, 1), D(2022, 10, 10), D(2022, 11, 11), D(2022, 12, 31), D(2023, 2, 1)]
    days += [D(2026, 6, 30), D(2031, 1, 1)]
    nodes = [tree.P, tree.X, tree.Y, tree.GX, tree.CXA, tree.CXB, tree.CYA, tree.GXC]
    at = members_at([n.id for n in nodes], days)
    for node in nodes:
        for day in days:
            assert at[(node.id, day)] == brute_count(node, day), (node.code, day)


def test_a_fact_write_that_fails_rolls_back_its_event(tree, monkeypatch):
    m = admit(tree.CXA, D(2020, 3, 2))
    before = (MembershipEvent.objects.count(), MemberFlowFact.objects.count(), MembershipPeriod.objects.count())

    def broken(*args, **kwargs):
        raise RuntimeError("the fact table is unavailable")

    monkeypatch.setattr(facts, "apply_period_change", broken)
    with pytest.raises(RuntimeError):
        membership_record_event(m, kind=EventKind.DIED, effective_date=D(2021, 1, 1))
    with pytest.raises(RuntimeError):
        admit(tree.CXB, D(2020, 4, 2))
    assert (MembershipEvent.objects.count(), MemberFlowFact.objects.count(), MembershipPeriod.objects.count()) == before
    assert Membership.objects.count() == 1 and Membership.objects.get().status == "probationary"
    monkeypatch.undo()
    assert_healthy()


def test_a_failing_flow_write_rolls_back_the_event_too(tree, monkeypatch):
    m = admit(tree.CXA, D(2020, 3, 2))
    monkeypatch.setattr(
        MemberFlowFact.objects, "bulk_create", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("no"))
    )
    with pytest.raises(RuntimeError):
        membership_record_event(m, kind=EventKind.LEFT, effective_date=D(2021, 1, 1))
    assert not MembershipEvent.objects.filter(kind=EventKind.LEFT).exists()
    assert Membership.objects.get().status == "probationary"


def test_a_backdated_event_corrects_every_later_balance(tree):
    m = official(tree.CXA, D(2015, 1, 5), D(2016, 2, 1))
    admit(tree.CXA, D(2024, 3, 2))  # the cell's balances now reach 2025
    membership_record_event(m, kind=EventKind.DIED, effective_date=D(2024, 4, 1))
    assert counts_at(tree.CXA, D(2023, 12, 31))["total"] == 1
    assert counts_at(tree.CXA, D(2030, 1, 1)) == {"total": 1, "official": 0, "probationary": 1}
    assert_healthy()


def test_the_bulk_register_writes_its_facts(tree):
    entries = []
    for i, official_ in enumerate([False, True, True]):
        person = Person(**person_fields())
        kw = dict(
            cell=tree.CXB,
            admission_decision_date=D(2010 + i, 5, 4),
            ceremony_date=D(2010 + i, 5, 20),
            official=official_,
        )
        official_from, recognised = validate_new_member(person, **kw)
        entries.append(
            dict(
                person=person,
                cell=tree.CXB,
                admission_decision_date=kw["admission_decision_date"],
                ceremony_date=kw["ceremony_date"],
                official_from=official_from,
                recognition_decision_date=recognised,
            )
        )
    members_register_bulk(entries)
    assert_healthy()
    assert counts_at(tree.X, D(2022, 1, 1)) == {"total": 3, "official": 2, "probationary": 1}


def test_a_corrected_person_corrects_the_profile_of_their_admission(tree):
    m = admit(tree.CXA, D(2020, 3, 2), sex="female", general_education="lower_secondary")
    person_update(
        m.person, fields={"sex": "male", "general_education": "upper_secondary", "date_of_birth": D(1999, 3, 3)}
    )
    fact = MemberFlowFact.objects.get(kind="admitted")
    assert (fact.sex, fact.general_education, fact.age) == ("male", "upper_secondary", 20)
    assert_healthy()


def test_rebuild_repairs_a_change_made_around_the_services_and_then_finds_nothing(tree, lives):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {MemberFlowFact._meta.db_table} WHERE kind = 'died'")
        cursor.execute(f"UPDATE {MemberBalance._meta.db_table} SET official = official + 5")
    changed = facts.rebuild(tree.P)
    assert changed == {"member flow facts": 1, "member balances (cells)": 3}
    assert facts.rebuild() == {}


def test_a_subtree_move_changes_no_fact(tree, lives):
    stored = facts.stored_flows(), facts.stored_balances()
    organization_move(tree.GX, tree.Y, on=D(2024, 1, 1))
    assert (facts.stored_flows(), facts.stored_balances()) == stored
    assert counts_at(tree.X, D(2022, 1, 1))["total"] == 2  # as then: GX was in X
