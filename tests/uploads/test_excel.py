"""Excel exports: formula injection escaped, numbers kept as numbers, a proper download."""

import datetime
import io
from decimal import Decimal

import openpyxl

from partydev.excel import ExcelColumn, table_workbook, xlsx_response


def test_text_that_looks_like_a_formula_is_escaped_and_numbers_stay_numbers():
    dangerous = ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tTAB", "\rCR", '=HYPERLINK("http://x")']
    rows = [[text, 1234, 12.5, Decimal("3.25"), -7, datetime.date(2022, 12, 31)] for text in dangerous]
    rows.append(["Đảng bộ tỉnh Hòa Bình", 0, 0.0, Decimal("0"), 0, None])
    content = table_workbook(
        [
            ExcelColumn("Tên"),
            ExcelColumn("Số", number=True),
            ExcelColumn("Thực"),
            ExcelColumn("Thập phân"),
            ExcelColumn("Âm"),
            ExcelColumn("Ngày"),
        ],
        rows,
        title="=Tiêu đề nguy hiểm",
        sheet_name="Bảng",
    )
    wb = openpyxl.load_workbook(io.BytesIO(content))
    ws = wb["Bảng"]
    assert ws["A1"].value == "'=Tiêu đề nguy hiểm"
    assert [c.value for c in ws[3]] == ["Tên", "Số", "Thực", "Thập phân", "Âm", "Ngày"]
    for i, text in enumerate(dangerous, start=4):
        cell = ws.cell(row=i, column=1)
        assert cell.value == ("'" + text).replace("\r", "\n") and cell.data_type == "s"  # XML reads CR as LF
        assert ws.cell(row=i, column=2).value == 1234 and ws.cell(row=i, column=2).data_type == "n"
        assert ws.cell(row=i, column=3).value == 12.5
        assert ws.cell(row=i, column=4).value == 3.25
        assert ws.cell(row=i, column=5).value == -7  # a negative number is a number, not a formula
        assert ws.cell(row=i, column=6).value == datetime.datetime(2022, 12, 31)
    assert ws.cell(row=11, column=1).value == "Đảng bộ tỉnh Hòa Bình"
    # No cell anywhere is a formula.
    assert not any(c.data_type == "f" for row in ws.iter_rows() for c in row)


def test_xlsx_response_is_an_attachment_with_a_unicode_safe_name():
    response = xlsx_response(b"PK", "chỉ-tiêu 2024.xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''ch%E1%BB%89-ti%C3%AAu%202024.xlsx" in response["Content-Disposition"]
