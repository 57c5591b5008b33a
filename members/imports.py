"""Loading an existing register from Excel: the template and the importer, on the shared upload
machinery (``partydev.uploads``: stored file with its sha256, dry run, preview, confirm).

The national ID is the key: re-importing the same file finds every member already there and
changes nothing; a national ID that belongs to somebody else is refused. History (transfers,
exits) is never changed through a file: it is recorded as decisions on the member's page.
"""

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Field, QuerySet
from django.http import HttpRequest, HttpResponse
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation

from organizations import permissions
from organizations.models import CELL_KINDS, Organization
from organizations.privacy import can_see_sensitive
from organizations.selectors import user_roots, visible_uploads
from partydev.audit import bulk_history
from partydev.excel import ExcelColumn, set_cell, workbook_bytes, write_table, xlsx_response
from partydev.formats import short_date
from partydev.models import Upload
from partydev.spreadsheets import Sheet, SheetRow, to_date, to_text
from partydev.text import ascii_digits, fold
from partydev.upload_views import UploadFlow
from partydev.uploads import CHANGE, CREATE, UNCHANGED, Change, Column, Importer, ParsedRow, Plan, PlanItem, RowError

from .models import (
    ETHNICITIES,
    PERSON_FIELDS,
    GeneralEducation,
    Person,
    PoliticalTheory,
    ProfessionalQualification,
    Religion,
    Sector,
    Sex,
)
from .services import members_register_bulk, validate_new_member

SHEET_NAME = "Đảng viên"
OFFICIAL, PROBATIONARY = "Chính thức", "Dự bị"

# (key, header, required, example)
SPEC = [
    ("stt", "STT", False, 1),
    ("full_name", "Họ và tên", True, "Bùi Văn Minh"),
    ("sex", "Giới tính", True, "Nam"),
    ("date_of_birth", "Ngày sinh", True, "15/03/1990"),
    ("ethnicity", "Dân tộc", True, "Mường"),
    ("religion", "Tôn giáo", False, "Không"),
    ("national_id", "Số CCCD", True, "017090001234"),
    ("place_of_origin", "Quê quán", False, "xã Yên Mông, thành phố Hòa Bình"),
    ("general_education", "Giáo dục phổ thông", True, "Trung học phổ thông"),
    ("professional_qualification", "Chuyên môn, nghiệp vụ", False, "Đại học"),
    ("political_theory", "Lý luận chính trị", False, "Sơ cấp"),
    ("sector", "Nghề nghiệp, thành phần", False, "Viên chức"),
    ("youth_union", "Đoàn viên", False, "Không"),
    ("cell", "Mã chi bộ", True, "HB.TP.001.01"),
    ("status", "Tình trạng", True, OFFICIAL),
    ("admission_decision_date", "Ngày quyết định kết nạp", True, "02/09/2015"),
    ("admission_decision_number", "Số quyết định kết nạp", False, "125-QĐ/TU"),
    ("ceremony_date", "Ngày lễ kết nạp", False, "20/09/2015"),
    ("official_from", "Chính thức từ ngày", False, "20/09/2016"),
    ("recognition_decision_date", "Ngày quyết định công nhận chính thức", False, "10/10/2016"),
    ("card_number", "Số thẻ đảng viên", False, "17001234"),
]
LABELS = {key: label for key, label, _, _ in SPEC}
CHOICES = {
    "sex": Sex.choices,
    "ethnicity": ETHNICITIES,
    "religion": Religion.choices,
    "general_education": GeneralEducation.choices + [("lower_secondary", "THCS"), ("upper_secondary", "THPT")],
    "professional_qualification": ProfessionalQualification.choices + [("none", "Không")],
    "political_theory": PoliticalTheory.choices + [("none", "Không"), ("advanced", "Cao cấp"), ("advanced", "Cử nhân")],
    "sector": Sector.choices,
}
DEFAULTS = {"religion": "none", "professional_qualification": "none", "political_theory": "none", "sector": "other"}


# A parsed row's values: texts, choices' keys (None when not in the list: the row is refused),
# flags and dates.
_Value = str | bool | datetime.date | None


def _lookup(choices: Iterable[tuple[str, str]]) -> dict[str, str]:
    table: dict[str, str] = {}
    for key, label in choices:
        for text in (key, label, label.replace("'", ""), label.replace("-", " ")):
            table.setdefault(fold(text).replace("_", " "), key)
    return table


LOOKUPS = {field: _lookup(choices) for field, choices in CHOICES.items()}


def _d(day: datetime.date | None) -> str | None:
    return short_date(day) if day else None


