"""The demo alive today (issue 16): Hòa Bình, old Phú Thọ and Vĩnh Phúc from 2016, the reform of
01/07/2025 through the restructuring services, activity through today, and the published figures
both ways by exactly the calls of the issue.

The full seed takes minutes: it runs once for the module with ``PARTYDEV_DEMO_FULL=1`` (set by
``.ci/run`` on the SQLite pass). The plan of the reform is checked on the tree alone everywhere.
"""

import datetime
import io
import os
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from demo import reform as reform_demo
from demo.tree import ACCOUNT_TABLE, DEMO_PASSWORD
from members.models import EventKind, MembershipEvent
from organizations.models import Kind, Organization, Role, Succession, TreeOperation
from partydev.figures import PUBLISHED
from tests.fixtures import constraints_checked_once

D = datetime.date
TODAY = D(2026, 3, 16)
FULL = os.environ.get("PARTYDEV_DEMO_FULL") == "1"  # set by .ci/run on the SQLite pass
REFORM_FIGURES = PUBLISHED["reform_2025"]
PERIODS = {
    "2016-2022": ("2016-01-01", "2022-12-31"),
    "2021": ("2021-01-01", "2021-12-31"),
    "2022": ("2022-01-01", "2022-12-31"),
}


@pytest.mark.django_db
def test_the_plan_places_every_commune_once_and_every_district_splits_in_two_or_more():
    call_command("seed_demo", only="tree", stdout=io.StringIO())
    plan = reform_demo.plan()
    names = [n for ns in plan.values() for n in ns]
    rows = reform_demo.communes()
    assert sorted(names) == sorted(r["name"] for r in rows) and len(names) == 148
    assert all(len(ns) >= 2 for ns in plan.values())
    province_of = {r["name"]: r["former_province"] for r in rows}
    for district, ns in plan.items():
        assert {province_of[n] for n in ns} == {district.split(".")[0]}
        if Organization.objects.get(code=district).kind == Kind.DISTRICT:
            assert not any(n.startswith("Phường") for n in ns)
    assert plan["HB.TP"][0] == "Phường Hòa Bình"  # takes HB.TP.001, Đảng bộ phường Hợp Thành
    grassroots = {
        kind: Organization.objects.filter(code__regex=r"^(HB|PTC|VP)\.", kind=kind).count()
        for kind in (Kind.GRASSROOTS_COMMITTEE, Kind.GRASSROOTS_CELL)
    }
    structure = REFORM_FIGURES["structure"]
    assert grassroots == {
        Kind.GRASSROOTS_COMMITTEE: structure["grassroots_party_committees"],
        Kind.GRASSROOTS_CELL: structure["grassroots_cells"],
    }
    assert reform_demo.committee_name({"name": "Phường Hòa Bình"}) == "Đảng bộ phường Hòa Bình"


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    if not FULL:
        pytest.skip("the full demo seed runs with PARTYDEV_DEMO_FULL=1 (the SQLite pass of CI)")
    with django_db_blocker.unblock(), transaction.atomic():
        out = io.StringIO()
        call_command("seed_demo", today=TODAY.isoformat(), stdout=out)
        constraints_checked_once()
        yield out.getvalue()
        transaction.set_rollback(True)


@pytest.fixture
def province(demo, db, client):
    client.force_login(get_user_model().objects.get(username="province"))
    return client


@pytest.mark.parametrize("figure", PUBLISHED["admissions_district_level_committees"], ids=lambda f: f["period"])
def test_hoa_binh_district_level_committees_as_published(province, figure):
    date_from, date_to = PERIODS[figure["period"]]
    data = province.get(f"/api/reports/achievement?org=HB&from={date_from}&to={date_to}&kinds=district,city").json()
    assert (data["admitted"], data["quota"], data["rate"]) == (figure["admitted"], figure["quota"], figure["rate"])
    assert data["as"] == "then" and len(data["children"]) == 10


