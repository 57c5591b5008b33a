"""The demo quotas against published-figures.json, on one seeded database for the module."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Sum

from demo.quotas import seed_quotas
from members.quotas.models import Quota
from members.quotas.selectors import children_quota_sums, under_allocated
from organizations.models import DISTRICT_LEVEL_KINDS, Organization
from partydev.figures import PUBLISHED
from tests.fixtures import constraints_checked_once


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("seed_demo", only="quotas", stdout=io.StringIO())
        constraints_checked_once()
        yield
        transaction.set_rollback(True)


def district_level_target(years):
    committees = Organization.objects.filter(depth=2, kind__in=DISTRICT_LEVEL_KINDS, code__startswith="HB.")
    assert committees.count() == PUBLISHED["structure"]["district_level_committees_of_which"]
    return Quota.objects.filter(organization__in=committees, year__in=years).aggregate(t=Sum("target"))["t"]


def test_district_level_targets_match_the_published_quotas(demo, db):
    published = {row["period"]: int(row["quota"]) for row in PUBLISHED["admissions_district_level_committees"]}
    assert district_level_target(range(2016, 2023)) == published["2016-2022"] == 12410
    assert district_level_target([2021]) == published["2021"] == 1260
    assert district_level_target([2022]) == published["2022"] == 1390


def test_the_province_target_is_its_committees_sum_and_2082_in_2023(demo, db):
    province = Organization.objects.get(code="HB")
    published = int(PUBLISHED["admissions_province_wide"][0]["annual_quota"])
    assert Quota.objects.get(organization=province, year=2023).target == published == 2082
    for year in range(2016, 2024):
        own = Quota.objects.get(organization=province, year=year).target
        assert children_quota_sums([province], year)[province.path] == own


def test_quotas_are_spread_below_with_a_few_under_allocated(demo, db):
    province = Organization.objects.get(code="HB")
    flagged = {year: sorted(o.code for o, _, _ in under_allocated(province, year)) for year in range(2016, 2024)}
    assert flagged == {
        2016: [],
        2017: [],
        2018: [],
        2019: [],
        2020: [],
        2021: [],
        2022: ["HB.MC"],
        2023: ["HB.TP.001", "HB.YT"],
    }
    grassroots = Organization.objects.filter(
        code__startswith="HB.", kind__in=["grassroots_committee", "grassroots_cell"]
    )
    assert Quota.objects.filter(year=2023, organization__in=grassroots).count() > 400
    assert Quota.objects.filter(year=2023, organization__kind="cell").exists()
    assert seed_quotas() == 0  # idempotent


def test_the_province_template_lists_every_organisation(demo, db, client, inline_exports):
    from demo.tree import seed_accounts

    # The whole province's template is written by a worker (tests/tasks proves its file is this one).
    seed_accounts()
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="province"))
    response = client.get("/quotas/template?year=2024")
    ws = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)["Chỉ tiêu"]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert len(rows) == Organization.objects.filter(code__startswith="HB").count()
    assert rows[0][1] == "HB" and rows[0][7] == 2082  # last year's target for reference
