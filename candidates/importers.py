"""Back-fill import: candidates already part-way through the pipeline, from an Excel sheet,
through the shared upload machinery (stored file, dry run with Excel row numbers, confirm,
all-or-nothing).

Each row is checked by the very service that records it (``services.candidate_backfill``) inside
a savepoint that is always rolled back during the dry run, so the preview refuses exactly what
the commit would refuse: dates out of order, more votes than members present, a helper who is
not an official member of the same grassroots organisation, a cell outside the user's scope.
Re-uploading the same sheet finds the people already entered (by their national ID) and
changes nothing. Admitted members are not back-filled here: they belong to the members import.
"""

import datetime
from collections.abc import Iterable, Iterator
from typing import Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from members.models import ETHNICITIES, GeneralEducation, Membership, Person, Sex
from organizations.models import Organization
from organizations.privacy import can_see_sensitive
from partydev.excel import ExcelColumn, table_workbook
from partydev.models import Upload
from partydev.spreadsheets import CellError, Column, SheetRow, normalise_text, to_date, to_int, to_text
from partydev.text import ascii_digits, fold
from partydev.uploads import CREATE, UNCHANGED, Importer, ParsedRow, Plan, PlanItem, RowError

from . import services
from .models import OPEN_STAGES, Candidate, Introduction, SourceKind, Stage

SHEET_NAME = "Đối tượng kết nạp"
BACKFILL_STAGES = [s for s in OPEN_STAGES if s != Stage.SOURCE]

# key, header, kind (text, date, int, member, org, choice), required
SPEC = [
    ("cell_code", "Mã chi bộ", "text", True),
    ("full_name", "Họ và tên", "text", True),
    ("national_id", "Số CCCD", "text", True),
    ("date_of_birth", "Ngày sinh", "date", True),
    ("sex", "Giới tính", "choice", True),
    ("ethnicity", "Dân tộc", "choice", False),
    ("general_education", "Giáo dục phổ thông", "choice", True),
    ("source_kind", "Nguồn", "choice", False),
    ("source_date", "Ngày vào nguồn", "date", True),
    ("stage", "Giai đoạn đã đạt", "choice", True),
    ("cultivation_date", "Ngày vào danh sách bồi dưỡng", "date", False),
    ("helper", "CCCD đảng viên giúp đỡ", "member", False),
    ("certificate_number", "Số giấy chứng nhận", "text", False),
    ("certificate_date", "Ngày cấp giấy chứng nhận", "date", False),
    ("form1_date", "Ngày nhận 1-KNĐ", "date", False),
    ("form2_date", "Ngày nhận 2-KNĐ", "date", False),
    ("introduction", "Hình thức giới thiệu", "choice", False),
    ("form3_date", "Ngày nhận giấy giới thiệu", "date", False),
    ("introducer_1", "CCCD người giới thiệu 1", "member", False),
    ("introducer_2", "CCCD người giới thiệu 2", "member", False),
    ("form5_date", "Ngày nhận 5-KNĐ", "date", False),
    ("verification_date", "Ngày thẩm tra xong", "date", False),
    ("cell_vote_date", "Ngày chi bộ xét", "date", False),
    ("cell_present", "Đảng viên chính thức có mặt", "int", False),
    ("cell_total", "Tổng số đảng viên chính thức", "int", False),
    ("cell_votes_for", "Tán thành (chi bộ)", "int", False),
    ("partial_date", "Ngày đảng ủy bộ phận thẩm định", "date", False),
    ("partial_members", "Số ủy viên đảng ủy bộ phận", "int", False),
    ("partial_votes_for", "Tán thành (bộ phận)", "int", False),
    ("committee_date", "Ngày đảng ủy cơ sở xét", "date", False),
    ("committee_members", "Số cấp ủy viên", "int", False),
    ("committee_votes_for", "Tán thành (cấp ủy)", "int", False),
    ("decision_number", "Số quyết định kết nạp", "text", False),
    ("decision_date", "Ngày quyết định kết nạp", "date", False),
    ("decided_by", "Mã cấp ủy quyết định", "org", False),
]
LABELS = {key: header for key, header, _, _ in SPEC}
LABELS.update(
    {
        "effective_date": "Ngày vào nguồn",
        "cell": "Mã chi bộ",
        "verification_result": "Ngày thẩm tra xong",
        "decision_received_date": "Ngày quyết định kết nạp",
        "stage": "Giai đoạn đã đạt",
        "to_cell": "Mã chi bộ",
    }
)


# A parsed cell, by its column's kind in SPEC: a date, an int, or a text (a choice's key, a code,
# a national ID); None when empty.
_Value = datetime.date | int | str | None