class MemberImporter(Importer):
    kind = "members"
    title = "Danh sách đảng viên"
    sheet_name = SHEET_NAME
    key = "national_id"
    # Bounded: a district splits its register into files of this size (the benchmark loads one).
    max_rows = 5_000
    looks_up_identifiers = True
    columns = [Column(key, label, required=required) for key, label, required, _ in SPEC]

    def begin(self, sheet: Sheet) -> None:
        if not can_see_sensitive(self.user, self.scope):
            # The reason, once for the file: the rows of existing people only say "cannot be used".
            self.notices.append(
                "Tài khoản của bạn không được xem số CCCD, dân tộc, tôn giáo của đảng viên, nên tệp chỉ dùng để "
                "thêm người mới: người đã có trong hệ thống không được đối chiếu theo số CCCD và không bị sửa "
                "qua tệp (các cột Dân tộc, Tôn giáo không ghi đè hồ sơ hiện có). Việc sửa do cấp huyện thực hiện."
            )

    def parse_row(self, row: SheetRow) -> dict[str, _Value]:
        v = row.values
        problems: list[tuple[str, str]] = []
        out: dict[str, _Value] = {}
        for key in ("full_name", "place_of_origin", "admission_decision_number", "card_number"):
            out[key] = to_text(v.get(key))
        if not out["full_name"]:
            problems.append((LABELS["full_name"], "Thiếu họ và tên."))
        raw_id = to_text(v.get("national_id"))
        national_id = ascii_digits(raw_id)
        if national_id and isinstance(v.get("national_id"), (int, float)) and len(national_id) == 11:
            national_id = "0" + national_id  # Excel drops the leading zero of a number
        out["national_id"] = national_id or raw_id
        if not raw_id:
            problems.append((LABELS["national_id"], "Thiếu số CCCD: số CCCD là khóa để nhập lại không tạo trùng."))
        elif national_id is None:
            problems.append((LABELS["national_id"], "Số CCCD phải gồm đúng 12 chữ số (chỉ các chữ số 0–9)."))
        card = to_text(v.get("card_number"))
        if card:
            out["card_number"] = ascii_digits(card) or card
            if ascii_digits(card) is None:
                problems.append((LABELS["card_number"], "Số thẻ đảng viên chỉ gồm các chữ số 0–9."))
        for key, lookup in LOOKUPS.items():
            raw = to_text(v.get(key))
            if not raw:
                if key in DEFAULTS:
                    out[key] = DEFAULTS[key]
                else:
                    problems.append((LABELS[key], f"Thiếu {LABELS[key].lower()}."))
                continue
            found = lookup.get(fold(raw).replace("_", " "))
            if found is None:
                problems.append((LABELS[key], f"{LABELS[key]} “{raw}” không có trong danh mục."))
            out[key] = found
        youth = fold(to_text(v.get("youth_union")))
        if youth not in ("", "co", "khong", "x", "1", "0"):
            problems.append(
                (
                    LABELS["youth_union"],
                    f"Đoàn viên: ghi “Có” hoặc “Không”, không phải “{to_text(v.get('youth_union'))}”.",
                )
            )
        out["youth_union"] = youth in ("co", "x", "1")
        for key in (
            "date_of_birth",
            "admission_decision_date",
            "ceremony_date",
            "official_from",
            "recognition_decision_date",
        ):
            try:
                out[key] = to_date(v.get(key))
            except ValueError as exc:
                problems.append((LABELS[key], f"{LABELS[key]}: {exc}."))
                out[key] = None
        status = fold(to_text(v.get("status")))
        if status not in ("chinh thuc", "du bi"):
            problems.append((LABELS["status"], f"Tình trạng phải là “{OFFICIAL}” hoặc “{PROBATIONARY}”."))
        out["official"] = status == "chinh thuc"
        out["cell"] = to_text(v.get("cell")).upper()
        if not out["cell"]:
            problems.append((LABELS["cell"], "Thiếu mã chi bộ."))
        if problems:
            raise RowError.many(problems)
        return out

    def plan(self, rows: list[ParsedRow]) -> Plan:
        plan = Plan()
        codes = {r.values["cell"] for r in rows}
        # Only cells in the uploader's subtree: one that exists elsewhere reads like one that does not.
        cells = {
            o.code: o
            for o in Organization.objects.for_user(self.user)
            .filter(code__in=codes)
            .only("id", "code", "name", "path", "depth", "kind")
        }
        existing = {
            p.national_id: p
            for p in Person.objects.filter(national_id__in=[r.values["national_id"] for r in rows])
            .select_related("membership", "membership__cell")
            # Candidates (a floor above) are reached by the reverse relation's name, never imported.
            .prefetch_related("candidacies__cell")
        }
        for r in rows:
            v = r.values
            cell = cells.get(v["cell"])
            if cell is None:
                plan.error(
                    r.number, LABELS["cell"], f"Mã chi bộ “{v['cell']}” không tồn tại hoặc nằm ngoài phạm vi của bạn."
                )
                continue
            if cell.kind not in CELL_KINDS:
                plan.error(r.number, LABELS["cell"], f"“{cell.name}” ({cell.code}) không phải là chi bộ.")
                continue
            national_id: str = v["national_id"]  # parse_row refuses a row without one
            same = existing.get(national_id)
            if same is not None and not self._may_look_up(same):
                # Somebody the uploader may not find by national ID: out of their subtree, or in a
                # cell whose national IDs they may not read. Nothing of theirs is said, or changed.
                self.refuse_identifier(plan, r.number, LABELS["national_id"], national_id)
                continue
            person = Person(**{k: v[k] for k in PERSON_FIELDS})
            person.name_search = fold(person.full_name)
            try:
                official_from, recognised = validate_new_member(
                    person,
                    cell=cell,
                    admission_decision_date=v["admission_decision_date"],
                    ceremony_date=v["ceremony_date"],
                    official=v["official"],
                    official_from=v["official_from"],
                    recognition_decision_date=v["recognition_decision_date"],
                    validate_unique=False,
                )
            except ValidationError as exc:
                for field, messages in exc.message_dict.items():
                    for message in messages:
                        plan.error(r.number, LABELS.get(field, ""), message)
                continue
            label = f"{person.full_name} ({_d(person.date_of_birth)})"
            values = {
                "Chi bộ": cell.code,
                "Tình trạng": OFFICIAL if v["official"] else PROBATIONARY,
                "Ngày kết nạp": _d(v["admission_decision_date"]),
            }
            same = existing.get(person.national_id)
            if same is not None:
                if (fold(same.full_name), same.date_of_birth) != (fold(person.full_name), person.date_of_birth):
                    plan.error(
                        r.number,
                        LABELS["national_id"],
                        f"Số CCCD {person.national_id} đã có trong hệ thống, của một người khác ({same.full_name}, sinh {_d(same.date_of_birth)}).",
                    )
                    continue
                member = getattr(same, "membership", None)
                if member is not None and member.cell_id != cell.pk:
                    plan.error(
                        r.number,
                        LABELS["cell"],
                        f"{same.full_name} đang sinh hoạt ở “{member.cell.code}”: chuyển sinh hoạt phải ghi bằng quyết định, không qua tệp.",
                    )
                    continue
                changes = [
                    Change(_person_label(k), str(getattr(same, k)), str(getattr(person, k)))
                    for k in PERSON_FIELDS
                    if k not in ("full_name", "national_id", "date_of_birth") and getattr(same, k) != getattr(person, k)
                ]
                plan.items.append(
                    PlanItem(
                        r.number,
                        national_id,
                        label,
                        CHANGE if changes else UNCHANGED,
                        changes=changes,
                        values=values,
                        data={"update": same, "person": person},
                    )
                )
                continue
            plan.items.append(
                PlanItem(
                    r.number,
                    national_id,
                    label,
                    CREATE,
                    values=values,
                    data={
                        "person": person,
                        "cell": cell,
                        "admission_decision_date": v["admission_decision_date"],
                        "admission_decision_number": v["admission_decision_number"],
                        "ceremony_date": v["ceremony_date"],
                        "official_from": official_from,
                        "recognition_decision_date": recognised,
                        "card_number": v["card_number"],
                    },
                )
            )
        return plan

    def _may_look_up(self, person: Person) -> bool:
        """A person found by national ID is usable only where the uploader may read national IDs:
        the cell of their membership, else of their latest candidacy. A person with neither is
        nobody's to match."""
        cell = _home_cell(person)
        return cell is not None and can_see_sensitive(self.user, cell)

    def apply(self, items: list[PlanItem], upload: Upload) -> None:
        new = [i.data for i in items if i.action == CREATE]
        updates = [i.data for i in items if i.action == CHANGE]
        for u in updates:
            for k in PERSON_FIELDS:
                if k not in ("full_name", "national_id", "date_of_birth"):
                    setattr(u["update"], k, getattr(u["person"], k))
            u["update"].full_clean()
        if updates:
            Person.objects.bulk_update(
                [u["update"] for u in updates],
                [k for k in PERSON_FIELDS if k not in ("full_name", "national_id", "date_of_birth")],
            )
            bulk_history(Person, [u["update"] for u in updates], user=self.user)  # bulk_update writes no history itself
        if new:
            members_register_bulk(new, user=self.user)


