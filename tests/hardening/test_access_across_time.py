"""The access matrix across a restructuring: scope is today's subtree, reaching back by the cells.

The small province, restructured on 01/03/2025:
- GX (X) split: its cell CXA goes to GX1 (under X), its cell CXB to GX2 (under Y);
- GX2 and GY then merged into GM (under Y), cells keeping their ids;
- cell CYA absorbed into CYB, a cell of GM (its members moved by a collective transfer).

Then, for an ended organisation: a user *inside* (every successor in their subtree) reads it whole,
a user *partly inside* (some successors) reads it with the page saying its figures are partial and
sees nothing of the cells that went elsewhere, a user *outside* gets 404 as for a code that does not
exist. Every organisation-scoped page of the matrix is walked with the ended organisations' codes.
"""

import datetime

import pytest

from members.models import MembershipPeriod
from organizations.models import PART, WHOLE, Kind, Organization, ended_extents, readable_extent, subtree_q
from organizations.restructure import decision_new, org_merge, org_split
from organizations.services import organization_create
from tests.candidates.factories import official_member
from tests.fixtures import make_user

from .urlwalk import endpoints

pytestmark = pytest.mark.django_db
D = datetime.date
DAY = D(2025, 3, 1)
LATER = D(2025, 4, 1)


def decide(tree, day=DAY):
    return decision_new(number="9-QĐ/TU", date=day, issued_by=tree.P)


@pytest.fixture
def restructured(tree, users):
    people = {
        "CXA": official_member(tree.CXA, full_name="Lò Văn Ở Lại"),
        "CXB": official_member(tree.CXB, full_name="Quàng Thị Đi Xa"),
        "CYA": official_member(tree.CYA, full_name="Hà Văn Sáp Nhập"),
    }
    cyb = organization_create(parent=tree.GY, code="T.Y.1.B", name="Chi bộ bản Đồn", kind=Kind.CELL)
    org_split(
        tree.GX,
        successors=[
            {"parent": tree.X, "code": "T.X.1N", "name": "Đảng bộ xã Ân Nghĩa Bắc", "kind": Kind.GRASSROOTS_COMMITTEE},
            {"parent": tree.Y, "code": "T.Y.1N", "name": "Đảng bộ xã Ân Nghĩa Nam", "kind": Kind.GRASSROOTS_COMMITTEE},
        ],
        children={tree.CXA.pk: 0, tree.CXB.pk: 1},
        decision=decide(tree),
        effective_date=DAY,
    )
    gx2 = Organization.objects.get(code="T.Y.1N")
    org_merge([tree.CYA], into=cyb, decision=decide(tree), effective_date=DAY)
    org_merge(
        [gx2, tree.GY],
        new={"parent": tree.Y, "code": "T.Y.M", "name": "Đảng bộ xã Bao La mới", "kind": Kind.GRASSROOTS_COMMITTEE},
        decision=decide(tree, LATER),
        effective_date=LATER,
    )
    gm_staff = make_user("gm_staff", "grassroots_staff", Organization.objects.get(code="T.Y.M"))
    return dict(people=people, gx2=gx2, gm_staff=gm_staff, users=users)


def test_extents_whole_part_and_none(tree, restructured):
    users = restructured["users"]
    gx, gy, cya, gx2 = (Organization.objects.get(pk=o.pk) for o in (tree.GX, tree.GY, tree.CYA, restructured["gx2"]))
    # The province holds every successor; district Y holds GM (all of GY and GX2, part of GX).
    assert readable_extent(users.province, gx) == WHOLE
    assert ended_extents(users.district_y) == {gx.pk: PART, gx2.pk: WHOLE, gy.pk: WHOLE, cya.pk: WHOLE}
    assert ended_extents(users.district_x) == {gx.pk: PART}
    assert readable_extent(restructured["gm_staff"], gy) == WHOLE
    assert readable_extent(users.district_x, gy) is None
    assert readable_extent(users.secretary_a, gx) is None  # a cell's secretary: none of GX's successors


def test_the_history_of_a_merged_cell_is_read_by_its_successors_scope_only(tree, restructured):
    users = restructured["users"]
    moved = restructured["people"]["CYA"]
    old_period = MembershipPeriod.objects.get(membership=moved, cell_id=tree.CYA.pk, end=DAY)
    for user in (users.district_y, restructured["gm_staff"]):
        assert MembershipPeriod.objects.filter(subtree_q(user, "cell"), pk=old_period.pk).exists()
    assert not MembershipPeriod.objects.filter(subtree_q(users.district_x, "cell"), pk=old_period.pk).exists()


# The organisation-scoped pages of the access matrix (a code in the URL or ?org=).
ORG_PAGES = [e.route for e in endpoints() if "<str:code>" in e.route and "<int:" not in e.route]
SKIP = {
    "orgs/<str:code>/restructure/": "restructuring an ended organisation is refused; the matrix covers who may",
    "candidates/export/<str:code>.xlsx": "file export: covered with live organisations by test_exports.py",
    "followup/thresholds/<str:code>/": "a province's own page",
    "documents/statistics/<str:code>/new-members.xlsx": "file export: covered with live organisations by tests/documents",
    "documents/statistics/<str:code>/admissions.xlsx": "file export: covered with live organisations by tests/documents",
    "documents/cultivation/<str:code>/": "issuing a paper: who may issue is the matrix's; an ended organisation issues none",
}


def _get(client, route, code):
    return client.get("/" + route.replace("<str:code>", code))


@pytest.mark.parametrize("route", [r for r in ORG_PAGES if r not in SKIP])
def test_an_ended_organisation_inside_partly_inside_and_outside(route, tree, restructured, client):
    users = restructured["users"]
    gy, gx = tree.GY.code, tree.GX.code
    client.force_login(users.district_y)  # inside for GY (its successor GM is theirs)
    inside = _get(client, route, gy)
    assert inside.status_code == 200, (route, inside.status_code)
    partly = _get(client, route, gx)  # partly inside for GX (half of it went to X)
    assert partly.status_code == 200, (route, partly.status_code)
    text = partly.content.decode()
    assert "Lò Văn Ở Lại" not in text and "Ân Nghĩa Bắc" not in text  # nothing of what went elsewhere
    client.force_login(users.district_x)  # outside for GY: as for a code that does not exist
    assert _get(client, route, gy).status_code == 404
    assert _get(client, route, "KHONG.CO").status_code == 404


def test_the_browser_says_a_split_organisation_is_read_in_part_and_names_its_successors(tree, restructured, client):
    users = restructured["users"]
    client.force_login(users.district_x)
    page = client.get(f"/orgs/{tree.GX.code}/").content.decode()
    assert 'data-testid="partial"' in page and "Ân Nghĩa Bắc" in page and "Ân Nghĩa Nam" not in page
    client.force_login(users.province)
    page = client.get(f"/orgs/{tree.GX.code}/").content.decode()
    assert 'data-testid="partial"' not in page and "Ân Nghĩa Nam" in page and "đã kết thúc 28/02/2025" in page
    page = client.get("/orgs/T.Y.M/").content.decode()
    assert "Hình thành từ" in page and "Đảng bộ xã Bao La" in page
