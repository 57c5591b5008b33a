"""The statistics forms committees send upward, as .xlsx, filled from the reports' selectors.

- ``new_members_form``: new members of a period in the layout of the basic statistics forms
  (Hướng dẫn 11-HD/BTCTW, 2021): one row for the organisation, the columns grouped by sex,
  ethnicity, religion, Youth Union, age band, general education, profession and sector. The figures are
  ``reports.analytics.new_member_quality`` itself, so they add up with the new-member quality
  report by construction (and the tests check it).
- ``admissions_form``: admitted against the year's quota for a quarter, a half-year or the year,
  with the count since 1 January, for the organisation and each organisation under it
  (``reports.analytics.achievement``).

Ethnicity and religion are sensitive (``organizations.privacy``): for a user who may not read them
the counts of small groups are hidden by the one small-group rule of the reports
(``organizations.privacy.suppress_small_groups`` with ``settings.SMALL_GROUP_MINIMUM``, the
smallest other group hidden with them), so the form gives away no more than the report page.
"""

from __future__ import annotations

import datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from organizations.models import Organization
from organizations.privacy import can_see_sensitive, suppress_small_groups
from partydev import excel
from reports import analytics
from reports.periods import Period, PeriodError
from reports.suppression import minimum_group_size

SENSITIVE_GROUPS = ("ethnicity", "religion")
# The column groups of the form, in its order (the quality report's group keys).
FORM_GROUPS = (
    "sex",
    "ethnicity",
    "religion",
    "youth_union",
    "age_band",
    "general_education",
    "professional_qualification",
    "sector",
)
PARTS = {
    "q1": ("Quý I", 1, 3),
    "q2": ("Quý II", 4, 6),
    "q3": ("Quý III", 7, 9),
    "q4": ("Quý IV", 10, 12),
    "h1": ("6 tháng đầu năm", 1, 6),
    "h2": ("6 tháng cuối năm", 7, 12),
    "year": ("Cả năm", 1, 12),
}


HIDDEN = "—"  # a group whose count is not shown, as on the report page


def _month_end(year: int, month: int) -> datetime.date:
    return (datetime.date(year + (month == 12), month % 12 + 1, 1)) - datetime.timedelta(days=1)


def part_period(year: int, part: str) -> tuple[str, Period]:
    if part not in PARTS:
        raise PeriodError("Kỳ báo cáo phải là q1, q2, q3, q4, h1, h2 hoặc year.")
    label, first, last = PARTS[part]
    return label, Period(datetime.date(year, first, 1), _month_end(year, last))


def new_members_columns(quality: analytics.Quality) -> list[tuple[str, list[tuple[str | bool, str]]]]:
    """(group label, [(item key, item label)]) in the form's order."""
    groups = {g.key: g for g in quality.groups}
    return [(groups[key].label, [(i.key, i.label) for i in groups[key].items]) for key in FORM_GROUPS]


