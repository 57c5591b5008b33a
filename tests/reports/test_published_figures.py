"""Every figure published for Hòa Bình, computed from the seeded demo records through the report
views and the API. One seeded database for the whole module (seeding costs seconds)."""

import io
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from demo.management.commands.seed_demo import demo_steps
from partydev.figures import PUBLISHED
from tests.fixtures import constraints_checked_once

pytestmark = pytest.mark.skipif(
    not {"members", "quotas"} <= {key for key, _, _ in demo_steps(1)},
    reason="the demo has no members and quotas steps yet",
)

DISTRICT_LEVEL = "kinds=district,city"
PERIODS = {
    "2016-2022": ("2016-01-01", "2022-12-31"),
    "2021": ("2021-01-01", "2021-12-31"),
    "2022": ("2022-01-01", "2022-12-31"),
}


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", only="members", stdout=io.StringIO())  # tree, quotas, members
        constraints_checked_once()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def province(demo, db, client):
    client.force_login(get_user_model().objects.get(username="province"))
    return client


def vi(rate: str) -> str:
    return rate.replace(".", ",") + "%"


@pytest.mark.parametrize("figure", PUBLISHED["admissions_district_level_committees"], ids=lambda f: f["period"])
def test_district_level_committees_through_api_and_dashboard(province, figure):
    date_from, date_to = PERIODS[figure["period"]]
    data = province.get(f"/api/reports/achievement?org=HB&from={date_from}&to={date_to}&{DISTRICT_LEVEL}").json()
    assert (data["admitted"], data["quota"], data["rate"]) == (figure["admitted"], figure["quota"], figure["rate"])
    assert len(data["children"]) == PUBLISHED["structure"]["district_level_committees_of_which"]
    assert sum(c["admitted"] for c in data["children"]) == figure["admitted"]
    html = province.get(f"/dashboard/HB/?from={date_from}&to={date_to}&{DISTRICT_LEVEL}").content.decode()
    assert f'data-testid="rate">{vi(figure["rate"])}<' in html
    assert f'data-testid="total-rate">{vi(figure["rate"])}<' in html
    assert f'data-testid="admitted">{figure["admitted"]:,}<'.replace(",", ".") in html


def test_province_first_half_of_2023_against_the_annual_quota(province):
    figure = PUBLISHED["admissions_province_wide"][0]
    data = province.get("/api/reports/achievement?org=HB&from=2023-01-01&to=2023-06-30").json()
    assert (data["admitted"], data["quota"], data["rate"]) == (
        figure["admitted"],
        figure["annual_quota"],
        figure["rate"],
    )
    html = province.get("/dashboard/HB/?from=2023-01-01&to=2023-06-30").content.decode()
    assert f'data-testid="rate">{vi(figure["rate"])}<' in html


def test_members_at_the_end_of_2022(province):
    figure = PUBLISHED["members_at_2022-12-31"]
    data = province.get("/api/reports/achievement?org=HB&from=2022-01-01&to=2022-12-31").json()
    assert data["members_at_end"] == {
        "total": figure["total"],
        "official": figure["official"],
        "probationary": figure["probationary"],
    }
    html = province.get("/dashboard/HB/?from=2022-01-01&to=2022-12-31").content.decode()
    assert 'data-testid="members">69.190<' in html
    assert "chính thức 67.155, dự bị 2.035" in html


LEVELS = {
    "technical worker / clerical staff": "technical_worker",
    "intermediate (trung cap)": "intermediate",
    "college (cao dang)": "college",
    "university (dai hoc)": "university",
    "master (thac si)": "master",
}


def test_new_members_of_2022_through_api_and_page(province):
    figure = PUBLISHED["new_members_2022_province_wide"]
    data = province.get("/api/reports/new-members?org=HB&from=2022-01-01&to=2022-12-31").json()
    assert data["total"] == figure["total"]
    for line in figure["professional_qualification"]:
        assert data["professional_qualification"][LEVELS[line["level"]]] == line["count"]
    share = Decimal(data["general_education"]["upper_secondary"]) * 100 / data["total"]
    assert share > Decimal(figure["upper_secondary_general_education_share_over"])
    html = province.get("/reports/HB/new-members/?from=2022-01-01&to=2022-12-31").content.decode()
    assert 'data-testid="total">1.636<' in html
    for line in figure["professional_qualification"]:
        key = LEVELS[line["level"]]
        row = html.split(f'data-key="{key}"')[1].split("</tr>")[0]
        assert f">{line['count']}<" in row and f">{vi(line['share'])}<" in row


def test_achievement_export_of_the_term(province, inline_exports):
    # The province's table is written by a worker (tests/tasks proves its file is this inline one).
    response = province.get(f"/dashboard/HB/?from=2016-01-01&to=2022-12-31&{DISTRICT_LEVEL}&format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    total = [r for r in ws.iter_rows(values_only=True) if r[0] == "Cộng các tổ chức được chọn"][0]
    assert total[2:5] == (10980, 12410, pytest.approx(0.8848))


def test_exits_of_2022_add_up(province):
    data = province.get("/api/reports/exits?org=HB&from=2022-01-01&to=2022-12-31").json()
    assert data["total"] == sum(v["total"] for v in data["exits"].values())
    assert data["net_growth"] == data["members_after"]["total"] - data["members_before"]["total"]
    assert data["members_after"]["total"] == PUBLISHED["members_at_2022-12-31"]["total"]


@pytest.mark.parametrize("as_", ["then", "now"])
def test_the_published_figures_both_ways_by_the_exact_calls(province, as_):
    """Issue 16: the same figures with ``as=then`` (the default) and ``as=now`` (Hòa Bình's
    seeded history has no restructuring, so today's organisations are those of the time)."""
    term = next(f for f in PUBLISHED["admissions_district_level_committees"] if f["period"] == "2016-2022")
    data = province.get(
        f"/api/reports/achievement?org=HB&from=2016-01-01&to=2022-12-31&kinds=district,city&as={as_}"
    ).json()
    assert (data["as"], data["admitted"], data["quota"], data["rate"]) == (
        as_,
        term["admitted"],
        term["quota"],
        term["rate"],
    )
    figure = PUBLISHED["members_at_2022-12-31"]
    members = province.get(f"/api/reports/members?org=HB&at=2022-12-31&as={as_}").json()
    assert (members["total"], members["official"], members["probationary"]) == (
        figure["total"],
        figure["official"],
        figure["probationary"],
    )
