"""Finding 4 of issue 15: aggregates by ethnicity or religion identified individuals.

``GET /api/reports/new-members?org=<one cell>&from=<one day>&to=<same day>`` answered the
provincial office (which may not read those fields) ``total 1, ethnicity {"thai": 1}``. Now a
breakdown by a sensitive attribute shown to such a role hides groups under the minimum size,
in the API, the page and its export; staff who may read the fields still see every count.
"""

import datetime
import io

from openpyxl import load_workbook

from tests.members.factories import admit

DAY = datetime.date(2023, 5, 9)


def _one_cell_one_day(tree):
    admit(tree.CXA, DAY, ethnicity="thai", religion="buddhism")


def _query(tree):
    return {"org": tree.CXA.code, "from": DAY.isoformat(), "to": DAY.isoformat()}


def test_the_office_gets_no_ethnicity_or_religion_of_one_person(login, users, tree):
    _one_cell_one_day(tree)
    data = login(users.province).get("/api/reports/new-members", _query(tree)).json()
    assert data["total"] == 1  # the head count is not sensitive
    for key in ("ethnicity", "religion"):
        breakdown = data[key]
        values = {k: v for k, v in breakdown.items() if k != "suppressed"}
        assert set(values.values()) == {None}, key
        assert sorted(breakdown["suppressed"]) == sorted(values), key
        # which values are listed says nothing: every value of the attribute is there
        assert {"kinh", "thai", "muong"} <= set(values) if key == "ethnicity" else {"none", "buddhism"} <= set(values)
    assert data["highlights"]["ethnic_minority"] == {"count": None, "share": None}
    assert data["highlights"]["religious"] == {"count": None, "share": None}
    # other fields keep their names and types
    assert data["sex"] == {"male": 0, "female": 1}
    assert data["highlights"]["women"] == {"count": 1, "share": "100.00"}


def test_staff_who_read_the_fields_see_the_counts(login, users, tree):
    _one_cell_one_day(tree)
    for user in (users.district_x, users.grassroots, users.secretary_a):
        data = login(user).get("/api/reports/new-members", _query(tree)).json()
        assert data["ethnicity"] == {"kinh": 0, "thai": 1}, user
        assert data["religion"]["buddhism"] == 1
        assert "suppressed" not in data["ethnicity"]


def test_large_groups_show_and_a_small_one_hides_with_a_second(login, users, tree):
    for i in range(6):
        admit(tree.CXA, DAY, ethnicity="kinh", full_name=f"Kinh {i}")
    for i in range(5):
        admit(tree.CXB, DAY, ethnicity="muong", full_name=f"Mường {i}")
    admit(tree.CXB, DAY, ethnicity="thai")
    data = login(users.province).get("/api/reports/new-members", {"org": tree.GX.code, "from": DAY, "to": DAY}).json()
    assert data["total"] == 12
    assert data["ethnicity"]["thai"] is None and data["ethnicity"]["muong"] is None  # 5 + 1: not 12 − 6
    assert data["ethnicity"]["kinh"] == 6
    assert data["ethnicity"]["dao"] == 0
    assert data["ethnicity"]["suppressed"] == ["muong", "thai"] or sorted(data["ethnicity"]["suppressed"]) == [
        "muong",
        "thai",
    ]


def test_the_minimum_is_a_setting(login, users, tree, settings):
    _one_cell_one_day(tree)
    settings.SMALL_GROUP_MINIMUM = 1
    data = login(users.province).get("/api/reports/new-members", _query(tree)).json()
    assert data["ethnicity"]["thai"] == 1 and data["ethnicity"]["suppressed"] == []


def test_the_page_hides_them_and_says_so(login, users, tree):
    _one_cell_one_day(tree)
    client = login(users.province)
    page = client.get(f"/reports/{tree.CXA.code}/new-members/", _query(tree))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="suppression-note"' in html
    assert "Thái" not in html and "Phật giáo" not in html
    # staff over the cell see the row
    html = login(users.district_x).get(f"/reports/{tree.CXA.code}/new-members/", _query(tree)).content.decode()
    assert "Thái" in html and 'data-testid="suppression-note"' not in html


def test_the_export_hides_them_too(login, users, tree):
    _one_cell_one_day(tree)
    answer = login(users.province).get(f"/reports/{tree.CXA.code}/new-members/", {**_query(tree), "format": "xlsx"})
    wb = load_workbook(io.BytesIO(answer.content), read_only=True)
    cells = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert not any(c in ("Thái", "Phật giáo") for c in cells)
    assert any("không ghi số" in c for c in cells)