def _person_label(name: str) -> str:
    field = Person._meta.get_field(name)
    assert isinstance(field, Field)  # PERSON_FIELDS are the person's own columns
    return str(field.verbose_name)


def _home_cell(person: Person) -> Organization | None:
    membership = getattr(person, "membership", None)
    if membership is not None:
        return membership.cell
    candidacies = sorted(person.candidacies.all(), key=lambda c: c.pk)
    return candidacies[-1].cell if candidacies else None


def import_template() -> bytes:
    """The .xlsx to fill in: Vietnamese headers, one example row, lists for the coded columns."""
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_NAME
    columns = [ExcelColumn(label, width=max(12, len(label) + 2)) for _, label, _, _ in SPEC]
    header_row = write_table(ws, columns, [[example for *_, example in SPEC]], title="DANH SÁCH ĐẢNG VIÊN")
    set_cell(
        ws.cell(row=2, column=1),
        (
            "Mỗi dòng một đảng viên; ngày ghi dd/mm/yyyy; số CCCD 12 chữ số (ghi dạng văn bản để giữ số 0 đầu). "
            "Xóa dòng ví dụ trước khi tải lên. Nhập lại cùng tệp không tạo trùng."
        ),
    )
    ws.cell(row=2, column=1).font = Font(italic=True, color="555555")
    lists = wb.create_sheet("Danh mục")
    for col, key in enumerate(CHOICES, start=1):  # one list per choice field
        set_cell(lists.cell(row=1, column=col), LABELS[key])
        labels = [label for _, label in _base_choices(key)]
        for row, label in enumerate(labels, start=2):
            set_cell(lists.cell(row=row, column=col), label)
        letter = chr(ord("A") + col - 1)
        target = chr(ord("A") + [k for k, *_ in SPEC].index(key))
        validation = DataValidation(
            type="list", formula1=f"'Danh mục'!${letter}$2:${letter}${len(labels) + 1}", allow_blank=True
        )
        validation.add(f"{target}{header_row + 1}:{target}{header_row + 5000}")
        ws.add_data_validation(validation)
    status_col = chr(ord("A") + [k for k, *_ in SPEC].index("status"))
    status_validation = DataValidation(type="list", formula1=f'"{OFFICIAL},{PROBATIONARY}"', allow_blank=False)
    status_validation.add(f"{status_col}{header_row + 1}:{status_col}{header_row + 5000}")
    ws.add_data_validation(status_validation)
    for i, (key, *_rest) in enumerate(SPEC, start=1):
        if key in ("national_id", "card_number", "date_of_birth") or key.endswith("_date") or key == "official_from":
            for row in range(header_row + 1, header_row + 2):
                ws.cell(row=row, column=i).number_format = "@"
    return workbook_bytes(wb)


