"""The register as an .xlsx: streamed row by row (write-only workbook), so a whole province of
tens of thousands of members costs little memory. Text is escaped against formula injection."""

import io

from django.db.models import QuerySet
from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from organizations.privacy import HIDDEN
from partydev import excel
from partydev.excel import escape_text, xlsx_response
from partydev.tasks import in_task, report, reporting

from .models import (
    ETHNICITIES,
    GeneralEducation,
    Membership,
    PoliticalTheory,
    ProfessionalQualification,
    Religion,
    Sector,
    Sex,
    Status,
)

ETHNICITY_LABELS = dict(ETHNICITIES)
LABELS = {
    "sex": dict(Sex.choices),
    "religion": dict(Religion.choices),
    "education": dict(GeneralEducation.choices),
    "qualification": dict(ProfessionalQualification.choices),
    "theory": dict(PoliticalTheory.choices),
    "sector": dict(Sector.choices),
    "status": dict(Status.choices),
}
COLUMNS = [
    ("STT", 6),
    ("Họ và tên", 28),
    ("Giới tính", 9),
    ("Ngày sinh", 12),
    ("Dân tộc", 12),
    ("Tôn giáo", 12),
    ("Số CCCD", 15),
    ("Quê quán", 28),
    ("Giáo dục phổ thông", 18),
    ("Chuyên môn, nghiệp vụ", 22),
    ("Lý luận chính trị", 16),
    ("Nghề nghiệp, thành phần", 24),
    ("Đoàn viên", 9),
    ("Mã chi bộ", 18),
    ("Chi bộ", 36),
    ("Tình trạng", 14),
    ("Ngày quyết định kết nạp", 14),
    ("Số quyết định kết nạp", 16),
    ("Ngày lễ kết nạp", 14),
    ("Chính thức từ ngày", 14),
    ("Số thẻ đảng viên", 14),
]


def _row(n: int, m: Membership, sensitive: bool = True) -> list[object]:
    p = m.person
    if sensitive:
        ethnicity, religion, national_id = (
            ETHNICITY_LABELS.get(p.ethnicity, p.ethnicity),
            LABELS["religion"][p.religion],
            p.national_id or "",
        )
    else:  # see organizations.privacy
        ethnicity = religion = national_id = HIDDEN
    return [
        n,
        p.full_name,
        LABELS["sex"][p.sex],
        p.date_of_birth,
        ethnicity,
        religion,
        national_id,
        p.place_of_origin,
        LABELS["education"][p.general_education],
        LABELS["qualification"][p.professional_qualification],
        LABELS["theory"][p.political_theory],
        LABELS["sector"][p.sector],
        "Có" if p.youth_union else "Không",
        m.cell.code,
        m.cell.name,
        LABELS["status"][m.status],
        m.admission_decision_date,
        m.admission_decision_number,
        m.ceremony_date,
        m.official_from,
        m.card_number,
    ]


def members_workbook(memberships: QuerySet[Membership], *, title: str, sensitive: bool = True) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Đảng viên")
    excel.print_setup(ws, 3, title=title)  # A4 landscape, fitted to the width, the header row on every page
    for i, (_, width) in enumerate(COLUMNS):
        ws.column_dimensions[chr(ord("A") + i) if i < 26 else "A" + chr(ord("A") + i - 26)].width = width
    title_cell = WriteOnlyCell(ws, value=escape_text(title))
    title_cell.font = Font(bold=True, size=13)
    ws.append([title_cell])
    ws.append([])
    header = []
    for label, _ in COLUMNS:
        cell = WriteOnlyCell(ws, value=label)
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    rows = memberships.iterator(chunk_size=2000)
    if in_task():  # in a worker: say how far it has got
        report(2, "Đang đọc danh sách đảng viên từ cơ sở dữ liệu")
        rows = reporting(rows, memberships.count(), "Đang ghi đảng viên {i}/{n} vào tệp", start=3, end=95)
    for n, m in enumerate(rows, start=1):
        out: list[object] = []
        for value in _row(n, m, sensitive):
            if isinstance(value, str):
                # Escaped text never starts with "=", so it is written as text, not a formula.
                out.append(escape_text(value))
            elif hasattr(value, "year"):
                cell = WriteOnlyCell(ws, value=value)
                cell.number_format = "DD/MM/YYYY"
                out.append(cell)
            else:
                out.append(value)
        ws.append(out)
    report(96, "Đang nén tệp Excel")
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def members_xlsx_response(
    memberships: QuerySet[Membership], filename: str, *, title: str, sensitive: bool = True
) -> HttpResponse:
    return xlsx_response(members_workbook(memberships, title=title, sensitive=sensitive), filename)