def test_hoa_binh_first_half_of_2023_and_members_at_the_end_of_2022(province):
    h1 = PUBLISHED["admissions_province_wide"][0]
    data = province.get("/api/reports/achievement?org=HB&from=2023-01-01&to=2023-06-30").json()
    assert (data["admitted"], data["quota"], data["rate"]) == (h1["admitted"], h1["annual_quota"], h1["rate"])
    members = province.get("/api/reports/members?org=HB&at=2022-12-31").json()
    published = PUBLISHED["members_at_2022-12-31"]
    assert (members["total"], members["official"], members["probationary"]) == (
        published["total"],
        published["official"],
        published["probationary"],
    )


def test_phu_tho_2025_admitted_and_removed_as_published(province):
    year = REFORM_FIGURES["year_2025_province_wide"]
    data = province.get("/api/reports/achievement?org=PT&from=2025-01-01&to=2025-12-31&as=now").json()
    assert data["admitted"] == year["admitted"]
    # the quota of 2025 was set by the three former provinces: their sum under as=now
    quotas = [
        province.get(f"/api/reports/achievement?org={code}&from=2025-01-01&to=2025-12-31").json()["quota"]
        for code in reform_demo.OLD_ROOTS
    ]
    assert data["quota"] == sum(quotas) > year["admitted"]
    exits = province.get("/api/reports/exits?org=PT&from=2025-01-01&to=2025-12-31&as=now").json()
    assert exits["removed"] == year["removed_from_party"]
    assert exits["removed"] == sum(exits["exits"][k]["total"] for k in ("struck_off", "left", "expelled"))
    by_august = MembershipEvent.objects.filter(
        kind=EventKind.ADMITTED, effective_date__range=(D(2025, 1, 1), D(2025, 8, 31))
    ).count()
    assert 2700 <= by_august <= 2900  # "about 2,800 by 31/08/2025"


def test_phu_tho_structure_on_the_first_day(province):
    structure = REFORM_FIGURES["structure"]
    data = province.get("/api/organizations/PT?at=2025-07-01").json()
    assert data["children"] == structure["committees_directly_under_province"]
    assert data["descendants"]["grassroots_committee"] == structure["grassroots_party_committees"]
    assert data["descendants"]["grassroots_cell"] == structure["grassroots_cells"]
    assert data["descendants"]["commune"] == structure["communes_and_wards"]
    pt = Organization.objects.get(code="PT")
    wards = [o for o in Organization.objects.get_children(pt) if o.kind == Kind.COMMUNE and o.is_ward]
    assert len(wards) == structure["wards"]
    members = province.get("/api/reports/members?org=PT&at=2025-07-01&as=now").json()
    assert structure["members_over"] < members["total"] < structure["members_over"] + 3000
    # the day before, the three former provinces (as=then) hold the same members
    before = [
        province.get(f"/api/reports/members?org={c}&at=2025-06-30").json()["total"] for c in reform_demo.OLD_ROOTS
    ]
    after_day_one = province.get("/api/reports/members?org=PT&at=2025-06-30&as=now").json()["total"]
    assert sum(before) == after_day_one


def test_the_reform_went_through_the_services(demo, db):
    ops = TreeOperation.objects.filter(effective_date=reform_demo.REFORM)
    assert ops.filter(kind=TreeOperation.Kind.CREATE).count() == 1 + 148 + 2
    assert ops.filter(kind=TreeOperation.Kind.SPLIT).count() == 32 + 3  # the district-level committees, the blocs
    assert ops.filter(kind=TreeOperation.Kind.ABSORB).count() == 1
    for code in reform_demo.OLD_ROOTS:
        old = Organization.objects.get(code=code)
        assert old.valid_to == D(2025, 6, 30)
        assert Succession.objects.filter(predecessor=old, successor__code="PT").exists()
    # tree rows, not one event per member: nobody's history gained an event on 01/07/2025
    assert not MembershipEvent.objects.filter(effective_date=reform_demo.REFORM, kind=EventKind.TRANSFERRED_IN).exists()


