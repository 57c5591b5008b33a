"""Issue 19, figures at a glance: the dashboard says its basis, shows the province on both bases
side by side; an organisation without a quota of its own shows its children's sum, labelled as a
sum, and a differing sum is flagged; the API's quota stays the organisation's own."""

import datetime

import pytest

from members.quotas.models import Quota
from organizations.models import local_level_kinds

pytestmark = pytest.mark.django_db

Y2022 = "from=2022-01-01&to=2022-12-31"


def test_the_basis_is_said_and_both_lines_sit_side_by_side(login, users, tree, admissions):
    client = login(users.province)
    html = client.get(f"/dashboard/T/?{Y2022}").content.decode()
    assert 'data-testid="basis"' in html and "Cơ sở tính:" in html and "toàn Tỉnh T Hòa Bình" in html
    assert 'data-testid="both-lines"' in html
    assert "Các đảng bộ trực tiếp cấp trên cơ sở" in html and "xem theo cách này" in html
    narrowed = client.get(f"/dashboard/T/?{Y2022}&kinds=district,city").content.decode()
    assert "chỉ cộng các tổ chức" in narrowed and 'data-testid="both-lines"' in narrowed


def test_a_dashboard_without_its_own_quota_shows_the_childrens_sum(login, users, tree, admissions):
    Quota.objects.create(organization=tree.CXA, year=2022, target=2)
    Quota.objects.create(organization=tree.CXB, year=2022, target=3)
    client = login(users.province)
    # GX has a quota of its own (1) that differs from its children's 5: flagged.
    html = client.get(f"/dashboard/{tree.GX.code}/?{Y2022}").content.decode()
    assert 'data-testid="children-quota-differs"' in html and "nhiều hơn" in html
    Quota.objects.filter(organization=tree.GX).delete()
    html = client.get(f"/dashboard/{tree.GX.code}/?{Y2022}").content.decode()
    assert "tổng của các tổ chức trực thuộc" in html and 'data-testid="children-quota-note"' in html
    data = client.get(f"/api/reports/achievement?org={tree.GX.code}&{Y2022}").json()
    assert data["quota"] is None and data["children_quota"] == 5


def test_the_api_quota_is_the_organisations_own(login, users, tree, admissions):
    data = login(users.province).get(f"/api/reports/achievement?org=T&{Y2022}").json()
    assert data["quota"] == 6 and data["children_quota"] == 6  # X 3 + Y 3


def test_the_published_figures_link_to_the_queries_that_show_them():
    from types import SimpleNamespace

    from reports.dashboards import _published

    items = _published(SimpleNamespace(code="HB"))
    term = next(p for p in items if p["period"] == "2016–2022")
    assert term["rate"] == "88,48" and "kinds=district%2Ccity" in term["query"] and "from=2016-01-01" in term["query"]
    half = next(p for p in items if "2023" in p["period"])
    assert half["rate"] == "37,80" and "kinds" not in half["query"]


def test_the_basis_directly_above_the_grassroots_follows_the_reform(login, users, tree, admissions):
    """Until 30/06/2025 the district-level committees; from 01/07/2025 the commune and ward
    committees; a period across the reform takes both (each day's admissions under one of them)."""
    assert local_level_kinds(datetime.date(2016, 1, 1), datetime.date(2022, 12, 31)) == ["district", "city"]
    assert local_level_kinds(datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)) == ["commune"]
    assert local_level_kinds(datetime.date(2025, 1, 1), datetime.date(2025, 12, 31)) == ["district", "city", "commune"]
    client = login(users.province)
    html = client.get("/dashboard/T/?from=2026-01-01&to=2026-12-31").content.decode()
    assert "kinds=commune" in html and "các đảng bộ xã, phường (từ 01/07/2025)" in html
    html = client.get(f"/dashboard/T/?{Y2022}").content.decode()
    assert "kinds=district%2Ccity" in html and ">các đảng bộ cấp huyện<" in html


def test_the_whole_province_line_counts_every_cell_whatever_the_page_lists(login, users, tree, admissions):
    """Listing only the plain cells (not the grassroots cells) at every level is not the whole
    province: the "toàn tỉnh" line still counts every admission (the grassroots cell's too), and
    neither line is marked as the one shown. Every cell of both kinds is the whole province."""
    import re

    client = login(users.province)

    def lines(query):
        html = client.get(f"/dashboard/T/?{Y2022}{query}").content.decode()
        panel = html.split('data-testid="both-lines"')[1].split("</table>")[0]
        rows = re.findall(r"<tr( aria-current=\"true\")?><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td>", panel)
        return [(bool(current), label.strip(), admitted) for current, label, admitted in rows]

    default = lines("")
    assert default[1] == (True, "Toàn Tỉnh T Hòa Bình", "3")  # X 2 (one of them in the grassroots cell) + Y 1
    plain_cells = lines("&kinds=cell&levels=all")
    assert [admitted for _, _, admitted in plain_cells] == [a for _, _, a in default]
    assert not any(current for current, _, _ in plain_cells)
    every_cell = lines("&kinds=cell,grassroots_cell&levels=all")
    assert every_cell[1][0] is True and every_cell[1][2] == "3"


@pytest.mark.parametrize(
    "view",
    ["", "kinds=district,city", "kinds=district", "kinds=cell&levels=all", "kinds=grassroots&levels=all", "as=now"],
)
def test_both_lines_are_the_basis_totals_whichever_rows_the_page_lists(login, users, tree, admissions, view):
    """The whole basis is read off the page's own figures and the other by a query of its own:
    either way the figures of ``basis_totals`` on each basis, whichever rows the page lists."""
    from organizations import rollup
    from reports import analytics
    from reports.periods import Period

    response = login(users.province).get(f"/dashboard/T/?{Y2022}&{view}")
    lines = response.context["lines"]
    period = Period(datetime.date(2022, 1, 1), datetime.date(2022, 12, 31))
    as_now = "as=now" in view
    tree_arg = {"tree": rollup.NOW} if as_now else {}
    above = analytics.basis_totals(
        tree.P, period, kinds=local_level_kinds(period.date_from, period.date_to), **tree_arg
    )
    whole = analytics.basis_totals(tree.P, period, **tree_arg)
    assert [(line["admitted"], line["quota"]) for line in lines] == [
        (above.admitted, above.quota),
        (whole.admitted, whole.quota),
    ]
    assert whole.admitted > 0 and above.quota is not None