def new_members_form(org: Organization, period: Period, user: Any) -> tuple[bytes, str]:
    quality = analytics.new_member_quality(org, period)
    exact = can_see_sensitive(user, org)
    wb = Workbook()
    ws = wb.active
    ws.title = "Đảng viên mới kết nạp"
    ws.cell(row=1, column=1, value=excel.escape_text(org.name.upper())).font = Font(bold=True)
    ws.cell(row=1, column=8, value="ĐẢNG CỘNG SẢN VIỆT NAM").font = Font(bold=True)
    ws.cell(row=2, column=1, value="*")
    title = f"BÁO CÁO SỐ LƯỢNG, CHẤT LƯỢNG ĐẢNG VIÊN MỚI KẾT NẠP — KỲ {period.label}"
    ws.cell(row=3, column=1, value=title).font = Font(bold=True, size=13)
    ws.cell(row=4, column=1, value="Theo các biểu thống kê cơ bản (Hướng dẫn 11-HD/BTCTW); đơn vị tính: người.")
    group_row, item_row, data_row = 6, 7, 8
    ws.cell(row=group_row, column=1, value="Tên tổ chức")
    ws.cell(row=group_row, column=2, value="Tổng số")
    ws.merge_cells(start_row=group_row, end_row=item_row, start_column=1, end_column=1)
    ws.merge_cells(start_row=group_row, end_row=item_row, start_column=2, end_column=2)
    excel.set_cell(ws.cell(row=data_row, column=1), org.name)
    ws.cell(row=data_row, column=2, value=quality.total)
    groups = {g.key: g for g in quality.groups}
    col = 3
    for key in FORM_GROUPS:
        group = groups[key]
        start = col
        counts = {item.key: item.count for item in group.items}
        if key in SENSITIVE_GROUPS and not exact:
            counts, _ = suppress_small_groups(counts, minimum_group_size(), total=quality.total)
        for item in group.items:
            ws.cell(row=item_row, column=col, value=excel.escape_text(item.label))
            value = counts[item.key]
            ws.cell(row=data_row, column=col, value=HIDDEN if value is None else value)
            col += 1
        ws.cell(row=group_row, column=start, value=excel.escape_text(group.label))
        if col - 1 > start:
            ws.merge_cells(start_row=group_row, end_row=group_row, start_column=start, end_column=col - 1)
    for row in ws.iter_rows(min_row=group_row, max_row=item_row):
        for cell in row:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    ws.column_dimensions["A"].width = 36
    if not exact:
        ws.cell(
            row=data_row + 2,
            column=1,
            value=f"Dân tộc, tôn giáo: nhóm dưới {minimum_group_size()} người không ghi số (—), cùng với nhóm nhỏ nhất khác.",
        )
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    filename = f"bieu-dang-vien-moi-{org.code}-{period.label}".replace("/", "-").replace("–", "-") + ".xlsx"
    return excel.workbook_bytes(wb), filename


def admissions_form(org: Organization, year: int, part: str) -> tuple[bytes, str]:
    label, period = part_period(year, part)
    since_january = Period(datetime.date(year, 1, 1), period.date_to)
    in_period = analytics.achievement(org, period)
    cumulative = analytics.achievement(org, since_january)
    by_org = {r.org.id: r for r in cumulative.rows}
    columns = [
        excel.ExcelColumn("Tổ chức", width=40),
        excel.ExcelColumn(f"Chỉ tiêu năm {year}", number=True),
        excel.ExcelColumn(f"Kết nạp trong kỳ ({label})", number=True),
        excel.ExcelColumn(f"Lũy kế từ 01/01/{year}", number=True),
        excel.ExcelColumn("Tỷ lệ lũy kế so với chỉ tiêu", number=True),
        excel.ExcelColumn("Cùng kỳ năm trước", number=True),
    ]

    def line(name: str, figures: analytics.Figures, cum: analytics.Figures) -> list[object]:
        share = cum.rate / 100 if cum.rate is not None else None  # the cell's format shows the percent
        return [name, figures.quota, figures.admitted, cum.admitted, share, figures.prev_admitted]

    rows = [line(r.org.name, r.figures, by_org[r.org.id].figures) for r in in_period.rows]
    rows.append(line(f"Tổng cộng {org.name}", in_period.totals, cumulative.totals))
    wb = Workbook()
    ws = wb.active
    ws.title = "Kết nạp so với chỉ tiêu"
    title = f"{org.name.upper()} — BÁO CÁO KẾT QUẢ KẾT NẠP ĐẢNG VIÊN {label.upper()} NĂM {year}"
    header = excel.write_table(ws, columns, rows, title=title)
    for (cell,) in ws.iter_rows(min_row=header + 1, max_row=header + len(rows), min_col=5, max_col=5):
        cell.number_format = "0.00%"
    for cell in ws[header + len(rows)]:
        cell.font = Font(bold=True)
    filename = f"bao-cao-ket-nap-{org.code}-{year}-{part}.xlsx"
    return excel.workbook_bytes(wb), filename