def test_as_then_a_commune_reports_from_its_start_and_links_its_predecessors(province):
    ward = Organization.objects.get(name="Đảng bộ phường Hòa Bình")
    data = province.get(f"/api/reports/achievement?org={ward.code}&from=2025-01-01&to=2025-12-31").json()
    assert data["valid_from"] == "2025-07-01"
    assert {p["code"] for p in data["predecessors"]} == {"HB.TP"}
    assert data["predecessors"][0]["url"] == "/api/organizations/HB.TP"
    now = province.get(f"/api/reports/achievement?org={ward.code}&from=2025-01-01&to=2025-12-31&as=now").json()
    assert now["admitted"] >= data["admitted"]


def test_the_demo_accounts_keep_their_names_and_passwords_on_their_new_organisations(demo, db, settings):
    from django.conf import global_settings

    # the module's seed hashed the passwords before the tests' fast hasher was set
    settings.PASSWORD_HASHERS = [*settings.PASSWORD_HASHERS, *global_settings.PASSWORD_HASHERS]
    User = get_user_model()
    cell = Organization.objects.get(code="HB.TP.001.01")
    ward = Organization.objects.get(path=cell.path[: 2 * Organization.steplen])
    assert ward.name == "Đảng bộ phường Hòa Bình" and ward.kind == Kind.COMMUNE
    expected = {
        "province": ("PT", Role.Kind.PROVINCE_OFFICE),
        "district": (ward.code, Role.Kind.DISTRICT_STAFF),
        "grassroots": ("HB.TP.001", Role.Kind.GRASSROOTS_STAFF),
        "secretary": ("HB.TP.001.01", Role.Kind.CELL_SECRETARY),
        "admin": ("PT", Role.Kind.ADMIN),
    }
    for username, (code, kind) in expected.items():
        user = User.objects.get(username=username)
        assert user.check_password(DEMO_PASSWORD)
        assert set(Role.objects.filter(user=user).values_list("organization__code", "kind")) == {(code, kind)}
    from followup.models import Assignment, CommitteeMember

    capuy = CommitteeMember.objects.get(user__username="capuy")
    assert capuy.committee_id == ward.pk and capuy.user.check_password(DEMO_PASSWORD)
    assert Assignment.objects.filter(committee_member=capuy, end__isnull=True, start__lte=TODAY).exists()
    assert [u for u, _, _ in ACCOUNT_TABLE] == ["province", "district", "grassroots", "secretary", "capuy", "admin"]


def test_alive_today_quotas_pipeline_and_projection(province):
    year = province.get("/api/reports/achievement?org=PT&from=2026-01-01&to=2026-03-16").json()
    assert year["quota"] > 3000 and 0 < year["admitted"] < year["quota"]
    from candidates.models import Candidate, Stage

    stages = set(Candidate.objects.values_list("stage", flat=True))
    assert {Stage.SOURCE, Stage.CULTIVATION, Stage.DECISION} <= stages
    html = province.get("/reports/PT/projection/").content.decode()
    assert "PT" in html or "Phú Thọ" in html
    ward = Organization.objects.get(name="Đảng bộ phường Hòa Bình")
    assert province.get(f"/dashboard/{ward.code}/").status_code == 200
    rate = Decimal(province.get("/api/reports/achievement?org=PT&from=2025-01-01&to=2025-12-31&as=now").json()["rate"])
    assert 80 < rate < 110


@pytest.mark.django_db
@pytest.mark.parametrize("debug", [True, False])
def test_the_login_page_lists_the_demo_accounts_in_development_only(client, settings, debug):
    settings.DEBUG = debug
    html = client.get("/accounts/login/").content.decode()
    assert ('data-testid="demo-accounts"' in html) is debug
    if debug:
        assert DEMO_PASSWORD in html
        for username, role, _ in ACCOUNT_TABLE:
            assert f"<code>{username}</code>" in html and role in html
    else:
        assert DEMO_PASSWORD not in html
