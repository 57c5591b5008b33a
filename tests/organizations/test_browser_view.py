import pytest
from django.urls import reverse

from organizations.models import Kind
from organizations.services import organization_create
from tests.fixtures import make_user

pytestmark = pytest.mark.django_db


def test_browser_shows_children_with_rollups_and_breadcrumbs(tree, users, login):
    response = login(users.district_x).get(reverse("reports:browser-org", args=[tree.GX.code]))
    page = response.content.decode()
    assert tree.CXA.name in page and tree.CXB.name in page
    assert f'href="{reverse("reports:browser-org", args=[tree.X.code])}"' in page  # crumb back up
    assert tree.P.name not in page  # above the user's scope


def test_browser_opens_at_the_users_root(tree, users, login):
    client = login(users.district_x)
    response = client.get(reverse("reports:browser"), follow=True)
    assert response.redirect_chain[-1][0] == reverse("reports:browser-org", args=[tree.X.code])


def test_each_role_lands_on_its_first_screen(tree, users, login):
    from organizations.models import Role
    from tests.fixtures import make_user

    assert login(users.district_x).get("/", follow=True).redirect_chain[-1][0] == reverse(
        "reports:dashboard-org", args=[tree.X.code]
    )
    assert login(users.province).get("/", follow=True).redirect_chain[-1][0] == reverse(
        "reports:dashboard-org", args=[tree.P.code]
    )
    assert login(users.secretary_a).get("/").url == reverse("candidates:worklist")
    plain = make_user("plain_admin", Role.Kind.ADMIN, tree.P)
    assert login(plain).get("/").url == reverse("reports:browser")


def _district_with_cells(code, n_cells):
    from organizations.models import Organization

    province = Organization.objects.get(code="T")
    district = organization_create(parent=province, code=code, name=f"Huyện {code}", kind=Kind.DISTRICT)
    for g in range(max(1, n_cells // 50)):
        grassroots = organization_create(
            parent=district, code=f"{code}.{g}", name=f"Xã {g}", kind=Kind.GRASSROOTS_COMMITTEE
        )
        per = n_cells // max(1, n_cells // 50)
        for i in range(per):
            organization_create(parent=grassroots, code=f"{code}.{g}.{i}", name=f"Chi bộ {i}", kind=Kind.CELL)
    return district


def test_query_count_does_not_grow_with_the_tree(tree, django_assert_num_queries, client):
    small = _district_with_cells("S", 5)
    big = _district_with_cells("B", 500)
    user = make_user("bench", "province_office", tree.P)
    client.force_login(user)
    url_small = reverse("reports:browser-org", args=[small.code])
    url_big = reverse("reports:browser-org", args=[big.code])
    client.get(url_small)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url_small).status_code == 200
    with django_assert_num_queries(len(ctx.captured_queries)):
        assert client.get(url_big).status_code == 200
