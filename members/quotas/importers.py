"""The quota spreadsheet: the template a user downloads and the importer that reads it back."""

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from members.selectors import admitted_by_anchor
from organizations.models import KIND_LABELS, Organization, user_roles
from partydev.excel import (
    HEADER_BORDER,
    HEADER_FILL,
    HEADER_FONT,
    TITLE_FONT,
    ExcelColumn,
    escape_text,
    set_cell,
    workbook_bytes,
)
from partydev.models import Upload
from partydev.spreadsheets import CellError, Sheet, SheetRow, SpreadsheetError, normalise_text, to_int, to_text
from partydev.uploads import CHANGE, CREATE, UNCHANGED, Change, Column, Importer, ParsedRow, Plan, PlanItem, RowError

from .models import MAX_QUOTA, Quota
from .services import (
    QuotaEntry,
    can_set_quota,
    number_problems,
    quotas_bulk_set,
    settable_organizations,
    validate_year,
)

SHEET_NAME = "Chỉ tiêu"
NOTE_FONT = Font(italic=True, color="555555")
HEADER_ALIGNMENT = Alignment(wrap_text=True, vertical="center")


def target_header(year: int) -> str:
    return f"Chỉ tiêu năm {year}"


def template_columns(year: int) -> list[ExcelColumn]:
    return [
        ExcelColumn("STT", width=6),
        ExcelColumn("Mã tổ chức", width=18),
        ExcelColumn("Tên tổ chức", width=52),
        ExcelColumn("Cấp", width=20),
        ExcelColumn(target_header(year), width=14, number=True),
        ExcelColumn("Tối thiểu", width=11, number=True),
        ExcelColumn("Ghi chú", width=30),
        ExcelColumn(f"Tham khảo: chỉ tiêu năm trước ({year - 1})", width=16, number=True),
        ExcelColumn(f"Tham khảo: đã kết nạp năm {year - 1}", width=16, number=True),
    ]


def quota_template(user: Any, year: int) -> bytes:
    """The .xlsx a user fills in: one row per organisation whose quota they may set, with this
    year's quota if already set and last year's quota and admissions for reference."""
    orgs = list(settable_organizations(user).only("id", "path", "depth", "numchild", "code", "name", "kind"))
    ids = [o.pk for o in orgs]
    current: dict[int, int] = {}
    minimums: dict[int, int | None] = {}
    for pk, target, minimum in Quota.objects.filter(year=year, organization__in=ids).values_list(
        "organization_id", "target", "minimum"
    ):
        current[pk], minimums[pk] = target, minimum
    previous = dict(Quota.objects.filter(year=year - 1, organization__in=ids).values_list("organization_id", "target"))
    admitted = admitted_by_anchor(orgs, datetime.date(year - 1, 1, 1), datetime.date(year - 1, 12, 31)) if orgs else {}
    top = min((o.depth for o in orgs), default=1)
    # Write-only: rows stream out without a cell grid in memory (the whole province: 3,716 rows).
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(SHEET_NAME)
    columns = template_columns(year)
    for i, column in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column.width
    header_row, last = 3, 3 + len(orgs)
    ws.freeze_panes = f"A{header_row + 1}"
    if orgs:
        validation = DataValidation(
            type="whole",
            operator="between",
            formula1="0",
            formula2=str(MAX_QUOTA),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Số không hợp lệ",
            error=f"Nhập một số nguyên từ 0 đến {MAX_QUOTA}.",
            promptTitle="Chỉ tiêu",
            prompt="Số nguyên không âm; để trống nếu không giao.",
            showInputMessage=True,
        )
        validation.add(f"E{header_row + 1}:F{last}")
        ws.data_validations.append(validation)
    ws.auto_filter.ref = f"A{header_row}:I{last}"
    ws.append([_cell(ws, f"CHỈ TIÊU KẾT NẠP ĐẢNG VIÊN NĂM {year}", font=TITLE_FONT)])
    ws.append(
        [
            _cell(
                ws,
                (
                    "Điền cột “Chỉ tiêu” (số nguyên từ 0) và, nếu cần, “Tối thiểu” (không lớn hơn chỉ tiêu). Để trống dòng "
                    "không giao chỉ tiêu. Giữ nguyên dòng tiêu đề; không gộp ô, không ẩn dòng, không thêm dòng trùng mã."
                ),
                font=NOTE_FONT,
            )
        ]
    )
    ws.append(
        [
            _cell(ws, c.header, font=HEADER_FONT, fill=HEADER_FILL, border=HEADER_BORDER, alignment=HEADER_ALIGNMENT)
            for c in columns
        ]
    )
    indents: dict[int, Alignment] = {}
    for i, o in enumerate(orgs, start=1):
        level = o.depth - top
        if level and level not in indents:
            indents[level] = Alignment(indent=level)
        name = _cell(ws, o.name, alignment=indents[level]) if level else escape_text(o.name)
        ws.append(
            [
                i,
                escape_text(o.code),
                name,
                KIND_LABELS.get(o.kind, o.kind),
                current.get(o.pk),
                minimums.get(o.pk),
                None,
                previous.get(o.pk),
                admitted.get(o.path, 0),
            ]
        )
    return workbook_bytes(wb)


