"""The report tables (defined once in ``tables``) and their Excel exports."""

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from candidates.models import STAGE_LABELS, Stage
from organizations.models import KIND_LABELS
from partydev import excel, formats

from .analytics import Achievement, Coverage, Exits, Quality
from .projection import BEFORE_DECISION, Projection
from .suppression import ShownQuality
from .tables import Column, Table, excel_value, rows_html


def _stage_count(stage: str) -> Callable[[Any], int]:
    """A column of the candidates a row has at ``stage`` (a pipeline or a projection row)."""
    return lambda r: r.by_stage.get(stage, 0)


# --- achievement --------------------------------------------------------------------------------


def achievement_columns(result: Achievement) -> list[Column]:
    prev = result.previous.label
    return [
        Column("Tổ chức", lambda r: r.org.name),
        Column("Cấp", lambda r: KIND_LABELS.get(r.org.kind, "")),
        Column("Kết nạp", lambda r: r.admitted, "int"),
        Column("Chỉ tiêu", lambda r: r.quota, "int"),
        Column("Tỷ lệ đạt", lambda r: r.rate, "rate"),
        Column(f"Cùng kỳ {prev}", lambda r: r.prev_admitted, "int"),
        Column("Tăng, giảm", lambda r: r.change, "signed"),
        Column(f"Tỷ lệ đạt {prev}", lambda r: r.prev_rate, "rate"),
        Column("Chênh lệch (điểm %)", lambda r: r.rate_change_points, "points"),
        Column("Đảng viên đầu kỳ", lambda r: r.members_at_start, "int"),
        Column("Kết nạp/đảng viên đầu kỳ (bình quân năm)", lambda r: r.share_of_members, "rate"),
    ]


class _TotalsRow:
    def __init__(self, result: Achievement, label: str) -> None:
        self.org = type("TotalOrg", (), {"name": label, "kind": ""})()
        self.figures = result.totals

    def __getattr__(self, name: str) -> Any:
        return getattr(self.__dict__["figures"], name)


def achievement_table(result: Achievement) -> Table:
    assert result.org is not None, "the national view (no organisation) has no table export"
    label = "Cộng các tổ chức được chọn" if result.kinds else f"Toàn {result.org.name}"
    return Table(
        title=f"Kết quả kết nạp đảng viên so với chỉ tiêu — {result.org.name}",
        subtitle=f"Kỳ báo cáo: {result.period.label}; so với cùng kỳ {result.previous.label}",
        columns=achievement_columns(result),
        rows=result.rows,
        footer=[_TotalsRow(result, label)],
    )


def achievement_rows_html(
    result: Achievement, query: str, dashboard_prefix: str, rows: list | None = None
) -> SafeString:
    """The drill-down rows (``rows``: one page of them; all by default): each links to the
    child's dashboard with ``query`` (the same period and filters)."""
    table = achievement_table(result)
    if rows is not None:
        table.rows = rows
    return rows_html(
        table,
        link=lambda r: f"{dashboard_prefix}{r.org.code}/?{query}" if r.org.numchild else None,
        row_class=lambda r: "below" if r.below else "",
    )


BROWSER_COLUMNS = [
    Column("Tổ chức", lambda r: r["name"]),
    Column("Cấp", lambda r: r["kind"]),
    Column("Trực thuộc", lambda r: r["sub"]),
    Column("Chính thức", lambda r: r["official"], "int"),
    Column("Dự bị", lambda r: r["probationary"], "int"),
]


def browser_rows_html(rows: list[dict[str, Any]], browse_prefix: str) -> SafeString:
    """The organisation browser's rows (``selectors.browser_rows``): each with children links to
    its own page; made here rather than by a template loop (the province's 152 communes)."""
    return rows_html(
        Table("", BROWSER_COLUMNS, rows),
        link=lambda r: f"{browse_prefix}{quote(r['code'])}/" if r["has_children"] else None,
    )


def achievement_xlsx(result: Achievement) -> HttpResponse:
    assert result.org is not None, "the national view (no organisation) has no export"
    return xlsx_response([achievement_table(result)], f"ket-qua-ket-nap-{result.org.code}-{result.period.label}")


# --- quality, exits, coverage -------------------------------------------------------------------


