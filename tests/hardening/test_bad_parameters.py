"""Findings 5 and 9 of issue 15, case by case (the sweep over every URL pattern is
``test_hostile_input.py``).

5. ``/quotas/template?year=<html>`` and ``/quotas/<code>/?year=<html>`` echoed the raw input in a
   400 ``text/html`` to any signed-in user (the year was parsed before the permission check).
9. 500s on bad parameters: ``/quotas/?year=<invalid>``, ``from=0001-01-01`` on dashboards,
   reports, ``/followup/lists/`` and the report APIs, ``to=9999-12-31``,
   ``/members/?page=99999999999999999999``, ``/followup/assignments/<id>/9999-12/``.
"""

import pytest

from followup.models import Assignment, CommitteeMember
from members.quotas.models import Quota

pytestmark = pytest.mark.django_db

META = '<meta http-equiv="refresh" content="0;url=https://evil.example/">'


def test_a_year_in_html_is_escaped_and_read_after_the_permission_check(login, users, tree):
    setter = login(users.district_x)
    for url in ("/quotas/template", f"/quotas/{tree.X.code}/", "/quotas/"):
        answer = setter.get(url, {"year": META})
        assert answer.status_code == 400, url
        body = answer.content.decode()
        assert "<meta http-equiv" not in body and "&lt;meta http-equiv" in body, url
        assert "không phải là năm" in body
    # A cell secretary may not download the template: refused before the year is read.
    assert login(users.secretary_a).get("/quotas/template", {"year": META}).status_code == 403
    # Another district's page: 404 whatever the year.
    assert login(users.district_y).get(f"/quotas/{tree.X.code}/", {"year": META}).status_code == 404


@pytest.mark.parametrize("year", ["abc", "0", "-5", "99999999999999999999", "٢٠٢٤", "2024\u200b1"])
def test_the_quota_home_answers_400_for_a_bad_year(login, users, tree, year):
    answer = login(users.district_x).get("/quotas/", {"year": year})
    assert answer.status_code == 400
    assert "năm" in answer.content.decode()


def test_a_year_in_full_width_digits_is_read_as_ascii(login, users, tree):
    answer = login(users.district_x).get("/quotas/", {"year": "２０２４"})
    assert answer.status_code == 302 and answer["Location"].endswith("?year=2024")


@pytest.mark.parametrize("param", [{"from": "0001-01-01"}, {"to": "9999-12-31"}, {"from": "1899-12-31"}])
def test_far_dates_on_report_pages_are_explained(login, users, tree, param):
    client = login(users.province)
    for url in (
        f"/dashboard/{tree.P.code}/",
        f"/reports/{tree.P.code}/new-members/",
        f"/reports/{tree.P.code}/coverage/",
        f"/reports/{tree.P.code}/exits/",
        f"/followup/lists/{tree.P.code}/",
    ):
        answer = client.get(url, param)
        assert answer.status_code in (200, 400), url
        assert "quá xa" in answer.content.decode(), url


@pytest.mark.parametrize("param", [{"from": "0001-01-01"}, {"to": "9999-12-31"}, {"from": "2024-02-30"}])
def test_far_dates_on_the_api_answer_json_400(login, users, tree, param):
    client = login(users.province)
    for url in ("/api/reports/achievement", "/api/reports/new-members", "/api/reports/exits"):
        answer = client.get(url, {"org": tree.P.code, **param})
        assert answer.status_code == 400, url
        assert answer["Content-Type"].startswith("application/json")
        assert answer.json()["detail"]
    answer = client.get("/api/reports/members", {"org": tree.P.code, "at": "0001-01-01"})
    assert answer.status_code == 400 and answer.json()["detail"]


def test_api_not_found_is_json(login, users, tree):
    client = login(users.district_x)
    for url in (f"/api/reports/members?org={tree.Y.code}", f"/api/organizations/{tree.Y.code}", "/api/nothing-here"):
        answer = client.get(url)
        assert answer.status_code == 404, url
        assert answer["Content-Type"].startswith("application/json"), url
        assert answer.json() == {"detail": "Không tìm thấy."}


@pytest.mark.parametrize("page", ["99999999999999999999", "-1", "0", "abc"])
def test_a_page_number_out_of_range_is_a_400(login, users, tree, page):
    answer = login(users.district_x).get("/members/", {"org": tree.X.code, "page": page})
    assert answer.status_code == 400
    assert "trang" in answer.content.decode()
    assert login(users.district_x).get("/members/", {"org": tree.X.code, "page": "2"}).status_code == 200


def test_a_month_out_of_range_is_not_found(login, users, tree):
    member = CommitteeMember.objects.create(user=users.district_x, committee=tree.X, full_name="Cấp ủy viên")
    assignment = Assignment.objects.create(
        committee_member=member, organization=tree.GX, start="2024-01-01", created_by=users.province
    )
    client = login(users.district_x)
    for month in ("9999-12", "0001-01", "2024-13", "99999999999999999999-01"):
        assert client.get(f"/followup/assignments/{assignment.pk}/{month}/").status_code == 404, month
    assert Quota.objects.count() == 0


def test_huge_ids_and_numbers_in_forms_are_form_errors(login, users, tree):
    huge = "99999999999999999999"
    client = login(users.district_x)
    answer = client.post(
        "/followup/assignments/", {"a-committee_member": huge, "a-organization": tree.GX.code, "a-start": "2024-01-01"}
    )
    assert answer.status_code == 200
    answer = client.post(f"/quotas/{tree.CXA.code}/2024/edit/", {"target": huge})
    assert answer.status_code in (200, 400)
    assert not Quota.objects.exists()
