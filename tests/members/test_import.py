"""Loading an existing register from a real .xlsx: happy path, re-import, and every bad case."""

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from members.imports import SPEC, MemberImporter
from members.models import Membership, MembershipEvent, MembershipPeriod, Person, Status
from members.selectors import counts_at
from partydev.models import Upload
from partydev.uploads import UploadRefused, upload_commit, upload_dry_run, upload_store
from tests.uploads import files

from .factories import official

D = datetime.date
pytestmark = pytest.mark.django_db
HEADERS = [label for _, label, _, _ in SPEC]


def row(n, cell="T.X.1.A", **over):
    values = {
        "STT": n,
        "Họ và tên": f"Quách Văn Tùng {n}",
        "Giới tính": "Nam",
        "Ngày sinh": "15/03/1985",
        "Dân tộc": "Mường",
        "Tôn giáo": "Không",
        "Số CCCD": f"017085{n:06d}",
        "Quê quán": "xã Ân Nghĩa",
        "Giáo dục phổ thông": "Trung học phổ thông",
        "Chuyên môn, nghiệp vụ": "Đại học",
        "Lý luận chính trị": "Sơ cấp",
        "Nghề nghiệp, thành phần": "Nông dân",
        "Đoàn viên": "Không",
        "Mã chi bộ": cell,
        "Tình trạng": "Chính thức",
        "Ngày quyết định kết nạp": "02/09/2010",
        "Số quyết định kết nạp": f"{n}-QĐ/HU",
        "Ngày lễ kết nạp": "20/09/2010",
        "Chính thức từ ngày": "",
        "Ngày quyết định công nhận chính thức": "",
        "Số thẻ đảng viên": "",
    }
    values.update(over)
    return [values[h] for h in HEADERS]


def workbook(rows, headers=HEADERS) -> bytes:
    return files.workbook(rows, headers=headers, title="DANH SÁCH ĐẢNG VIÊN", sheet="Đảng viên")


def run(user, scope, data: bytes, name="dang-vien.xlsx"):
    upload = upload_store(file=SimpleUploadedFile(name, data), importer_class=MemberImporter, user=user, scope=scope)
    return upload, upload_dry_run(upload, MemberImporter, user=user)


def state():
    return (
        Person.objects.count(),
        Membership.objects.count(),
        MembershipEvent.objects.count(),
        MembershipPeriod.objects.count(),
    )


def test_happy_path_then_reimport_changes_nothing(tree, users):
    rows = [
        row(1),
        row(
            2,
            cell="T.X.1.B",
            **{"Tình trạng": "Dự bị", "Ngày quyết định kết nạp": "10/05/2022", "Ngày lễ kết nạp": "01/06/2022"},
        ),
        row(3, **{"Giới tính": "Nữ", "Dân tộc": "H'Mông", "Số CCCD": 17085000003}),
    ]  # a number: Excel dropped the 0
    data = workbook(rows)
    upload, result = run(users.district_x, tree.X, data)
    assert result.errors == [] and result.counts == {"create": 3, "change": 0, "unchanged": 0}
    assert state() == (0, 0, 0, 0)  # the dry run writes nothing
    upload_commit(upload, MemberImporter, user=users.district_x)
    assert Membership.objects.count() == 3
    m = Membership.objects.get(person__national_id="017085000001")
    assert (m.status, m.official_from, m.cell) == (Status.OFFICIAL, D(2011, 9, 20), tree.CXA)
    assert Person.objects.get(national_id="017085000003").ethnicity == "hmong"
    assert counts_at(tree.X, D(2022, 12, 31)) == {"total": 3, "official": 2, "probationary": 1}
    assert counts_at(tree.X, D(2010, 12, 31)) == {"total": 2, "official": 0, "probationary": 2}
    before = state()
    again, result = run(users.district_x, tree.X, data)
    assert result.counts == {"create": 0, "change": 0, "unchanged": 3}
    assert any("giống hệt" in n for n in result.notices)
    upload_commit(again, MemberImporter, user=users.district_x)
    assert state() == before


