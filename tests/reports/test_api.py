import datetime

import pytest

from demo.tree import seed_tree
from organizations.models import Organization
from reports.dashboards import DASHBOARD_PAGE_SIZE
from tests.fixtures import make_user
from tests.members.factories import admit


def test_achievement_api_shape_and_rate_strings(login, users, tree, admissions):
    data = login(users.province).get("/api/reports/achievement?org=T&from=2022-01-01&to=2022-12-31").json()
    assert {k: data[k] for k in ("org", "name", "from", "to", "admitted", "quota", "rate")} == {
        "org": "T",
        "name": "Tỉnh T Hòa Bình",
        "from": "2022-01-01",
        "to": "2022-12-31",
        "admitted": 3,
        "quota": 6,
        "rate": "50.00",
    }
    assert data["children"] == [
        {
            "org": "T.X",
            "name": "Huyện Lạc Sơn",
            "kind": "district",
            "admitted": 2,
            "quota": 3,
            "rate": "66.67",
            "previous_admitted": 3,
            "previous_rate": "150.00",
        },
        {
            "org": "T.Y",
            "name": "Huyện Mai Châu",
            "kind": "district",
            "admitted": 1,
            "quota": 3,
            "rate": "33.33",
            "previous_admitted": 0,
            "previous_rate": "0.00",
        },
    ]


def test_achievement_api_with_kinds_totals_over_those_children(login, users, tree, admissions):
    data = (
        login(users.province)
        .get("/api/reports/achievement?org=T.X&from=2021-01-01&to=2022-12-31&kinds=grassroots_committee")
        .json()
    )
    assert [c["org"] for c in data["children"]] == ["T.X.1"]
    assert (data["admitted"], data["quota"], data["rate"]) == (4, 1, "400.00")


def test_api_scope_and_login(client, users, tree):
    assert client.get("/api/reports/achievement?org=T").status_code == 403
    client.force_login(users.district_x)
    for url in ("achievement", "new-members", "exits"):
        assert client.get(f"/api/reports/{url}?org=T.Y&from=2022-01-01&to=2022-12-31").status_code == 404
        assert client.get(f"/api/reports/{url}?org=T.X&from=2022-01-01&to=2022-12-31").status_code == 200


@pytest.mark.parametrize(
    "query,message",
    [
        ("org=T&from=2022-02-30&to=2022-12-31", "không hợp lệ"),
        ("org=T&from=2022-12-31&to=2022-01-01", "không được trước"),
        ("org=T&kinds=village", "không có"),
        ("from=2022-01-01", "Thiếu tham số"),
    ],
)
def test_api_bad_input_is_400_with_a_vietnamese_message(login, users, query, message):
    response = login(users.province).get(f"/api/reports/achievement?{query}")
    assert response.status_code == 400 and message in response.json()["detail"]


def test_new_members_api(login, users, tree, admissions):
    data = login(users.province).get("/api/reports/new-members?org=T&from=2022-01-01&to=2022-12-31").json()
    assert data["total"] == 3
    assert data["professional_qualification"] == {
        "none": 1,
        "technical_worker": 0,
        "intermediate": 0,
        "college": 0,
        "university": 2,
        "master": 0,
        "doctor": 0,
    }
    assert data["sex"] == {"male": 1, "female": 2}
    # Three new members: the office may not read ethnicity, so the breakdown is hidden (issue 15);
    # an administrator, who may, sees the counts.
    assert set(data["ethnicity"]["suppressed"]) == set(data["ethnicity"]) - {"suppressed"}
    admin = make_user("root", is_superuser=True)
    admin_data = login(admin).get("/api/reports/new-members?org=T&from=2022-01-01&to=2022-12-31").json()
    assert admin_data["ethnicity"] == {"kinh": 1, "muong": 2}
    assert data["age_band"]["31-40"] == 3  # born 17/05/1990
    assert data["general_education"]["upper_secondary"] == 3
    assert set(data["sector"]) >= {
        "civil_servant",
        "public_employee",
        "worker",
        "farmer",
        "student",
        "armed_forces",
        "private_enterprise",
    }


def test_age_band_uses_full_years_on_the_decision_day(login, users, tree):
    admit(tree.CXA, datetime.date(2022, 5, 16), date_of_birth=datetime.date(1991, 5, 17))  # 30 the day before 31
    admit(tree.CXA, datetime.date(2022, 5, 17), date_of_birth=datetime.date(1991, 5, 17))  # 31 that day
    data = login(users.province).get("/api/reports/new-members?org=T&from=2022-01-01&to=2022-12-31").json()
    assert (data["age_band"]["18-30"], data["age_band"]["31-40"]) == (1, 1)


def test_exits_api(login, users, tree, admissions):
    from members.models import EventKind
    from members.services import membership_record_event

    membership_record_event(admissions["x2022"][0], kind=EventKind.DIED, effective_date=datetime.date(2022, 8, 1))
    data = login(users.province).get("/api/reports/exits?org=T&from=2022-01-01&to=2022-12-31").json()
    assert data["exits"]["died"] == {"total": 1, "probationary": 1}
    assert data["exits"]["struck_off"] == {"total": 0, "probationary": 0}
    assert (data["total"], data["probationary"], data["admitted"]) == (1, 1, 3)
    assert data["net_growth"] == 2


def test_query_count_is_the_same_for_13_children_and_3184_cells(client, django_assert_num_queries, db):
    from demo.tree import seed_accounts
    from organizations.models import Role
    from tests.fixtures import make_user

    seed_tree()
    seed_accounts()
    hb = Organization.objects.get(code="HB")
    admit(Organization.objects.get(code="HB.TP.001.01"), datetime.date(2022, 3, 1))
    admit(Organization.objects.get(code="HB.KH.001.P1.01"), datetime.date(2022, 3, 1))
    user = make_user("prov_q", Role.Kind.PROVINCE_OFFICE, hb)
    client.force_login(user)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for label, query in [("children", ""), ("cells", "&kinds=cell&levels=all")]:
        # Every request computes its figures from the facts: nothing is kept between requests.
        connection.queries_log.clear()  # the log keeps 9,000 queries: the seeding filled it
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(f"/dashboard/HB/?from=2022-01-01&to=2022-12-31{query}")
        assert response.status_code == 200
        counts[label] = len(ctx.captured_queries)
    assert counts["children"] == counts["cells"] > 5
    html = response.content.decode()
    # every cell is in the figures; the page shows one page of them (issue 19) and their total
    assert response.context["result"].row_count == 3184
    assert html.count('<td data-label="Tổ chức">') == DASHBOARD_PAGE_SIZE
    assert f"trên {3184:,} tổ chức".replace(",", ".") in html
    connection.queries_log.clear()
    with django_assert_num_queries(counts["children"]):
        client.get("/dashboard/HB/?from=2022-01-01&to=2022-12-31&kinds=district,city")
