"""The demo register reproduces every published member figure, computed back from the records.

One seeded database for the module (the seed takes tens of seconds): built once, rolled back at
the end.
"""

import datetime

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count

from members.models import EventKind, Membership, MembershipEvent, Person
from members.selectors import admitted_by_anchor, counts_at, movements
from organizations.models import DISTRICT_LEVEL_KINDS, Organization
from partydev.figures import PUBLISHED
from tests.fixtures import constraints_checked_once

D = datetime.date


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", "--only", "members", stdout=open("/dev/null", "w"))
        constraints_checked_once()
        yield Organization.objects.get(code="HB")
        transaction.set_rollback(True)


def test_members_at_the_end_of_2022(demo, db):
    assert counts_at(demo, D(2022, 12, 31)) == PUBLISHED["members_at_2022-12-31"]


def test_admissions_as_published(demo, db):
    district_level = list(Organization.objects.get_children(demo).filter(kind__in=DISTRICT_LEVEL_KINDS))
    assert len(district_level) == 10
    by_period = {row["period"]: row["admitted"] for row in PUBLISHED["admissions_district_level_committees"]}
    assert sum(admitted_by_anchor(district_level, D(2016, 1, 1), D(2022, 12, 31)).values()) == by_period["2016-2022"]
    assert sum(admitted_by_anchor(district_level, D(2021, 1, 1), D(2021, 12, 31)).values()) == by_period["2021"]
    assert sum(admitted_by_anchor(district_level, D(2022, 1, 1), D(2022, 12, 31)).values()) == by_period["2022"]
    assert (
        admitted_by_anchor([demo], D(2022, 1, 1), D(2022, 12, 31))[demo.path]
        == PUBLISHED["new_members_2022_province_wide"]["total"]
    )
    h1 = PUBLISHED["admissions_province_wide"][0]
    assert admitted_by_anchor([demo], D(2023, 1, 1), D(2023, 6, 30))[demo.path] == h1["admitted"]


def test_new_members_of_2022_have_the_published_qualifications(demo, db):
    admitted = MembershipEvent.objects.filter(kind=EventKind.ADMITTED, effective_date__year=2022).values(
        "membership__person_id"
    )
    people = Person.objects.filter(pk__in=admitted)
    mix = dict(people.values_list("professional_qualification").annotate(n=Count("id")).order_by())
    assert mix == {
        "technical_worker": 9,
        "intermediate": 136,
        "college": 173,
        "university": 772,
        "master": 36,
        "none": 510,
    }
    assert people.filter(general_education="upper_secondary").count() / people.count() > 0.90


def test_distributions_look_like_hoa_binh(demo, db):
    active = Person.objects.filter(membership__status__in=("official", "probationary"))
    ethnic = dict(active.values_list("ethnicity").annotate(n=Count("id")).order_by())
    assert max(ethnic, key=ethnic.get) in ("muong", "kinh")
    assert {"muong", "kinh", "thai", "dao", "tay", "hmong"} <= set(ethnic)
    assert 0.25 < active.filter(sex="female").count() / active.count() < 0.5


def test_exits_and_net_growth_of_2022_add_up(demo, db):
    m = movements(demo, D(2022, 1, 1), D(2022, 12, 31))
    assert m["exits_total"] > 0 and m["exits_probationary"] > 0 and m["exits"]["died"]["total"] > 0
    assert (
        m["net_growth"]
        == m["admitted"] + m["readmitted"] + m["transferred_in"] - m["exits_total"] - m["transferred_out"]
    )


def test_seeding_twice_adds_nothing(demo, db):
    before = Membership.objects.count()
    call_command("seed_demo", "--only", "members", stdout=open("/dev/null", "w"))
    assert Membership.objects.count() == before
