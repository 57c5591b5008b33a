"""The pipeline of a scope as an .xlsx workbook (through the shared, formula-escaping helpers)."""

import datetime
from collections.abc import Iterator
from typing import Any

from organizations.models import Organization
from organizations.privacy import HIDDEN, can_see_sensitive
from partydev.excel import ExcelColumn, table_workbook

from .models import Candidate, DueKind, Stage

COLUMNS = [
    ExcelColumn("Mã chi bộ", width=18),
    ExcelColumn("Chi bộ", width=40),
    ExcelColumn("Họ và tên", width=28),
    ExcelColumn("Ngày sinh", width=12),
    ExcelColumn("Giới tính", width=9),
    ExcelColumn("Dân tộc", width=10),
    ExcelColumn("Giai đoạn", width=28),
    ExcelColumn("Từ ngày", width=12),
    ExcelColumn("Giấy chứng nhận (ngày)", width=14),
    ExcelColumn("Chi bộ xét (ngày)", width=14),
    ExcelColumn("Tán thành / tổng số", width=12),
    ExcelColumn("Quyết định số", width=14),
    ExcelColumn("Ngày quyết định", width=14),
    ExcelColumn("Lễ kết nạp", width=12),
    ExcelColumn("Hạn tiếp theo", width=14),
    ExcelColumn("Loại hạn", width=30),
    ExcelColumn("Quá hạn (ngày)", width=10, number=True),
]


def pipeline_rows(org: Organization, user: Any, today: datetime.date) -> Iterator[list[object]]:
    qs = (
        Candidate.objects.in_subtree(user, org)
        .select_related("person", "cell")
        .order_by("cell__path", "stage", "person__full_name", "id")
    )
    for c in qs.iterator(chunk_size=2000):
        p = c.person
        yield [
            c.cell.code,
            c.cell.name,
            p.full_name,
            p.date_of_birth,
            p.get_sex_display(),
            p.get_ethnicity_display() if can_see_sensitive(user, c.cell) else HIDDEN,
            Stage(c.stage).label,
            c.stage_date,
            c.certificate_date,
            c.cell_vote_date,
            f"{c.cell_votes_for}/{c.cell_total}" if c.cell_total else None,
            c.decision_number or None,
            c.decision_date,
            c.ceremony_date,
            c.next_due,
            DueKind(c.due_kind).label if c.due_kind else None,
            (today - c.next_due).days if c.next_due and c.next_due < today else 0,
        ]


def pipeline_workbook(org: Organization, user: Any, today: datetime.date) -> bytes:
    return table_workbook(
        COLUMNS,
        pipeline_rows(org, user, today),
        title=f"Quy trình kết nạp — {org.name} — ngày {today:%d/%m/%Y}",
        sheet_name="Kết nạp",
    )
