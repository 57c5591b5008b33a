"""The organisation API across a restructuring: ``at=YYYY-MM-DD`` reads the tree as it stood
that day; every item says when it was valid and, once ended, who took over its work.

The small province of tests/fixtures.py, then on 01/03/2025 GX (under X) and GY (under Y)
merged into M under X, their cells moving with their ids:
P ── X ── GX ── CXA, CXB          P ── X ── M ── CXA, CXB, CYA
  │    └─ GXC                 →     │    └─ GXC
  └─ Y ── GY ── CYA                 └─ Y
"""

import datetime

import pytest
from django.urls import reverse

from organizations.models import Kind
from organizations.restructure import decision_new, org_merge, org_move

D = datetime.date
pytestmark = pytest.mark.django_db
PRE = D(2025, 3, 1)
EVE = D(2025, 2, 28)


@pytest.fixture
def merged(tree):
    decision = decision_new(number="12-QĐ/TU", date=PRE, issued_by=tree.P)
    new = {"parent": tree.X, "code": "T.X.M", "name": "Đảng bộ xã Ân Nghĩa", "kind": Kind.GRASSROOTS_COMMITTEE}
    return org_merge([tree.GX, tree.GY], new=new, decision=decision, effective_date=PRE).operation.organization


def detail(client, code, **params):
    return client.get(reverse("organizations:api-detail", args=[code]), params).json()


def children(client, code, **params):
    data = client.get(reverse("organizations:api-list"), {"parent": code, **params}).json()
    return [i["code"] for i in data["results"]]


def test_the_province_counted_as_it_stood_before_and_after_a_merge(tree, users, login, merged):
    client = login(users.province)
    before = detail(client, tree.P.code, at=EVE.isoformat())
    assert (before["at"], before["children"]) == ("2025-02-28", 2)
    assert before["descendants"] == {"cell": 3, "district": 2, "grassroots_cell": 1, "grassroots_committee": 2}
    after = detail(client, tree.P.code, at=PRE.isoformat())
    assert after["descendants"] == {"cell": 3, "district": 2, "grassroots_cell": 1, "grassroots_committee": 1}


def test_a_district_whose_committee_left_counts_its_cells_until_the_eve(tree, users, login, merged):
    client = login(users.province)
    assert detail(client, tree.Y.code, at=EVE.isoformat())["descendants"] == {"cell": 1, "grassroots_committee": 1}
    assert detail(client, tree.Y.code, at=PRE.isoformat())["descendants"] == {}
    assert detail(client, tree.X.code, at=EVE.isoformat())["descendants"] == {
        "cell": 2,
        "grassroots_cell": 1,
        "grassroots_committee": 1,
    }
    assert detail(client, tree.X.code, at=PRE.isoformat())["descendants"] == {
        "cell": 3,
        "grassroots_cell": 1,
        "grassroots_committee": 1,
    }
    # Without ``at``: today's tree.
    assert detail(client, tree.Y.code)["children"] == 1  # GY, ended, stays readable where it was


def test_children_listed_as_they_stood_that_day(tree, users, login, merged):
    client = login(users.province)
    assert children(client, tree.Y.code, at="2025-02-28") == [tree.GY.code]
    assert children(client, tree.Y.code, at="2025-03-01") == []
    assert children(client, tree.X.code, at="2025-02-28") == [tree.GX.code, tree.GXC.code]
    assert children(client, tree.X.code, at="2025-03-01") == [tree.GXC.code, merged.code]
    assert children(client, merged.code, at="2025-02-28") == []
    assert children(client, merged.code, at="2025-03-01") == [tree.CXA.code, tree.CXB.code, tree.CYA.code]


def test_items_carry_their_dates_and_an_ended_one_its_successors(tree, users, login, merged):
    client = login(users.province)
    gx = detail(client, tree.GX.code)
    assert (gx["valid_from"], gx["valid_to"]) == (None, "2025-02-28")
    assert gx["successors"] == [{"code": "T.X.M", "name": "Đảng bộ xã Ân Nghĩa", "since": "2025-03-01", "whole": True}]
    m = detail(client, merged.code)
    assert (m["valid_from"], m["valid_to"]) == ("2025-03-01", None) and "successors" not in m
    listed = client.get(reverse("organizations:api-list"), {"parent": tree.Y.code}).json()["results"]
    assert listed[0]["successors"][0]["code"] == "T.X.M"
    assert detail(client, merged.code, at="2025-02-28")["existed"] is False


def test_a_moved_subtree_counts_under_its_old_parent_before_the_move(tree, users, login):
    decision = decision_new(number="13-QĐ/TU", date=PRE, issued_by=tree.P)
    org_move(tree.GX, new_parent=tree.Y, decision=decision, effective_date=PRE)
    client = login(users.province)
    assert detail(client, tree.X.code, at=EVE.isoformat())["descendants"] == {
        "cell": 2,
        "grassroots_cell": 1,
        "grassroots_committee": 1,
    }
    assert detail(client, tree.X.code, at=PRE.isoformat())["descendants"] == {"grassroots_cell": 1}
    assert children(client, tree.Y.code, at=EVE.isoformat()) == [tree.GY.code]


@pytest.mark.parametrize("bad", ["2025-13-01", "01/07/2025", "hôm nay"])
def test_a_bad_date_is_refused_with_a_message_naming_the_field(tree, users, login, bad):
    client = login(users.province)
    for response in (
        client.get(reverse("organizations:api-detail", args=[tree.P.code]), {"at": bad}),
        client.get(reverse("organizations:api-list"), {"parent": tree.P.code, "at": bad}),
    ):
        assert response.status_code == 400
        assert "“at”" in response.json()["detail"]


def test_outside_the_scope_is_404_at_any_date(tree, users, login, merged):
    client = login(users.district_y)
    assert client.get(reverse("organizations:api-detail", args=[tree.X.code]), {"at": "2025-02-28"}).status_code == 404
