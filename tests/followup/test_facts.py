import datetime

import pytest

from followup.facts import month_facts
from members.quotas.models import Quota
from tests.followup.factories import admit, candidate, stage_event

pytestmark = pytest.mark.django_db
D = datetime.date
JULY = D(2022, 7, 1)


@pytest.fixture
def records(tree):
    # Admissions: two in July under GX, others outside the month or the subtree.
    admit(tree.CXA, D(2022, 7, 1))
    admit(tree.CXB, D(2022, 7, 31))
    admit(tree.CXA, D(2022, 6, 30))
    admit(tree.CXB, D(2022, 8, 1))
    admit(tree.CYA, D(2022, 7, 15))
    # Stage changes: three in July under GX.
    a, b, c = candidate(tree.CXA), candidate(tree.CXB), candidate(tree.CXA, stage="course")
    stage_event(a, "cultivation", D(2022, 7, 4))
    stage_event(b, "cultivation", D(2022, 7, 29))
    stage_event(c, "course", D(2022, 7, 12), stage_from="cultivation")
    stage_event(a, "source", D(2022, 6, 1), stage_from="")
    stage_event(candidate(tree.CYA), "cultivation", D(2022, 7, 4))
    # Deadlines as the candidates stand: overdue at the end of July, and certificates expiring.
    candidate(tree.CXA, stage="cell_vote", next_due=D(2022, 7, 15), due_kind="decision", stage_date=D(2022, 4, 1))
    candidate(tree.CXB, stage="decision", next_due=D(2022, 8, 10), due_kind="ceremony")
    candidate(tree.CXB, stage="dropped", next_due=D(2022, 5, 1), due_kind="decision")
    candidate(tree.CYA, stage="cell_vote", next_due=D(2022, 7, 1), due_kind="decision")
    candidate(tree.CXA, stage="course", next_due=D(2022, 10, 29), due_kind="certificate_expiry")  # 90 days after 31/07
    candidate(tree.CXB, stage="dossier", next_due=D(2022, 10, 30), due_kind="certificate_expiry")  # 91 days: not yet
    candidate(tree.GXC, stage="course", next_due=D(2022, 9, 1), due_kind="certificate_expiry")  # another unit
    Quota.objects.create(organization=tree.GX, year=2022, target=10, minimum=6)


def test_the_month_facts_come_from_the_records(tree, records, django_assert_max_num_queries):
    with django_assert_max_num_queries(14):
        facts = month_facts(tree.GX, JULY, today=D(2022, 8, 5))
    assert facts.as_of == D(2022, 7, 31)
    assert facts.admissions == 2
    assert [r["date"] for r in facts.admission_list] == [D(2022, 7, 1), D(2022, 7, 31)]
    assert facts.stage_changes == 3
    assert [(r["stage"], r["n"]) for r in facts.stage_counts] == [("cultivation", 2), ("course", 1)]
    assert facts.overdue == 1 and facts.overdue_list[0]["days"] == 16
    assert facts.expiring == 1 and facts.expiring_list[0]["due"] == D(2022, 10, 29)
    assert (facts.quota, facts.quota_minimum, facts.admitted_to_date) == (10, 6, 3)
    assert str(facts.quota_rate) == "30.00"


def test_the_current_month_counts_to_today(tree, records):
    facts = month_facts(tree.GX, JULY, today=D(2022, 7, 10))
    assert facts.as_of == D(2022, 7, 10)
    assert facts.overdue == 0  # the decision deadline of 15/07 has not passed yet
    assert facts.admitted_to_date == 2  # June and 1 July


def test_a_whole_district_and_a_unit_with_nothing(tree, records):
    district = month_facts(tree.X, JULY, today=D(2022, 8, 5))
    assert (district.admissions, district.stage_changes, district.expiring) == (2, 3, 2)
    assert district.quota is None and district.quota_rate is None
    empty = month_facts(tree.GY, D(2022, 3, 1), today=D(2022, 8, 5))
    assert (empty.admissions, empty.stage_changes, empty.overdue, empty.expiring) == (0, 0, 0, 0)


def test_the_snapshot_is_plain_json(tree, records):
    data = month_facts(tree.GX, JULY, today=D(2022, 8, 5)).as_json()
    assert data["admissions"] == 2 and data["month"] == "2022-07-01" and data["quota_rate"] == "30.00"
