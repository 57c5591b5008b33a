"""The quota spreadsheet: the template a user downloads and the importer that reads it back."""

import datetime

from django.core.exceptions import ValidationError
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

from members.selectors import admitted_by_anchor
from organizations.models import Organization, user_roles
from partydev.excel import ExcelColumn, set_cell, workbook_bytes, write_table
from partydev.spreadsheets import CellError, SpreadsheetError, normalise_text, to_int
from partydev.uploads import CHANGE, CREATE, UNCHANGED, Change, Column, Importer, Plan, PlanItem, RowError

from .models import MAX_QUOTA, Quota
from .services import can_set_quota, number_problems, quotas_bulk_set, settable_organizations, validate_year

SHEET_NAME = "Chỉ tiêu"
KIND_LABELS = dict(Organization._meta.get_field("kind").choices)


def target_header(year) -> str:
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


def quota_template(user, year: int) -> bytes:
    """The .xlsx a user fills in: one row per organisation whose quota they may set, with this
    year's quota if already set and last year's quota and admissions for reference."""
    orgs = list(settable_organizations(user).only("id", "path", "depth", "numchild", "code", "name", "kind"))
    current = dict(Quota.objects.filter(year=year, organization__in=[o.pk for o in orgs]).values_list("organization_id", "target"))
    minimums = dict(Quota.objects.filter(year=year, organization__in=[o.pk for o in orgs]).values_list("organization_id", "minimum"))
    previous = dict(Quota.objects.filter(year=year - 1, organization__in=[o.pk for o in orgs]).values_list("organization_id", "target"))
    admitted = admitted_by_anchor(orgs, datetime.date(year - 1, 1, 1), datetime.date(year - 1, 12, 31)) if orgs else {}
    top = min((o.depth for o in orgs), default=1)
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    rows = (
        [i, o.code, o.name, KIND_LABELS.get(o.kind, o.kind), current.get(o.pk), minimums.get(o.pk), None,
         previous.get(o.pk), admitted.get(o.path, 0)]
        for i, o in enumerate(orgs, start=1)
    )
    title = f"CHỈ TIÊU KẾT NẠP ĐẢNG VIÊN NĂM {year}"
    header_row = write_table(ws, template_columns(year), rows, title=title)
    set_cell(ws.cell(row=2, column=1), (
        "Điền cột “Chỉ tiêu” (số nguyên từ 0) và, nếu cần, “Tối thiểu” (không lớn hơn chỉ tiêu). Để trống dòng "
        "không giao chỉ tiêu. Giữ nguyên dòng tiêu đề; không gộp ô, không ẩn dòng, không thêm dòng trùng mã."
    ))
    ws.cell(row=2, column=1).font = Font(italic=True, color="555555")
    last = header_row + len(orgs)
    indents = {}
    for r, org in enumerate(orgs, start=header_row + 1):
        level = org.depth - top
        if level:
            ws.cell(row=r, column=3).alignment = indents.setdefault(level, Alignment(indent=level))
    if orgs:
        validation = DataValidation(
            type="whole", operator="between", formula1="0", formula2=str(MAX_QUOTA), allow_blank=True,
            showErrorMessage=True, errorTitle="Số không hợp lệ", error=f"Nhập một số nguyên từ 0 đến {MAX_QUOTA}.",
            promptTitle="Chỉ tiêu", prompt="Số nguyên không âm; để trống nếu không giao.", showInputMessage=True,
        )
        validation.add(f"E{header_row + 1}:F{last}")
        ws.add_data_validation(validation)
    ws.auto_filter.ref = f"A{header_row}:I{max(last, header_row)}"
    return workbook_bytes(wb)


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

    def begin(self, sheet):
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

    def parse_row(self, row):
        v = row.values
        problems = []
        code = v.get("code")
        if isinstance(code, float) and code.is_integer():
            code = int(code)
        code = normalise_text(str(code)).upper() if code is not None else ""
        if not code:
            problems.append(("Mã tổ chức", "Thiếu mã tổ chức."))
        numbers = {}
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

    def plan(self, rows):
        plan = Plan()
        rows = [r for r in rows if not r.values.get("skip")]
        if self.skipped:
            self.notices.append(f"{self.skipped} dòng để trống chỉ tiêu: bỏ qua, không thay đổi gì.")
        codes = [r.values["code"] for r in rows]
        orgs = {o.code: o for o in Organization.objects.filter(code__in=codes).only("id", "code", "name", "path", "depth", "kind")}
        existing = {q.organization_id: q for q in Quota.objects.filter(year=self.year, organization__in=[o.pk for o in orgs.values()])}
        visible = [p for p, _ in user_roles(self.user)]
        for r in rows:
            code = r.values["code"]
            org = orgs.get(code)
            if org is None or not (self.user.is_superuser or any(org.path.startswith(p) for p in visible)):
                plan.error(r.number, "Mã tổ chức", f"Mã tổ chức “{code}” không tồn tại hoặc nằm ngoài phạm vi của bạn.")
                continue
            if not can_set_quota(self.user, org):
                plan.error(r.number, "Mã tổ chức", f"Bạn không giao chỉ tiêu cho “{org.name}” ({code}): chỉ tiêu của tổ chức này do cấp trên giao.")
                continue
            target, minimum, note = r.values["target"], r.values["minimum"], r.values["note"]
            quota = existing.get(org.pk)
            values = {self.target_label: target, "Tối thiểu": minimum, "Ghi chú": note or None}
            entry = {"organization_id": org.pk, "year": self.year, "target": target, "minimum": minimum, "note": note, "quota": quota}
            if quota is None:
                plan.items.append(PlanItem(r.number, code, org.name, CREATE, values=values, data=entry))
                continue
            changes = [
                Change(label, old, new)
                for label, old, new in (
                    ("Chỉ tiêu", quota.target, target), ("Tối thiểu", quota.minimum, minimum), ("Ghi chú", quota.note or None, note or None)
                )
                if old != new
            ]
            plan.items.append(PlanItem(r.number, code, org.name, CHANGE if changes else UNCHANGED, changes=changes, values=values, data=entry))
        return plan

    def apply(self, items, upload):
        quotas_bulk_set([i.data for i in items], user=self.user, upload=upload)

