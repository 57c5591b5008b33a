"""Issue 19, pages too big: the province's member list gives its total from the read model's
facts (no count over the register), a search pages without a count; long report tables are paged,
sortable and searchable with their total, their Excel export whole."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partydev.paginators import KnownCountPaginator, NoCountPaginator
from tests.members.factories import admit

pytestmark = pytest.mark.django_db


def test_the_province_list_gives_its_total_from_the_facts(login, tree, users):
    for i in range(30):
        admit(tree.CXA if i % 2 else tree.CYA, datetime.date(2022, 1, 3), full_name=f"Đinh Văn Số {i}")
    client = login(users.province)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/members/", {"org": tree.P.code}).content.decode()
    assert "30 đảng viên" in html and "Trang 1 / 2" in html
    assert f"{tree.CXA.name} — {tree.GX.name}" in html or f"{tree.CYA.name} — {tree.GY.name}" in html
    register_counts = [
        q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper() and "members_membership" in q["sql"]
    ]
    assert register_counts == []
    # A search over the province: pages without a count.
    html = client.get("/members/", {"org": tree.P.code, "q": "dinh van so"}).content.decode()
    assert "Đảng viên 1–25" in html and "Sau ›" in html


def test_the_paginators_keep_djangos_interface():
    page = KnownCountPaginator(list(range(60)), 25, count=60).get_page(3)
    assert (page.paginator.num_pages, page.start_index(), page.end_index(), page.has_next()) == (3, 51, 60, False)
    no_count = NoCountPaginator(list(range(60)), 25)
    first, last = no_count.get_page(1), no_count.get_page(3)
    assert first.has_next() and first.next_page_number() == 2 and not first.has_previous()
    assert (last.start_index(), last.end_index(), last.has_next()) == (51, 60, False)
    assert no_count.get_page("x").number == 1


def test_the_coverage_tables_are_paged_sorted_searched_and_exported_whole(login, tree, users):
    import io

    import openpyxl

    from organizations.models import Kind
    from organizations.services import organization_create

    for i in range(55):
        organization_create(parent=tree.GX, code=f"T.X.1.N{i:02d}", name=f"Chi bộ thôn Nà {i:02d}", kind=Kind.CELL)
    client = login(users.province)
    period = "from=2022-01-01&to=2022-12-31"
    response = client.get(f"/reports/T/coverage/?{period}")
    html = response.content.decode()
    cells = next(t for t in response.context["tables"] if t.key == "cells")
    total = cells.total
    assert total >= 58 and len(cells.page.object_list) == 50
    assert f"(tổng số {total})" in html and 'data-testid="pager-cells"' in html
    second = client.get(f"/reports/T/coverage/?{period}&cells_page=2").context["tables"]
    assert len(next(t for t in second if t.key == "cells").page.object_list) == total - 50
    found = client.get(f"/reports/T/coverage/?{period}&cells_q=thon na 0").context["tables"]
    searched = next(t for t in found if t.key == "cells")
    assert searched.found == 10 and all("Nà 0" in r.name for r in searched.page.object_list)
    ordered = client.get(f"/reports/T/coverage/?{period}&cells_sort=-0").context["tables"]
    names = [r.name for r in next(t for t in ordered if t.key == "cells").page.object_list]
    from partydev.text import fold

    assert names == sorted(names, key=fold, reverse=True)
    export = client.get(f"/reports/T/coverage/?{period}&format=xlsx&table=cells")
    ws = openpyxl.load_workbook(io.BytesIO(export.content)).active
    assert sum(1 for r in ws.iter_rows(values_only=True) if r[0] and str(r[0]).startswith("Chi bộ thôn Nà")) == 55


def test_the_dashboards_drill_down_is_paged_with_its_total_and_exported_whole(login, tree, users, monkeypatch):
    """Every cell of the province on the dashboard: a page of rows at a time, in the query's
    order, with the total; the footer and the Excel export are the whole list."""
    import io

    import openpyxl

    from reports import analytics, dashboards
    from reports.periods import Period

    monkeypatch.setattr(dashboards, "DASHBOARD_PAGE_SIZE", 2)
    client = login(users.province)
    query = "from=2022-01-01&to=2022-12-31&kinds=cell,grassroots_cell&levels=all"
    first = client.get(f"/dashboard/{tree.P.code}/?{query}")
    # the whole drill-down, in the same order (what the export holds)
    rows = analytics.achievement(tree.P, Period.year(2022), kinds=["cell", "grassroots_cell"], all_levels=True).rows
    assert len(rows) > 2 and first.context["result"].row_count == len(rows)
    page = first.context["rows_page"]
    assert [r.org.id for r in page.object_list] == [r.org.id for r in rows[:2]]
    html = first.content.decode()
    assert 'data-testid="pager-achievement"' in html and f"dòng 1–2 trên {len(rows)} tổ chức" in html
    table = html.split('data-testid="achievement"')[1].split("</table>")[0]
    assert table.count('data-label="Kết nạp">') == 2 + 1  # two rows and the footer
    last = client.get(f"/dashboard/{tree.P.code}/?{query}&page={page.paginator.num_pages}")
    assert [r.org.id for r in last.context["rows_page"].object_list] == [
        r.org.id for r in rows[(page.paginator.num_pages - 1) * 2 :]
    ]
    assert client.get(f"/dashboard/{tree.P.code}/?{query}&page=x").context["rows_page"].number == 1
    export = client.get(f"/dashboard/{tree.P.code}/?{query}&format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(export.content)).active
    names = {r.org.name for r in rows}
    assert sum(1 for r in ws.iter_rows(values_only=True) if r[0] in names) == len(rows)