# The quality page's rows of one group (the sheet's headers name the previous period).
QUALITY_PAGE_COLUMNS = [
    Column("Tiêu chí", lambda i: i.label),
    Column("Số lượng", lambda i: i.count, "int"),
    Column("Tỷ lệ", lambda i: i.share, "rate"),
    Column("Cùng kỳ", lambda i: i.prev_count, "int"),
    Column("Tỷ lệ cùng kỳ", lambda i: i.prev_share, "rate"),
    Column("Tăng, giảm", lambda i: i.change, "signed"),
]


def quality_rows_html(result: Quality | ShownQuality) -> dict[str, SafeString]:
    """Each group's rows on the quality page, by the group's key (54 ethnicities among them)."""
    return {g.key: rows_html(Table("", QUALITY_PAGE_COLUMNS, g.items), row_key=lambda i: i.key) for g in result.groups}


def quality_tables(result: Quality | ShownQuality) -> list[Table]:
    prev = result.previous.label
    note = getattr(result, "note", "")  # what a ShownQuality hid
    cols = [
        Column("Tiêu chí", lambda i: i.label),
        Column("Số lượng", lambda i: i.count, "int"),
        Column("Tỷ lệ", lambda i: i.share, "rate"),
        Column(f"Cùng kỳ {prev}", lambda i: i.prev_count, "int"),
        Column(f"Tỷ lệ {prev}", lambda i: i.prev_share, "rate"),
        Column("Tăng, giảm", lambda i: i.change, "signed"),
    ]
    head = Table(
        title=f"Chất lượng đảng viên mới kết nạp — {result.org.name}",
        subtitle=f"Kỳ báo cáo: {result.period.label}; tổng số {formats.number(result.total)} "
        f"(cùng kỳ {prev}: {formats.number(result.prev_total)})" + (f". {note}" if note else ""),
        columns=cols,
        rows=result.highlights,
    )
    return [head] + [Table(title=g.label, columns=cols, rows=g.items) for g in result.groups]


def quality_xlsx(result: Quality | ShownQuality) -> HttpResponse:
    return xlsx_response(
        quality_tables(result), f"chat-luong-dang-vien-moi-{result.org.code}-{result.period.label}", one_sheet=True
    )


def exits_table(result: Exits) -> Table:
    prev = result.previous.label
    return Table(
        title=f"Đảng viên ra khỏi Đảng, từ trần — {result.org.name}",
        subtitle=f"Kỳ báo cáo: {result.period.label}; so với cùng kỳ {prev}",
        columns=[
            Column("Hình thức", lambda line: line.label),
            Column("Tổng số", lambda line: line.total, "int"),
            Column("Trong đó dự bị", lambda line: line.probationary, "int"),
            Column(f"Cùng kỳ {prev}", lambda line: line.prev_total, "int"),
            Column(f"Dự bị cùng kỳ {prev}", lambda line: line.prev_probationary, "int"),
        ],
        rows=result.lines,
    )


def growth_table(result: Exits) -> Table:
    now, prev = result.now, result.prev
    lines = [
        ("Kết nạp (kể cả kết nạp lại)", result.admitted, result.prev_admitted),
        ("Giảm (xóa tên, ra khỏi Đảng, khai trừ, từ trần)", result.total, result.prev_total),
        ("Kết nạp trừ giảm", result.own_growth, result.prev_own_growth),
        ("Chuyển sinh hoạt đến (ngoài phạm vi)", now["transferred_in"], prev["transferred_in"]),
        ("Chuyển sinh hoạt đi (ngoài phạm vi)", now["transferred_out"], prev["transferred_out"]),
        ("Đảng viên đầu kỳ", now["members_before"]["total"], prev["members_before"]["total"]),
        ("Đảng viên cuối kỳ", now["members_after"]["total"], prev["members_after"]["total"]),
        ("Tăng thực (theo sổ đảng viên)", now["net_growth"], prev["net_growth"]),
    ]
    return Table(
        title=f"Tăng thực — {result.org.name}",
        subtitle=f"Kỳ báo cáo: {result.period.label}; so với cùng kỳ {result.previous.label}",
        columns=[
            Column("Chỉ tiêu", lambda line: line[0]),
            Column(result.period.label, lambda line: line[1], "int"),
            Column(f"Cùng kỳ {result.previous.label}", lambda line: line[2], "int"),
        ],
        rows=lines,
    )