def _cell(ws: Any, value: object, **style: object) -> Any:
    # ws and the cell are openpyxl's (installed without type information: Any, as in partydev.excel).
    cell = WriteOnlyCell(ws)
    set_cell(cell, value)
    for key, val in style.items():
        setattr(cell, key, val)
    return cell


class QuotaImporter(Importer):
    kind = "quotas"
    title = "Chỉ tiêu kết nạp"
    sheet_name = SHEET_NAME
    key = "code"
    columns = [
        Column("stt", "STT", required=False),
        Column("code", "Mã tổ chức"),
        Column("name", "Tên tổ chức", required=False),
        Column("kind", "Cấp", required=False),
        Column("target", "Chỉ tiêu năm YYYY", pattern=r"chi tieu nam(?!\s*truoc)\s*(?P<year>.*)"),
        Column("minimum", "Tối thiểu"),
        Column("note", "Ghi chú", required=False),
    ]

    def begin(self, sheet: Sheet) -> None:
        self.target_label = sheet.headers["target"]
        raw = sheet.header_groups.get("year", "")
        try:
            self.year = validate_year(normalise_text(raw))
        except ValidationError:
            raise SpreadsheetError(
                f"Trang “{sheet.name}”, dòng tiêu đề {sheet.header_row}: cột “{self.target_label}” phải ghi năm "
                f"bằng 4 chữ số (ví dụ “Chỉ tiêu năm 2024”); “{raw}” không phải là năm."
            )
        self.params["year"] = self.year
        self.skipped = 0

    def parse_row(self, row: SheetRow) -> dict[str, object]:
        v = row.values
        problems: list[tuple[str, str]] = []
        code = to_text(v.get("code")).upper()
        if not code:
            problems.append(("Mã tổ chức", "Thiếu mã tổ chức."))
        numbers: dict[str, int | None] = {}
        for key, label in (("target", self.target_label), ("minimum", "Tối thiểu")):
            try:
                numbers[key] = to_int(v.get(key))
            except CellError as exc:
                numbers[key] = None
                problems.append((label, f"{label}: {exc}."))
        if not problems:
            if numbers["target"] is None and numbers["minimum"] is None:
                self.skipped += 1
                return {"code": code, "skip": True}
            labels = {"target": self.target_label, "minimum": "Tối thiểu"}
            problems.extend((labels[f], m) for f, m in number_problems(numbers["target"], numbers["minimum"]))
        note = v.get("note")
        note = normalise_text(str(note)) if note is not None else ""
        if len(note) > 255:
            problems.append(("Ghi chú", f"Ghi chú dài {len(note)} ký tự (tối đa 255)."))
        if problems:
            raise RowError.many(problems)
        return {"code": code, "target": numbers["target"], "minimum": numbers["minimum"], "note": note}

    def plan(self, rows: list[ParsedRow]) -> Plan:
        plan = Plan()
        rows = [r for r in rows if not r.values.get("skip")]
        if self.skipped:
            self.notices.append(f"{self.skipped} dòng để trống chỉ tiêu: bỏ qua, không thay đổi gì.")
        codes = [r.values["code"] for r in rows]
        orgs = {
            o.code: o
            for o in Organization.objects.filter(code__in=codes).only("id", "code", "name", "path", "depth", "kind")
        }
        existing = {
            q.organization_id: q
            for q in Quota.objects.filter(year=self.year, organization__in=[o.pk for o in orgs.values()])
        }
        visible = [p for p, _ in user_roles(self.user)]
        for r in rows:
            code = r.values["code"]
            org = orgs.get(code)
            if org is None or not (self.user.is_superuser or any(org.path.startswith(p) for p in visible)):
                plan.error(r.number, "Mã tổ chức", f"Mã tổ chức “{code}” không tồn tại hoặc nằm ngoài phạm vi của bạn.")
                continue
            if not can_set_quota(self.user, org):
                plan.error(
                    r.number,
                    "Mã tổ chức",
                    f"Bạn không giao chỉ tiêu cho “{org.name}” ({code}): chỉ tiêu của tổ chức này do cấp trên giao.",
                )
                continue
            target, minimum, note = r.values["target"], r.values["minimum"], r.values["note"]
            quota = existing.get(org.pk)
            values = {self.target_label: target, "Tối thiểu": minimum, "Ghi chú": note or None}
            entry: QuotaEntry = {
                "organization_id": org.pk,
                "year": self.year,
                "target": target,
                "minimum": minimum,
                "note": note,
                "quota": quota,
            }
            if quota is None:
                plan.items.append(PlanItem(r.number, code, org.name, CREATE, values=values, data=entry))
                continue
            changes = [
                Change(label, old, new)
                for label, old, new in (
                    ("Chỉ tiêu", quota.target, target),
                    ("Tối thiểu", quota.minimum, minimum),
                    ("Ghi chú", quota.note or None, note or None),
                )
                if old != new
            ]
            plan.items.append(
                PlanItem(
                    r.number,
                    code,
                    org.name,
                    CHANGE if changes else UNCHANGED,
                    changes=changes,
                    values=values,
                    data=entry,
                )
            )
        return plan

    def apply(self, items: list[PlanItem], upload: Upload) -> None:
        quotas_bulk_set([i.data for i in items], user=self.user, upload=upload)
