"""The coverage report counted and paged in SQL: the same figures and rows as the primitives give
(``admissions`` per organisation, ``members`` per cell), a page read alone, and a fixed number of
queries whatever the size of the subtree."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from candidates.models import OPEN_STAGES
from members.models import EventKind
from members.services import membership_record_event
from organizations.models import CELL_KINDS, GRASSROOTS_KINDS, Kind, Organization, ResidentialArea
from organizations.services import organization_create
from reports import analytics
from reports.periods import Period
from tests.members.factories import admit

PERIODS = [
    Period(datetime.date(2021, 1, 1), datetime.date(2021, 12, 31)),  # a whole year: the yearly facts
    Period(datetime.date(2022, 1, 1), datetime.date(2022, 12, 31)),
    Period(datetime.date(2021, 1, 1), datetime.date(2022, 12, 31)),  # two years
    Period(datetime.date(2022, 3, 1), datetime.date(2022, 6, 30)),  # part of a year: the cell facts
    Period(datetime.date(2022, 7, 1), datetime.date(2022, 9, 30)),
    Period(datetime.date(1990, 1, 1), datetime.date(1990, 12, 31)),  # outside the yearly facts
]


def expected(org: Organization, period: Period) -> dict:
    """The report computed row by row in Python from the primitives (how it was computed before
    it was counted in SQL)."""
    units = list(
        Organization.objects.filter(path__startswith=org.path, kind__in=GRASSROOTS_KINDS | CELL_KINDS).order_by("path")
    )
    (admitted,) = analytics.admissions([u.id for u in units], period)
    areas = list(
        ResidentialArea.objects.filter(grassroots__path__startswith=org.path).order_by("grassroots__path", "name")
    )
    (members_then,) = analytics.members({a.cell_id for a in areas if a.cell_id}, period.date_to)
    stages = analytics.pipeline_by_cell(org, OPEN_STAGES)
    quotas = analytics.quotas_by_org([u.id for u in units], [period.date_to.year])
    return {
        "grassroots_without": [u.code for u in units if u.kind in GRASSROOTS_KINDS and not admitted[u.id]],
        "grassroots_total": sum(1 for u in units if u.kind in GRASSROOTS_KINDS),
        "cells_without": [u.code for u in units if u.kind == Kind.CELL and not admitted[u.id]],
        "cells_total": sum(1 for u in units if u.kind == Kind.CELL),
        "areas_without_member": [str(a) for a in areas if a.cell_id is None or not members_then[a.cell_id]["total"]],
        "areas_without_cell": [str(a) for a in areas if a.cell_id is None],
        "areas_total": len(areas),
        "pipeline": [
            (u.code, stages.get(u.id, {}), quotas.get(u.id, {}).get(period.date_to.year))
            for u in units
            if u.kind in CELL_KINDS
        ],
    }


def shown(result: analytics.Coverage) -> dict:
    lists = {
        "grassroots_without": [r.code for r in result.grassroots_without],
        "cells_without": [r.code for r in result.cells_without],
        "areas_without_member": [str(a) for a in result.areas_without_member],
        "areas_without_cell": [str(a) for a in result.areas_without_cell],
        "pipeline": [(r.org.code, r.by_stage, r.quota) for r in result.pipeline],
    }
    for key, rows in lists.items():
        assert len(getattr(result, key)) == len(rows), key  # the count read beforehand is the list's
    totals = {k: getattr(result, k) for k in ("grassroots_total", "cells_total", "areas_total")}
    return {**lists, **totals}


@pytest.fixture
def coverage_history(tree, admissions):
    """Areas with a cell of their own, one without, one whose cell has no member until July 2022
    (CYA's first member is admitted on 01/07/2022), one whose cell's only member dies in 2022."""
    empty_cell = organization_create(parent=tree.GY, code="T.Y.1.B", name="Chi bộ bản Đồng", kind=Kind.CELL)
    dies = admit(empty_cell, datetime.date(2021, 5, 4))
    membership_record_event(dies, kind=EventKind.DIED, effective_date=datetime.date(2022, 5, 1))
    ResidentialArea.objects.create(name="Bưng", kind="xom", grassroots=tree.GX, cell=tree.CXA)
    ResidentialArea.objects.create(name="Khú", kind="xom", grassroots=tree.GX)
    ResidentialArea.objects.create(name="Lác", kind="ban", grassroots=tree.GY, cell=tree.CYA)
    ResidentialArea.objects.create(name="Đồng", kind="ban", grassroots=tree.GY, cell=empty_cell)
    return empty_cell


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: p.label)
def test_the_figures_and_rows_are_those_of_the_primitives(tree, coverage_history, period):
    for org in (tree.P, tree.X, tree.GY):
        assert shown(analytics.coverage(org, period)) == expected(org, period)


def test_an_area_is_without_members_while_its_cell_has_none(tree, coverage_history):
    def without(period: Period) -> list[str]:
        return [str(a) for a in analytics.coverage(tree.P, period).areas_without_member]

    assert without(PERIODS[0]) == ["Xóm Khú", "Bản Lác"]  # 2021: CYA has no member yet
    assert without(PERIODS[1]) == ["Xóm Khú", "Bản Đồng"]  # 2022: Đồng's only member died
    assert without(PERIODS[3]) == ["Xóm Khú", "Bản Lác", "Bản Đồng"]  # at 30/06/2022: both


def test_a_page_reads_its_own_rows_only(tree, django_assert_num_queries):
    for i in range(12):
        organization_create(parent=tree.GX, code=f"T.X.1.N{i:02d}", name=f"Chi bộ thôn Nà {i:02d}", kind=Kind.CELL)
    result = analytics.coverage(tree.P, PERIODS[0])
    whole = [r.code for r in analytics.coverage(tree.P, PERIODS[0]).cells_without]
    with django_assert_num_queries(1):
        page = result.cells_without[5:10]
    assert [r.code for r in page] == whole[5:10] and len(result.cells_without) == len(whole) == 15
    with django_assert_num_queries(3):  # the cells, their candidates, their quotas
        pipeline = result.pipeline[2:6]
    assert [(r.org.code, r.by_stage, r.quota) for r in pipeline] == expected(tree.P, PERIODS[0])["pipeline"][2:6]


def _grow(tree, n: int) -> None:
    for i in range(n):
        cell = organization_create(
            parent=tree.GX, code=f"T.X.1.M{i:03d}", name=f"Chi bộ xóm Mới {i:03d}", kind=Kind.CELL
        )
        ResidentialArea.objects.create(name=f"Mới {i:03d}", kind="xom", grassroots=tree.GX, cell=cell)
        ResidentialArea.objects.create(name=f"Ghép {i:03d}", kind="xom", grassroots=tree.GX)
        organization_create(
            parent=tree.X, code=f"T.X.G{i:03d}", name=f"Chi bộ cơ sở {i:03d}", kind=Kind.GRASSROOTS_CELL
        )


@pytest.mark.parametrize("query", ["from=2022-01-01&to=2022-12-31", "from=2022-03-01&to=2022-06-30"])
@pytest.mark.parametrize("who", ["province", "district_x"])
def test_the_page_runs_a_fixed_number_of_queries(login, tree, users, admissions, query, who, django_assert_num_queries):
    """Every list of the page more than a page long in the big tree, and a page of each read
    either way: the province's (a year of the yearly facts read at once) and a district's (looked
    up per organisation)."""
    # Every list has rows in the small tree too (a page of no rows reads nothing).
    organization_create(parent=tree.X, code="T.X.3", name="Đảng bộ xã Chiềng Châu", kind=Kind.GRASSROOTS_COMMITTEE)
    ResidentialArea.objects.create(name="Bưng", kind="xom", grassroots=tree.GX, cell=tree.CXA)
    ResidentialArea.objects.create(name="Khú", kind="xom", grassroots=tree.GX)
    client = login(getattr(users, who))
    code = "T" if who == "province" else "T.X"
    url = f"/reports/{code}/coverage/?{query}"
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        response = client.get(url)
    assert response.status_code == 200
    assert all(t.page.object_list for t in response.context["tables"])
    _grow(tree, 60)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    tables = {t.key: t for t in response.context["tables"]}
    assert all(t.page.has_other_pages() for t in tables.values())
    assert len(tables["areas_without_cell"].page.object_list) == 50 and tables["areas_without_cell"].total == 61
    assert (
        tables["pipeline"].total == (124 if code == "T" else 123)
        and tables["grassroots"].total >= 60
        and tables["cells"].total >= 60
    )