def exits_xlsx(result: Exits) -> HttpResponse:
    return xlsx_response(
        [exits_table(result), growth_table(result)], f"giam-dang-vien-{result.org.code}-{result.period.label}"
    )


def coverage_tables(result: Coverage) -> dict[str, Table]:
    unit_cols = [
        Column("Tổ chức", lambda o: o.name),
        Column("Mã", lambda o: o.code),
        Column("Cấp", lambda o: KIND_LABELS.get(o.kind, "")),
    ]
    area_cols = [
        Column("Khu dân cư", lambda a: str(a)),
        Column("Tổ chức cơ sở đảng", lambda a: a.grassroots_name),
        Column("Chi bộ phụ trách", lambda a: a.cell_name),
    ]
    p = result.period.label

    labels = STAGE_LABELS
    pipe_cols = [Column("Chi bộ", lambda r: r.org.name), Column("Mã", lambda r: r.org.code)]
    pipe_cols += [Column(labels[s], _stage_count(s), "int") for s in [*BEFORE_DECISION, Stage.DECISION]]
    pipe_cols += [
        Column("Cộng", lambda r: r.total, "int"),
        Column(f"Chỉ tiêu {result.period.date_to.year}", lambda r: r.quota, "int"),
    ]
    return {
        "grassroots": Table(
            f"Tổ chức cơ sở đảng không kết nạp được đảng viên ({p})",
            unit_cols,
            result.grassroots_without,
            subtitle=f"Kỳ báo cáo: {p}",
        ),
        "cells": Table(
            f"Chi bộ không kết nạp được đảng viên ({p})", unit_cols, result.cells_without, subtitle=f"Kỳ báo cáo: {p}"
        ),
        "areas_without_member": Table(
            "Khu dân cư chưa có đảng viên", area_cols, result.areas_without_member, subtitle=f"Kỳ báo cáo: {p}"
        ),
        "areas_without_cell": Table(
            "Khu dân cư chưa có chi bộ riêng (sinh hoạt ghép)",
            area_cols,
            result.areas_without_cell,
            subtitle=f"Kỳ báo cáo: {p}",
        ),
        "pipeline": Table(
            "Quần chúng trong quy trình kết nạp theo chi bộ, so với chỉ tiêu",
            pipe_cols,
            result.pipeline,
            subtitle=f"Kỳ báo cáo: {p}",
        ),
    }


def coverage_xlsx(result: Coverage, which: str) -> HttpResponse:
    tables = coverage_tables(result)
    chosen = [tables[which]] if which in tables else list(tables.values())
    return xlsx_response(chosen, f"don-vi-chua-ket-nap-{result.org.code}-{result.period.label}")


# --- writing ------------------------------------------------------------------------------------


def xlsx_response(tables: list[Table], name: str, *, one_sheet: bool = False) -> HttpResponse:
    """One sheet per table (``one_sheet``: every table on one sheet, one below the other, for
    small tables that would print a page each): Vietnamese headers, numbers kept as numbers, text
    escaped against formulas (``partydev.excel``), rates as percentages, set up to print on A4
    landscape fitted to the width, grid lines on, the title and the period on every page."""

    wb = Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    if one_sheet and tables:
        ws = wb.create_sheet(_sheet_name(tables[0].title, 1, used))
        row = 1
        first_header = None
        for table in tables:
            header_row, last = _write(ws, table, start_row=row, period=tables[0].subtitle)
            first_header = first_header or header_row
            row = last + 3
        excel.print_setup(ws, first_header or 1, title=tables[0].title, period=tables[0].subtitle)
    else:
        for n, table in enumerate(tables, start=1):
            ws = wb.create_sheet(_sheet_name(table.title, n, used))
            _write(ws, table, start_row=1, period=table.subtitle)
    filename = name.replace("/", "-").replace("–", "-").replace(" ", "") + ".xlsx"
    return excel.xlsx_response(excel.workbook_bytes(wb), filename)


