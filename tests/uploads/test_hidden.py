"""Issue 15, finding 11: hidden sheets and hidden columns are refused like hidden rows, so what
is imported is what the user sees in Excel."""

import io
import zipfile

import pytest

from partydev.spreadsheets import read_table

from . import files
from .test_guard import COLUMNS, refused

ROWS = files.quota_rows([("A.1", 5, 2), ("A.2", 7, None)])


def test_a_hidden_sheet_is_refused_naming_it():
    def hide(wb, ws):
        decoy = wb.create_sheet("Ghi chú", 0)
        decoy.append(["Nhìn thấy"])
        ws.sheet_state = "hidden"

    assert "Trang “Chỉ tiêu” đang bị ẩn" in refused(files.workbook(ROWS, configure=hide), sheet_name="Chỉ tiêu")


@pytest.mark.parametrize("state", ["hidden", "veryHidden"])
def test_the_first_sheet_hidden_is_refused_when_no_sheet_is_named(state):
    def hide(wb, ws):
        wb.create_sheet("Khác").append(["x"])
        ws.sheet_state = state

    assert "đang bị ẩn" in refused(files.workbook(ROWS, configure=hide))


def test_another_hidden_sheet_that_is_not_read_is_no_problem():
    def lists(wb, ws):
        wb.create_sheet("Danh mục").sheet_state = "hidden"

    sheet = read_table(files.workbook(ROWS, configure=lists), COLUMNS, sheet_name="Chỉ tiêu")
    assert [r.values["code"] for r in sheet.rows] == ["A.1", "A.2"]


def test_a_hidden_column_that_is_read_is_refused_naming_it():
    message = refused(files.workbook(ROWS, configure=lambda wb, ws: setattr(ws.column_dimensions["E"], "hidden", True)))
    assert "có cột bị ẩn (cột E)" in message


def test_a_column_of_zero_width_is_hidden_too():
    # Excel writes a column dragged to nothing as width="0"; openpyxl drops it, so edit the XML.
    data = files.workbook(ROWS)
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    xml = xml.replace(b"<sheetData>", b'<cols><col min="5" max="6" width="0" customWidth="1"/></cols><sheetData>')
    assert "có cột bị ẩn (cột E, F)" in refused(files.rezip(data, replace={"xl/worksheets/sheet1.xml": xml}))


def test_a_hidden_duplicate_header_cannot_shadow_the_visible_column():
    # A hidden "Mã tổ chức" in column B, the visible one further right: B would be read.
    headers = ["STT", "Mã tổ chức", "Tên tổ chức", "Cấp", "Chỉ tiêu năm 2024", "Tối thiểu", "Ghi chú"]
    rows = [[1, "T.Y.1", "", "", 5, None, None]]
    message = refused(
        files.workbook(
            rows, headers=headers, configure=lambda wb, ws: setattr(ws.column_dimensions["B"], "hidden", True)
        )
    )
    assert "cột B" in message


def test_a_hidden_column_that_is_not_read_is_no_problem():
    def hide(wb, ws):
        ws.column_dimensions["J"].hidden = True

    assert len(read_table(files.workbook(ROWS, configure=hide), COLUMNS).rows) == 2