@pytest.mark.parametrize(
    "over, column, message",
    [
        ({"Ngày quyết định kết nạp": "02/09/2099"}, "Ngày quyết định kết nạp", "ở tương lai"),
        (
            {"Ngày sinh": "01/01/2012", "Ngày quyết định kết nạp": "02/09/2010"},
            "Ngày quyết định kết nạp",
            "trước ngày sinh",
        ),
        (
            {"Ngày sinh": "05/10/1992", "Ngày quyết định kết nạp": "02/09/2010"},
            "Ngày quyết định kết nạp",
            "Chưa đủ 18 tuổi",
        ),
        ({"Số CCCD": "01708500001"}, "Số CCCD", "12 chữ số"),
        ({"Số CCCD": "0170850000AB"}, "Số CCCD", "12 chữ số"),
        ({"Mã chi bộ": "T.Z.9.9"}, "Mã chi bộ", "không tồn tại hoặc nằm ngoài phạm vi"),
        ({"Mã chi bộ": "T.Y.1.A"}, "Mã chi bộ", "không tồn tại hoặc nằm ngoài phạm vi"),
        ({"Mã chi bộ": "T.X.1"}, "Mã chi bộ", "không phải là chi bộ"),
        ({"Ngày sinh": "31/02/1985"}, "Ngày sinh", "không phải là ngày"),
        ({"Dân tộc": "Klingon"}, "Dân tộc", "không có trong danh mục"),
        ({"Tình trạng": "Đã chuyển"}, "Tình trạng", "Chính thức"),
        (
            {"Tình trạng": "Dự bị", "Chính thức từ ngày": "01/01/2012"},
            "Chính thức từ ngày",
            "dự bị chưa có ngày chính thức",
        ),
    ],
)
def test_each_bad_row_is_reported_with_its_excel_row_and_nothing_is_saved(tree, users, over, column, message):
    data = workbook([row(1), row(2), row(3, **over)])  # the bad row is the last one, Excel row 6
    upload, result = run(users.district_x, tree.X, data)
    assert [(e["row"], e["column"]) for e in result.errors] == [(6, column)], result.errors
    assert message in result.errors[0]["message"]
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED
    with pytest.raises(UploadRefused):
        upload_commit(upload, MemberImporter, user=users.district_x)
    assert state() == (0, 0, 0, 0)


def test_duplicate_national_id_in_the_file_and_in_the_register(tree, users):
    data = workbook([row(1), row(2, **{"Số CCCD": "017085000001"})])
    _, result = run(users.district_x, tree.X, data)
    assert result.errors[0]["row"] == 5 and "hai lần" in result.errors[0]["message"]
    official(tree.CXA, national_id="017085000007", full_name="Người Khác")
    _, result = run(users.district_x, tree.X, workbook([row(7)]))
    assert result.errors[0]["row"] == 4 and "của một người khác" in result.errors[0]["message"]
    assert Membership.objects.count() == 1


def test_wrong_headers_are_refused(tree, users):
    headers = [h if h != "Số CCCD" else "CMND" for h in HEADERS]
    _, result = run(users.district_x, tree.X, workbook([row(1)], headers=headers))
    assert result.errors and result.errors[0]["row"] is None
    assert state() == (0, 0, 0, 0)


def test_template_download_has_the_vietnamese_headers(tree, users, login):
    response = login(users.district_x).get(reverse("members:import-template"))
    ws = load_workbook(io.BytesIO(response.content))["Đảng viên"]
    assert [c.value for c in ws[3]] == HEADERS


def test_upload_pages_scope_and_roles(tree, users, login):
    client = login(users.district_x)
    response = client.post(reverse("members:upload"), {"file": SimpleUploadedFile("dv.xlsx", workbook([row(1)]))})
    upload = Upload.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/members/import/{upload.pk}/")
    assert "Thêm mới" in client.get(response["Location"]).content.decode()
    assert client.post(reverse("members:upload-confirm", args=[upload.pk])).status_code == 302
    assert Membership.objects.count() == 1
    assert login(users.district_y).get(reverse("members:upload-preview", args=[upload.pk])).status_code == 404
    assert login(users.secretary_a).get(reverse("members:upload")).status_code == 403
