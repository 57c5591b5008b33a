"""A user whose scope holds several provinces gets all of them on /dashboard/."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.quotas.models import Quota
from tests.fixtures import build_small_province, make_user
from tests.members.factories import admit

pytestmark = pytest.mark.django_db
D = datetime.date


def test_the_national_dashboard_sums_every_province_in_a_fixed_number_of_queries(
    client, tree, django_assert_num_queries
):
    other = build_small_province("U")
    admit(tree.CXA, D(2022, 3, 1))
    admit(tree.CYA, D(2022, 4, 1))
    admit(other.CXB, D(2022, 5, 1))
    Quota.objects.create(organization=tree.P, year=2022, target=4)
    Quota.objects.create(organization=other.P, year=2022, target=2)
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    with CaptureQueriesContext(connection) as two:
        response = client.get("/dashboard/?from=2022-01-01&to=2022-12-31")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Tỉnh T Hòa Bình" in html and "Tỉnh U Hòa Bình" in html
    assert 'data-testid="admitted">3<' in html and 'data-testid="quota">6<' in html
    assert 'data-testid="rate">50,00%<' in html
    result = response.context["result"]
    assert [(r.org.code, r.admitted, r.quota) for r in result.rows] == [("T", 2, 4), ("U", 1, 2)]
    assert result.members_end["total"] == 3 and result.grassroots_admitting == 3
    build_small_province("V")
    with django_assert_num_queries(len(two.captured_queries)):
        assert client.get("/dashboard/?from=2022-01-01&to=2022-12-31").status_code == 200


def test_a_user_with_one_province_still_lands_on_its_dashboard(login, users, tree):
    assert login(users.province).get("/dashboard/").url == "/dashboard/T/"


def test_bad_dates_on_the_national_dashboard_are_explained(client, tree):
    build_small_province("U")
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    response = client.get("/dashboard/?from=2022-13-01")
    assert response.status_code == 200 and "không hợp lệ" in response.content.decode()


def test_the_national_share_of_grassroots_admitting_is_the_same_off_the_yearly_facts(tree):
    from reports import analytics
    from reports.periods import Period

    other = build_small_province("U")
    admit(tree.CXA, D(2022, 3, 1))
    admit(tree.GXC, D(2022, 4, 1))
    admit(other.CYA, D(2021, 5, 1))
    whole = analytics.national([tree.P, other.P], Period.year(2022))
    part = analytics.national([tree.P, other.P], Period(D(2022, 1, 1), D(2022, 12, 30)))
    assert analytics.on_yearly_facts([whole.period], "then") and not analytics.on_yearly_facts([part.period], "then")
    assert (whole.grassroots_total, whole.grassroots_admitting, whole.prev_grassroots_admitting) == (6, 2, 1)
    assert (part.grassroots_total, part.grassroots_admitting) == (6, 2)
