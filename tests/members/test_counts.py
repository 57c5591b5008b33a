"""Counts at a date and movements over a period, across transfers, exemptions and exits."""

import datetime

import pytest

from members.models import EventKind
from members.selectors import counts_at, counts_by_anchor, movements
from members.services import membership_record_event

from .factories import admit, official

D = datetime.date
pytestmark = pytest.mark.django_db


def record(m, kind, day, **kw):
    return membership_record_event(m, kind=kind, effective_date=day, **kw)


@pytest.fixture
def history(tree):
    """Five members in district X, one in Y, with a life each."""
    a = official(tree.CXA, D(2015, 1, 5), D(2016, 2, 1))  # moves X→Y on 01/06/2022
    b = official(tree.CXA, D(2015, 1, 5), D(2016, 2, 1))  # exempted 2021, still counted; dies 10/10/2022
    c = admit(tree.CXB, D(2022, 3, 1))  # probationary all 2022; struck off 01/02/2023
    d = official(tree.CXB, D(2010, 1, 1), D(2011, 3, 1))  # moves to another province 15/07/2022
    e = admit(tree.CXA, D(2021, 11, 1))  # ceremony 11/11/2021 → official from 11/11/2022
    f = official(tree.CYA, D(2012, 1, 1), D(2013, 2, 1))  # in Y throughout
    record(a, EventKind.TRANSFERRED_OUT, D(2022, 6, 1), other_organization_code=tree.CYA.code)
    record(b, EventKind.EXEMPTED, D(2021, 4, 1), reason="tuổi cao")
    record(b, EventKind.DIED, D(2022, 10, 10))
    record(c, EventKind.STRUCK_OFF, D(2023, 2, 1), reason="không đủ tư cách")
    record(d, EventKind.TRANSFERRED_OUT, D(2022, 7, 15), other_organization_name="Đảng bộ tỉnh Phú Thọ")
    record(e, EventKind.RECOGNISED, D(2022, 12, 20))
    return dict(a=a, b=b, c=c, d=d, e=e, f=f)


def test_counts_at_a_date(tree, history):
    assert counts_at(tree.P, D(2021, 12, 31)) == {"total": 5, "official": 4, "probationary": 1}
    assert counts_at(tree.X, D(2021, 12, 31)) == {"total": 4, "official": 3, "probationary": 1}
    # 31/12/2022: a now in Y; b dead; d gone; c probationary; e official since 11/11/2022.
    assert counts_at(tree.X, D(2022, 12, 31)) == {"total": 2, "official": 1, "probationary": 1}
    assert counts_at(tree.Y, D(2022, 12, 31)) == {"total": 2, "official": 2, "probationary": 0}
    assert counts_at(tree.P, D(2022, 11, 10))["probationary"] == 2
    assert counts_at(tree.P, D(2022, 11, 11))["probationary"] == 1
    assert counts_at(tree.CXA, D(2022, 5, 31))["total"] == 3 and counts_at(tree.CXA, D(2022, 6, 1))["total"] == 2
    assert counts_at(tree.X, D(2023, 2, 1)) == {"total": 1, "official": 1, "probationary": 0}
    by = counts_by_anchor([tree.X, tree.Y, tree.GX], D(2022, 12, 31))
    assert by[tree.X.path] == {"official": 1, "probationary": 1} and by[tree.Y.path] == {
        "official": 2,
        "probationary": 0,
    }
    assert by[tree.GX.path] == by[tree.X.path]


def test_movements_over_a_period(tree, history):
    x = movements(tree.X, D(2022, 1, 1), D(2022, 12, 31))
    assert x["admitted"] == 1 and x["transferred_out"] == 2 and x["transferred_in"] == 0
    assert x["exits"]["died"] == {"total": 1, "probationary": 0}
    assert x["exits_total"] == 1 and x["exits_probationary"] == 0
    assert (
        x["net_growth"]
        == 2 - 4
        == x["admitted"] + x["readmitted"] + x["transferred_in"] - x["exits_total"] - x["transferred_out"]
    )
    y = movements(tree.Y, D(2022, 1, 1), D(2022, 12, 31))
    assert (y["transferred_in"], y["net_growth"]) == (1, 1)
    p = movements(tree.P, D(2022, 1, 1), D(2023, 6, 30))
    assert p["transferred_out"] == 1 and p["transferred_in"] == 0  # the move X→Y stays inside
    assert p["exits"]["struck_off"] == {"total": 1, "probationary": 1}
    assert p["net_growth"] == 1 - 2 - 1 == p["admitted"] - p["exits_total"] - p["transferred_out"]
