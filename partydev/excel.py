"""Writing .xlsx files: formatted tables with Vietnamese headers, safe against formula injection.

    from partydev.excel import ExcelColumn, table_workbook, xlsx_response

    columns = [ExcelColumn("Tổ chức", width=40), ExcelColumn("Kết nạp", number=True)]
    content = table_workbook(columns, rows, title="Kết quả kết nạp năm 2022", sheet_name="Kết quả")
    return xlsx_response(content, "ket-qua-2022.xlsx")

Text cells that start with = + - @, a tab or a carriage return are written as text with a
leading apostrophe, so no spreadsheet program ever runs them as a formula (CSV/formula injection,
OWASP). Numbers (int, float, Decimal) stay numbers; dates stay dates (dd/mm/yyyy).
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="F0F0F0")
TITLE_FONT = Font(bold=True, size=13)
THIN = Side(style="thin", color="BBBBBB")
HEADER_BORDER = Border(bottom=THIN)
DATE_FORMAT = "DD/MM/YYYY"
INTEGER_FORMAT = "#,##0"


def escape_text(value: str) -> str:
    """A text that a spreadsheet would take for a formula gets a leading apostrophe."""
    if value and value.startswith(DANGEROUS_PREFIXES):
        return "'" + value
    return value


def set_cell(cell: Any, value: Any) -> None:
    """Write one value: numbers as numbers, dates as dates, every text escaped and kept as text."""
    if value is None:
        cell.value = None
    elif isinstance(value, bool):
        cell.value = "Có" if value else "Không"
    elif isinstance(value, (int, float, Decimal)):
        cell.value = value
        if isinstance(value, int) and abs(value) >= 1000:  # a style per cell is costly: only where it shows
            cell.number_format = INTEGER_FORMAT
    elif isinstance(value, (datetime.date, datetime.datetime)):
        cell.value = value
        cell.number_format = DATE_FORMAT
    else:
        cell.value = escape_text(str(value))
        cell.data_type = "s"  # openpyxl would otherwise take "=…" for a formula


@dataclass
class ExcelColumn:
    header: str
    width: float | None = None
    number: bool = False


WRAP = Alignment(wrap_text=True, vertical="top")
MIN_WIDTH, MAX_WIDTH = 8, 50


def write_table(
    ws: Any,
    columns: list[ExcelColumn],
    rows: Iterable[Iterable[Any]],
    *,
    title: str | None = None,
    start_row: int = 1,
    period: str = "",
) -> int:
    """Write an optional title row, a header row and the data rows; return the header row number.

    Columns are as wide as their longest text (within 8…50 characters, or the column's own
    width), long text wraps, and the sheet is set up to print (``print_setup``)."""
    row = start_row
    if title:
        set_cell(ws.cell(row=row, column=1), title)
        ws.cell(row=row, column=1).font = TITLE_FONT
        row += 2
    header_row = row
    longest = [0] * len(columns)
    for i, column in enumerate(columns, start=1):
        cell = ws.cell(row=row, column=i)
        set_cell(cell, column.header)
        cell.font, cell.fill, cell.border = HEADER_FONT, HEADER_FILL, HEADER_BORDER
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        longest[i - 1] = max((len(word) for word in column.header.split()), default=0)
    for values in rows:
        row += 1
        for i, value in enumerate(values, start=1):
            cell = ws.cell(row=row, column=i)
            set_cell(cell, value)
            if isinstance(value, str) and i <= len(columns):
                longest[i - 1] = max(longest[i - 1], len(value))
                if len(value) > (columns[i - 1].width or MAX_WIDTH):
                    cell.alignment = WRAP
    for i, column in enumerate(columns, start=1):
        width = column.width or max(MIN_WIDTH, min(MAX_WIDTH, longest[i - 1] + 2))
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
    heading = (title or "").removesuffix(f" — {period}") if period else (title or "")
    print_setup(ws, header_row, title=heading, period=period)
    return header_row


def print_setup(ws: Any, header_row: int, *, title: str = "", period: str = "") -> None:
    """Print on A4 landscape, fitted to the page width (as many pages down as it takes), with grid
    lines, the header row repeated on every page, and the title and period in the page header."""
    ws.page_setup.paperSize = Worksheet.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.gridLines = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.6
    ws.print_title_rows = f"{header_row}:{header_row}"
    if title:
        ws.oddHeader.left.text = _header_text(title)
        ws.oddHeader.left.size = 9
    if period:
        ws.oddHeader.right.text = _header_text(period)
        ws.oddHeader.right.size = 9
    ws.oddFooter.center.text = "Trang &P/&N"
    ws.oddFooter.center.size = 8


def _header_text(text: str) -> str:
    # "&" starts a code in a page header; the header holds at most 255 characters in all.
    return text.replace("&", "&&")[:120]


def workbook_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def table_workbook(
    columns: list[ExcelColumn],
    rows: Iterable[Iterable[Any]],
    *,
    title: str | None = None,
    sheet_name: str = "Dữ liệu",
    period: str = "",
) -> bytes:
    """A one-sheet workbook holding one table, as bytes, set up to print."""
    wb = Workbook()
    ws = wb.active
    ws.title = sheet_name[:31]
    write_table(ws, columns, rows, title=title, period=period)
    return workbook_bytes(wb)


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename) or "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    return response