def _write(ws: Worksheet, table: Table, *, start_row: int, period: str) -> tuple[int, int]:
    """One table on ``ws`` from ``start_row``: (its header row, its last row)."""

    columns = [excel.ExcelColumn(c.header, width=None, number=c.kind != "text") for i, c in enumerate(table.columns)]
    rows = [[excel_value(c, r) for c in table.columns] for r in table.rows]
    title = table.title + (f" — {table.subtitle}" if table.subtitle else "")
    header_row = excel.write_table(ws, columns, rows, title=title, start_row=start_row, period=period)
    last = header_row + len(rows)
    for r in table.footer or []:
        last += 1
        for i, c in enumerate(table.columns, start=1):
            cell = ws.cell(row=last, column=i)
            excel.set_cell(cell, excel_value(c, r))
            cell.font = Font(bold=True)
    for i, c in enumerate(table.columns, start=1):
        fmt = _number_format(c.kind)
        if fmt:
            for (cell,) in ws.iter_rows(min_row=header_row + 1, max_row=last, min_col=i, max_col=i):
                cell.number_format = fmt
    return header_row, last


def _sheet_name(title: str, n: int, used: set[str]) -> str:
    base = title.split(" — ")[0]
    for bad in "[]:*?/\\":
        base = base.replace(bad, " ")
    name = base[:31].strip() or f"Bảng {n}"
    if name in used:
        name = f"{name[:27]} ({n})"
    used.add(name)
    return name


def _number_format(kind: str) -> str | None:
    return {"int": "#,##0", "signed": "+#,##0;-#,##0;0", "rate": "0.00%", "points": "+0.00;-0.00;0.00"}.get(kind)


# --- projection ---------------------------------------------------------------------------------


def projection_columns(result: Projection) -> list[Column]:
    cols = [
        Column("Tổ chức", lambda r: r.org.name),
        Column(f"Đã kết nạp từ 01/01/{result.year}", lambda r: r.admitted, "int"),
        Column("Đã có quyết định, chờ lễ kết nạp", lambda r: r.decided, "int"),
    ]
    for h in result.history:
        cols.append(Column(h.label, _stage_count(h.stage), "int"))
    cols += [
        Column("Dự kiến đến 31/12", lambda r: r.expected, "int"),
        Column("Dự kiến thấp nhất", lambda r: r.expected_low, "int"),
        Column("Dự kiến cao nhất", lambda r: r.expected_high, "int"),
        Column("Chỉ tiêu", lambda r: r.quota, "int"),
        Column("Dự kiến đạt", lambda r: r.expected_rate, "rate"),
        Column("Đánh giá", lambda r: r.status_label),
    ]
    return cols


def projection_table(result: Projection) -> Table:
    return Table(
        title=f"Dự báo kết nạp đến 31/12/{result.year} — {result.org.name}",
        subtitle=f"tính đến {result.today:%d/%m/%Y}",
        columns=projection_columns(result),
        rows=result.rows,
        footer=[result.total],
    )


# The page's columns (the sheet has one per stage and the range apart).
PROJECTION_PAGE_COLUMNS = [
    Column("Tổ chức", lambda r: r.org.name),
    Column("Đã kết nạp", lambda r: r.admitted, "int"),
    Column("Đã có quyết định", lambda r: r.decided, "int"),
    Column("Đang trong quy trình", lambda r: r.pipeline_total, "int"),
    Column(
        "Dự kiến",
        lambda r: format_html(
            '{} <span class="muted small">({}–{})</span>',
            formats.number(r.expected),
            formats.number(r.expected_low),
            formats.number(r.expected_high),
        ),
        "html",
    ),
    Column("Chỉ tiêu", lambda r: r.quota, "int"),
    Column("Dự kiến đạt", lambda r: r.expected_rate, "rate"),
    Column("Đánh giá", lambda r: r.status_label),
]


def projection_rows_html(result: Projection, prefix: str) -> SafeString:
    """The projection's rows on its page, each organisation with children linking to its own
    (``prefix``: the projection's URL with ``__code__`` for the code)."""
    return rows_html(
        Table("", PROJECTION_PAGE_COLUMNS, result.rows),
        link=lambda r: prefix.replace("__code__", quote(r.org.code)) if r.org.numchild else None,
        row_class=lambda r: f"status-{r.status}",
    )


def projection_xlsx(result: Projection) -> HttpResponse:
    return xlsx_response([projection_table(result)], f"du-bao-{result.org.code}-{result.year}")
