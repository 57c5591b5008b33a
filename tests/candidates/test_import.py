"""Back-fill import through the shared upload flow: dry run with Excel row numbers, nothing
written on an error, all-or-nothing commit, the same sheet again changes nothing."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from candidates.importers import SPEC, CandidateBackfillImporter
from candidates.models import Candidate, CandidateEvent, EventKind, Stage
from partydev.models import Upload
from partydev.uploads import upload_commit, upload_dry_run, upload_store
from tests.uploads import files

from .factories import official_member

pytestmark = pytest.mark.django_db
D = datetime.date
HEADERS = [header for _, header, _, _ in SPEC]


def sheet(rows) -> bytes:
    values = [[row.get(h) for h in HEADERS] for row in rows]
    return files.workbook(values, headers=HEADERS, title="Nhập bổ sung đối tượng kết nạp", sheet="Đối tượng kết nạp")


def row(cell_code, national_id, **extra):
    base = {
        "Mã chi bộ": cell_code,
        "Họ và tên": "Bùi Thị Nhập",
        "Số CCCD": national_id,
        "Ngày sinh": "14/03/2000",
        "Giới tính": "Nữ",
        "Dân tộc": "Mường",
        "Giáo dục phổ thông": "THPT",
        "Nguồn": "Đoàn Thanh niên",
        "Ngày vào nguồn": D(2025, 1, 6),
        "Giai đoạn đã đạt": "Chi bộ đã xét",
        "Ngày vào danh sách bồi dưỡng": D(2025, 2, 10),
        "CCCD đảng viên giúp đỡ": "017100000001",
        "Số giấy chứng nhận": "12/CN",
        "Ngày cấp giấy chứng nhận": D(2025, 3, 20),
        "Ngày nhận 1-KNĐ": D(2025, 4, 1),
        "Ngày nhận 2-KNĐ": D(2025, 4, 1),
        "Hình thức giới thiệu": "Đảng viên",
        "Ngày nhận giấy giới thiệu": D(2025, 4, 3),
        "CCCD người giới thiệu 1": "017100000001",
        "CCCD người giới thiệu 2": "017100000002",
        "Ngày nhận 5-KNĐ": D(2025, 4, 7),
        "Ngày thẩm tra xong": D(2025, 5, 12),
        "Ngày chi bộ xét": "20/05/2025",
        "Đảng viên chính thức có mặt": 9,
        "Tổng số đảng viên chính thức": 10,
        "Tán thành (chi bộ)": 9,
    }
    base.update(extra)
    return base


@pytest.fixture
def members(tree):
    return [
        official_member(tree.CXA, national_id="017100000001"),
        official_member(tree.CXB, national_id="017100000002"),
    ]


def run(data, user, scope):
    upload = upload_store(
        file=SimpleUploadedFile("bo-sung.xlsx", data), importer_class=CandidateBackfillImporter, user=user, scope=scope
    )
    return upload, upload_dry_run(upload, CandidateBackfillImporter, user=user)


def test_bad_rows_are_named_by_excel_row_and_nothing_is_written(tree, users, members):
    data = sheet(
        [
            row(tree.CXA.code, "017200000001"),
            row(tree.CXA.code, "017200000002", **{"Tán thành (chi bộ)": 10}),  # more votes than present
            row(tree.CXA.code, "017200000003", **{"Ngày chi bộ xét": "01/05/2025"}),  # before the verification
            row(tree.CYA.code, "017200000004"),  # outside the grassroots staff's scope
            row(tree.CXA.code, "017200000005", **{"CCCD người giới thiệu 2": "017199999999"}),
        ]
    )
    upload, result = run(data, users.grassroots, tree.GX)
    rows = {(e["row"], e["column"]) for e in result.errors}
    assert (5, "Tán thành (chi bộ)") in rows
    assert (6, "Ngày chi bộ xét") in rows
    assert (7, "Mã chi bộ") in rows
    assert (8, "CCCD người giới thiệu 2") in rows
    assert not any(e["row"] == 4 for e in result.errors)
    assert Candidate.objects.count() == 0 and CandidateEvent.objects.count() == 0
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED


def test_commit_all_then_the_same_sheet_changes_nothing(tree, users, members):
    data = sheet(
        [
            row(tree.CXA.code, "017200000001"),
            row(tree.CXB.code, "017200000002", **{"Giai đoạn đã đạt": "Đối tượng bồi dưỡng"}),
        ]
    )
    upload, result = run(data, users.grassroots, tree.GX)
    assert not result.errors and result.counts["create"] == 2
    assert Candidate.objects.count() == 0  # the dry run wrote nothing
    upload_commit(upload, CandidateBackfillImporter, user=users.grassroots)
    c = Candidate.objects.get(person__national_id="017200000001")
    assert c.stage == Stage.CELL_VOTE and c.cell_vote_date == D(2025, 5, 20) and c.introducer_2 == members[1]
    assert list(c.events.values_list("kind", flat=True)) == [EventKind.CREATED] + [EventKind.BACKFILLED] * 5
    assert Candidate.objects.get(person__national_id="017200000002").stage == Stage.CULTIVATION
    again, result = run(data, users.grassroots, tree.GX)
    assert not result.errors and result.counts == {"create": 0, "change": 0, "unchanged": 2}
    upload_commit(again, CandidateBackfillImporter, user=users.grassroots)
    assert Candidate.objects.count() == 2


def test_upload_pages(login, tree, users, members):
    client = login(users.grassroots)
    assert client.get(reverse("candidates:upload")).status_code == 200
    template = client.get(reverse("candidates:backfill-template"))
    ws = load_workbook(io.BytesIO(template.content)).active
    assert [c.value for c in ws[3]] == HEADERS
    response = client.post(
        reverse("candidates:upload"),
        {"file": SimpleUploadedFile("x.xlsx", sheet([row(tree.CXA.code, "017200000009")]))},
    )
    assert response.status_code == 302
    upload = Upload.objects.get(kind="candidates")
    assert client.post(reverse("candidates:upload-confirm", args=[upload.pk])).status_code == 302
    assert Candidate.objects.filter(person__national_id="017200000009").exists()
    # Another district cannot even see the upload.
    assert login(users.district_y).get(reverse("candidates:upload-preview", args=[upload.pk])).status_code == 404
