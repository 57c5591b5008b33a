"""Issue 19, printing exports: every .xlsx is set up for A4 — landscape, fitted to the width, long
text wrapped, grid lines, the header row and the title and period on every page; the small
tables of the new-member quality export on one sheet."""

import io

import openpyxl
import pytest

from partydev.excel import ExcelColumn, table_workbook

pytestmark = pytest.mark.django_db

Y2022 = "from=2022-01-01&to=2022-12-31"


def _assert_printable(ws, *, period_in_header=True):
    assert ws.page_setup.orientation == "landscape"
    assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    assert ws.print_options.gridLines
    assert ws.print_title_rows  # the header row on every page
    assert ws.oddHeader.left.text  # the title on every page
    if period_in_header:
        assert ws.oddHeader.right.text


def test_a_table_workbook_prints_on_a4_with_wrapped_names_and_wide_enough_columns():
    long_name = "Đảng bộ thành phố Hòa Bình, tỉnh Hòa Bình — Đảng bộ phường Hữu Nghị " * 2
    content = table_workbook(
        [ExcelColumn("Cấp"), ExcelColumn("Tổ chức", width=40), ExcelColumn("Kết nạp", number=True)],
        [["Đảng bộ thành phố", long_name, 12174]],
        title="Kết quả kết nạp",
        period="Kỳ báo cáo: 2022",
    )
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    _assert_printable(ws)
    assert ws.column_dimensions["A"].width >= len("Đảng bộ thành phố")  # "Cấp" not cut
    assert ws["B4"].alignment.wrap_text  # the long name wraps
    assert ws["C4"].value == 12174 and ws["C4"].number_format == "#,##0"
    assert "2022" in ws.oddHeader.right.text


def test_report_exports_are_printable_and_the_quality_tables_share_one_sheet(login, users, tree, admissions):
    client = login(users.province)
    quality = client.get(f"/reports/T/new-members/?{Y2022}&format=xlsx")
    wb = openpyxl.load_workbook(io.BytesIO(quality.content))
    assert len(wb.worksheets) == 1  # 10 small tables printed as 10 pages before
    _assert_printable(wb.worksheets[0])
    titles = [c.value for c in wb.worksheets[0]["A"] if isinstance(c.value, str) and c.font.bold]
    assert len(titles) > 2
    coverage = client.get(f"/reports/T/coverage/?{Y2022}&format=xlsx")
    for ws in openpyxl.load_workbook(io.BytesIO(coverage.content)).worksheets:
        _assert_printable(ws)


def test_the_evaluation_export_is_printable(login, users, tree):
    response = login(users.district_x).get(f"/followup/evaluation/{tree.X.code}/?year=2022&format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    _assert_printable(ws, period_in_header=False)


def test_the_member_register_export_is_printable(login, users, tree):
    import datetime

    from tests.members.factories import admit

    admit(tree.CXA, datetime.date(2022, 3, 1))
    response = login(users.secretary_a).get("/members/export.xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(response.content)).active
    _assert_printable(ws, period_in_header=False)
    assert ws.print_title_rows == "$3:$3"