def _choices(pairs: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Accept the key or the Vietnamese label, with or without diacritics."""
    out = {}
    for key, label in pairs:
        out[fold(str(key))] = key
        out[fold(str(label))] = key
    return out


CHOICES = {
    "sex": _choices(Sex.choices),
    "ethnicity": _choices(ETHNICITIES),
    "general_education": _choices(
        [*GeneralEducation.choices, ("lower_secondary", "THCS"), ("upper_secondary", "THPT")]
    ),
    "source_kind": _choices(SourceKind.choices),
    "stage": _choices([(s, Stage(s).label) for s in BACKFILL_STAGES]),
    "introduction": _choices(
        [
            *Introduction.choices,
            (Introduction.MEMBERS, "Đảng viên"),
            (Introduction.YOUTH_UNION, "Đoàn"),
            (Introduction.TRADE_UNION, "Công đoàn"),
        ]
    ),
}


class _Rollback(Exception):
    pass


class CandidateBackfillImporter(Importer):
    kind = "candidates"
    title = "Đối tượng kết nạp đang trong quy trình"
    sheet_name = SHEET_NAME
    key = "national_id"
    max_rows = 2000
    looks_up_identifiers = True
    columns = [Column(key, header, required=required) for key, header, _, required in SPEC]

    def parse_row(self, row: SheetRow) -> dict[str, _Value]:
        v = row.values
        problems: list[tuple[str, str]] = []
        out: dict[str, _Value] = {}
        for key, header, kind, required in SPEC:
            raw = v.get(key)
            value: _Value
            try:
                if kind == "date":
                    value = to_date(raw)
                elif kind == "int":
                    value = to_int(raw)
                elif kind == "choice":
                    value = None
                    if raw not in (None, ""):
                        value = CHOICES[key].get(fold(normalise_text(str(raw))))
                        if value is None:
                            raise CellError(f"“{raw}” không phải giá trị hợp lệ")
                else:
                    value = to_text(raw) if raw not in (None, "") else None
            except CellError as exc:
                problems.append((header, f"{header}: {exc}."))
                continue
            if required and value in (None, ""):
                problems.append((header, f"Thiếu {header.lower()}."))
            out[key] = value
        # Identifiers: ASCII digits only (full-width digits folded; Arabic-Indic and the like refused).
        for key in ("national_id", "helper", "introducer_1", "introducer_2"):
            if out.get(key):
                digits = ascii_digits(cast(str, out[key]))  # text columns (SPEC)
                if digits is None or (key == "national_id" and len(digits) != 12):
                    problems.append((LABELS[key], f"{LABELS[key]}: số CCCD phải gồm đúng 12 chữ số (0–9)."))
                else:
                    out[key] = digits
        if problems:
            raise RowError.many(problems)
        # Text columns (SPEC); the cell's code is required (checked above).
        out["cell_code"] = cast(str, out["cell_code"]).upper()
        if out.get("decided_by"):
            out["decided_by"] = cast(str, out["decided_by"]).upper()
        return out

    def plan(self, rows: list[ParsedRow]) -> Plan:
        plan = Plan()
        ids = [r.values["national_id"] for r in rows]
        member_ids = {r.values[k] for r in rows for k in ("helper", "introducer_1", "introducer_2") if r.values.get(k)}
        cell_codes = {r.values["cell_code"] for r in rows}
        decider_codes = {r.values["decided_by"] for r in rows if r.values.get("decided_by")}
        # Cells only in the uploader's subtree; deciding committees (above the cell) anywhere.
        cells = {o.code: o for o in Organization.objects.for_user(self.user).filter(code__in=cell_codes)}
        deciders = {o.code: o for o in Organization.objects.filter(code__in=decider_codes)}
        members = {
            m.person.national_id: m
            for m in Membership.objects.filter(person__national_id__in=member_ids).select_related("person", "cell")
        }
        existing = {
            c.person.national_id: c
            for c in Candidate.objects.filter(person__national_id__in=ids)
            .select_related("person", "cell")
            .order_by("pk")
        }
        people = {
            p.national_id: p
            for p in Person.objects.filter(national_id__in=ids).select_related("membership", "membership__cell")
        }
        for r in rows:
            v = r.values
            label = f"{v['full_name']} ({v['cell_code']})"
            values = {"Họ và tên": v["full_name"], "Chi bộ": v["cell_code"], "Giai đoạn": Stage(v["stage"]).label}
            found = existing.get(v["national_id"])
            person = people.get(v["national_id"])
            if found is not None or person is not None:
                # A national ID already in the register. Said more of only where the uploader may
                # read national IDs: the candidate's cell, or the member's.
                home = found.cell if found is not None else _membership_cell(person)
                if home is None or not can_see_sensitive(self.user, home):
                    self.refuse_identifier(plan, r.number, LABELS["national_id"], v["national_id"])
                elif found is None:
                    assert person is not None  # neither a candidate nor a person: not in this branch
                    plan.error(
                        r.number,
                        "Số CCCD",
                        f"Số CCCD {v['national_id']} là của đảng viên {person.full_name} ({home.code}): "
                        "đảng viên không nhập bổ sung làm đối tượng kết nạp.",
                    )
                elif found.cell.code == v["cell_code"] and found.person.full_name == v["full_name"]:
                    plan.items.append(PlanItem(r.number, v["national_id"], label, UNCHANGED, values=values))
                else:
                    plan.error(
                        r.number,
                        "Số CCCD",
                        f"Số CCCD {v['national_id']} đã có trong quy trình kết nạp "
                        f"({found.person.full_name}, {found.cell.name}).",
                    )
                continue
            args, problems, refused = self._service_args(v, cells, deciders, members)
            for column, value in refused:
                self.refuse_identifier(plan, r.number, column, value)
            if problems or refused:
                for column, message in problems:
                    plan.error(r.number, column, message)
                continue
            try:
                with transaction.atomic():
                    services.candidate_backfill(**args, user=self.user)
                    raise _Rollback
            except _Rollback:
                plan.items.append(PlanItem(r.number, v["national_id"], label, CREATE, values=values, data=args))
            except ValidationError as exc:
                for column, message in _messages(exc):
                    plan.error(r.number, column, message)
            except PermissionDenied as exc:  # a step this account does not record, told on its row
                plan.error(r.number, "", str(exc))
        return plan

    def _service_args(
        self,
        v: dict[str, Any],
        cells: dict[str, Organization],
        deciders: dict[str, Organization],
        members: dict[str | None, Membership],
    ) -> tuple[dict[str, Any], list[tuple[str, str]], list[tuple[str, str]]]:
        """The keyword arguments of ``services.candidate_backfill`` for a row (its ``cell`` None when
        refused), the row's problems and the identifiers it may not use."""
        problems: list[tuple[str, str]] = []
        refused: list[tuple[str, str]] = []
        cell = cells.get(v["cell_code"])
        if cell is None:
            problems.append(
                ("Mã chi bộ", f"Mã chi bộ “{v['cell_code']}” không tồn tại hoặc nằm ngoài phạm vi của bạn.")
            )
        data: dict[str, object] = {}
        for key, header, kind, _ in SPEC[10:]:
            value = v.get(key)
            if kind == "member" and value:
                member = members.get(value)
                # Found by national ID: only members whose national IDs the uploader may read.
                # Whether the number is nobody's, a non-member's or a member's elsewhere is not said.
                if member is None or not can_see_sensitive(self.user, member.cell):
                    refused.append((header, value))
                value = member
            elif kind == "org" and value:
                org = deciders.get(value)
                if org is None:
                    problems.append((header, f"Mã cấp ủy “{value}” không tồn tại."))
                value = org
            data[key] = value
        data["verification_result"] = "clear" if data.get("verification_date") else ""
        # A sheet that says the trade union introduced says the workplace has no Youth Union.
        data["no_youth_union"] = data.get("introduction") == Introduction.TRADE_UNION
        data["decision_received_date"] = data.get("decision_date")
        data["decision_extended"] = False
        data["certificate_number"] = data.get("certificate_number") or ""
        data["decision_number"] = data.get("decision_number") or ""
        person_fields = {
            "full_name": v["full_name"],
            "national_id": v["national_id"],
            "date_of_birth": v["date_of_birth"],
            "sex": v["sex"],
            "ethnicity": v.get("ethnicity") or "kinh",
            "general_education": v["general_education"],
        }
        args = {
            "person_fields": person_fields,
            "cell": cell,
            "source_kind": v.get("source_kind") or SourceKind.OTHER,
            "source_date": v["source_date"],
            "stage": v["stage"],
            "data": data,
        }
        return args, problems, refused

    def apply(self, items: list[PlanItem], upload: Upload) -> None:
        for item in items:
            if item.action == CREATE:
                services.candidate_backfill(**item.data, user=self.user)


def _membership_cell(person: Person | None) -> Organization | None:
    membership = getattr(person, "membership", None) if person is not None else None
    return membership.cell if membership is not None else None


def _messages(exc: ValidationError) -> Iterator[tuple[str, str]]:
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            for m in messages:
                yield LABELS.get(field, ""), m
    else:
        for m in exc.messages:
            yield "", m


def backfill_template() -> bytes:
    """An empty sheet with the headers the importer reads."""
    columns = [ExcelColumn(header, width=max(12, len(header) + 2)) for _, header, _, _ in SPEC]
    title = (
        "Đối tượng kết nạp đang trong quy trình — mỗi dòng một người; ngày ghi dd/mm/yyyy; "
        "chỉ điền các bước đã qua; giai đoạn: " + ", ".join(Stage(s).label for s in BACKFILL_STAGES)
    )
    return table_workbook(columns, [], title=title, sheet_name=SHEET_NAME)