def _base_choices(key: str) -> list[tuple[str, str]]:
    return {
        "sex": Sex.choices,
        "ethnicity": ETHNICITIES,
        "religion": Religion.choices,
        "general_education": GeneralEducation.choices,
        "professional_qualification": ProfessionalQualification.choices,
        "political_theory": PoliticalTheory.choices,
        "sector": Sector.choices,
    }[key]


def may_import(user: Any, org: Organization | None) -> bool:
    return org is not None and permissions.may_record_member_event(user, org)


class MemberUploadFlow(UploadFlow):
    importer_class = MemberImporter
    namespace = "members"
    title = "Nhập danh sách đảng viên từ Excel"
    upload_template = "members/upload.html"

    def upload_scope(self, request: HttpRequest) -> Organization | None:
        roots = list(user_roots(request.user)[:2])
        org = roots[0] if len(roots) == 1 else None
        if not may_import(request.user, org):
            raise PermissionDenied("Chỉ cán bộ cấp ủy cấp trên trực tiếp cơ sở trở lên được nhập danh sách đảng viên.")
        return org

    def visible_uploads(self, request: HttpRequest) -> QuerySet[Upload]:
        return visible_uploads(request.user, personal_data=True)  # national IDs, ethnicity, religion

    def extra_context(self, request: HttpRequest) -> dict[str, Any]:
        return {"template_url": "/members/import/template.xlsx"}

    def done_url(self, upload: Upload) -> str:
        return f"/members/?org={upload.scope.code}" if upload.scope else "/members/"


@login_required
def template_view(request: HttpRequest) -> HttpResponse:
    return xlsx_response(import_template(), "mau-danh-sach-dang-vien.xlsx")
