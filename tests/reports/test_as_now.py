"""Reports across a restructuring: ``as=then`` (the default: the tree as it stood in the period)
and ``as=now`` (history mapped onto today's organisations through the recorded successions).

The small province of tests/fixtures.py; in 2025 one member admitted in CXA (under GX, district
X), one in CYA (under GY, district Y), one struck off in CYA; quotas GX 5, GY 3. On 01/03/2025
GX and GY merge into M under X (their cells move with their ids) and cell CXB is absorbed into
CXA (its members by a collective transfer).
"""

import datetime

import pytest
from django.urls import reverse

from members.models import EventKind
from members.quotas.services import quota_set
from members.services import membership_record_event
from organizations.models import Kind
from organizations.restructure import decision_new, org_merge
from tests.members.factories import admit

D = datetime.date
pytestmark = pytest.mark.django_db
REFORM = D(2025, 3, 1)
YEAR = {"from": "2025-01-01", "to": "2025-12-31"}


@pytest.fixture
def history(tree):
    admit(tree.CXA, D(2025, 2, 10))
    admit(tree.CYA, D(2025, 2, 11))
    admit(tree.CXB, D(2025, 2, 12))
    gone = admit(tree.CYA, D(2024, 5, 2))
    membership_record_event(gone, kind=EventKind.STRUCK_OFF, effective_date=D(2025, 2, 20), reason="không đủ tư cách")
    quota_set(organization=tree.GX, year=2025, target=5)
    quota_set(organization=tree.GY, year=2025, target=3)
    decision = decision_new(number="15-QĐ/TU", date=REFORM, issued_by=tree.P)
    org_merge([tree.CXB], into=tree.CXA, decision=decision, effective_date=REFORM)
    new = {"parent": tree.X, "code": "T.X.M", "name": "Đảng bộ xã Ân Nghĩa", "kind": Kind.GRASSROOTS_COMMITTEE}
    return org_merge([tree.GX, tree.GY], new=new, decision=decision, effective_date=REFORM).operation.organization


def get(client, name, **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200, response.content
    return response.json()


def achievement(client, code, **params):
    return get(client, "reports:api-achievement", org=code, **YEAR, **params)


def test_the_merged_committee_reports_from_its_start_then_and_its_whole_history_now(tree, users, login, history):
    client = login(users.province)
    then = achievement(client, history.code)
    assert (then["as"], then["admitted"], then["valid_from"]) == ("then", 0, "2025-03-01")
    assert [(p["code"], p["url"]) for p in then["predecessors"]] == [
        (tree.GX.code, f"/api/organizations/{tree.GX.code}"),
        (tree.GY.code, f"/api/organizations/{tree.GY.code}"),
    ]
    now = achievement(client, history.code, **{"as": "now"})
    assert (now["as"], now["admitted"], now["quota"], now["rate"]) == ("now", 3, 8, "37.50")
    assert "predecessors" not in now


def test_a_district_keeps_its_history_then_and_loses_it_now(tree, users, login, history):
    client = login(users.province)
    assert achievement(client, tree.Y.code)["admitted"] == 1
    assert achievement(client, tree.Y.code, **{"as": "now"})["admitted"] == 0
    assert achievement(client, tree.X.code)["admitted"] == 2
    assert achievement(client, tree.X.code, **{"as": "now"})["admitted"] == 3


def test_totals_add_up_both_ways(tree, users, login, history):
    client = login(users.province)
    for as_ in ("then", "now"):
        data = achievement(client, tree.P.code, **{"as": as_})
        assert data["admitted"] == 3
        assert sum(c["admitted"] for c in data["children"]) == 3


def test_an_absorbed_cell_counts_in_the_cell_that_took_it_over_now(tree, users, login, history):
    client = login(users.province)
    assert achievement(client, tree.CXA.code)["admitted"] == 1
    assert achievement(client, tree.CXA.code, **{"as": "now"})["admitted"] == 2
    quality = get(client, "reports:api-new-members", org=tree.CXA.code, **YEAR, **{"as": "now"})
    assert (quality["as"], quality["total"]) == ("now", 2)


def test_exits_follow_the_cells_now(tree, users, login, history):
    client = login(users.province)
    then = get(client, "reports:api-exits", org=tree.Y.code, **YEAR)
    now = get(client, "reports:api-exits", org=tree.Y.code, **YEAR, **{"as": "now"})
    assert (then["exits"]["struck_off"]["total"], now["exits"]["struck_off"]["total"]) == (1, 0)
    merged = get(client, "reports:api-exits", org=history.code, **YEAR, **{"as": "now"})
    assert merged["exits"]["struck_off"]["total"] == 1


def test_members_at_a_date_both_ways(tree, users, login, history):
    client = login(users.province)
    then = get(client, "members:api-counts", org=tree.Y.code, at="2025-02-28")
    now = get(client, "members:api-counts", org=tree.Y.code, at="2025-02-28", **{"as": "now"})
    assert (then["total"], now["total"]) == (1, 0)
    assert get(client, "members:api-counts", org=history.code, at="2025-02-28", **{"as": "now"})["total"] == 3


@pytest.mark.parametrize("name", ["reports:api-achievement", "reports:api-exits", "reports:api-new-members"])
def test_a_bad_as_is_refused_naming_the_field(tree, users, login, name):
    response = login(users.province).get(reverse(name), {"org": tree.P.code, "as": "hôm qua"})
    assert response.status_code == 400 and "“as”" in response.json()["detail"]


def test_the_report_pages_take_as_and_say_when_an_organisation_began(tree, users, login, history):
    client = login(users.province)
    url = reverse("reports:dashboard-org", args=[history.code])
    then = client.get(url, YEAR).content.decode()
    assert "thành lập từ ngày 01/03/2025" in then
    assert reverse("reports:dashboard-org", args=[tree.GX.code]) in then
    now = client.get(url, {**YEAR, "as": "now"}).content.decode()
    assert "thành lập từ ngày" not in now and 'value="now" selected' in now
    for name in ("reports:exits", "reports:new-members"):
        page = client.get(reverse(name, args=[history.code]), {**YEAR, "as": "now"})
        assert page.status_code == 200
    bad = client.get(url, {**YEAR, "as": "x"}).content.decode()
    assert "Tham số “as” chỉ nhận" in bad
