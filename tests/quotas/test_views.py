"""Quota pages: scope (404 outside, 403 for the action), inline editing, template, upload pages."""

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from members.quotas.models import Quota
from members.quotas.services import quota_set
from organizations.models import Kind, Role
from organizations.services import organization_create
from partydev.models import Upload
from tests.fixtures import make_user
from tests.uploads import files

pytestmark = pytest.mark.django_db


def post_file(client, data, name="chi-tieu-2024.xlsx"):
    return client.post("/quotas/upload/", {"file": SimpleUploadedFile(name, data)})


def test_anonymous_users_are_sent_to_login(client, tree):
    for url in ["/quotas/", "/quotas/T/", "/quotas/template?year=2024", "/quotas/upload/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/"), url


def test_a_district_sees_its_quotas_and_not_another_districts(login, tree, users):
    Quota.objects.create(organization=tree.X, year=2024, target=10)
    Quota.objects.create(organization=tree.GX, year=2024, target=6, minimum=4)
    Quota.objects.create(organization=tree.GXC, year=2024, target=2)
    client = login(users.district_x)
    response = client.get("/quotas/T.X/?year=2024")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Chỉ tiêu kết nạp năm 2024: Huyện Lạc Sơn" in html
    assert 'data-testid="own-target">10<' in html and 'data-testid="children-sum">8<' in html
    assert "Thấp hơn chỉ tiêu được giao" in html  # 6 + 2 < 10
    assert client.get("/quotas/T.Y/?year=2024").status_code == 404
    assert client.get("/quotas/T.Y.1/2024/edit/").status_code == 404
    assert client.post("/quotas/T.Y.1/2024/edit/", {"target": 3}).status_code == 404
    assert client.get("/quotas/T.X/?year=20x4").status_code == 400


def test_a_district_cannot_set_its_own_or_another_districts_quota_by_url(login, tree, users):
    client = login(users.district_x)
    assert client.post("/quotas/T.X/2024/edit/", {"target": 99}).status_code == 403
    assert client.post("/quotas/T.Y.1/2024/edit/", {"target": 99}).status_code == 404
    assert not Quota.objects.exists()


def test_a_district_cannot_set_another_districts_quota_by_upload(login, tree, users):
    client = login(users.district_x)
    response = post_file(client, files.workbook(files.quota_rows([("T.X.1", 1, None), ("T.Y.1", 5, None)])))
    assert response.status_code == 302
    preview = client.get(response["Location"]).content.decode()
    assert "Mã tổ chức “T.Y.1” không tồn tại hoặc nằm ngoài phạm vi của bạn." in preview
    assert "Xác nhận ghi" not in preview
    upload = Upload.objects.get()
    assert client.post(f"/quotas/upload/{upload.pk}/confirm/").status_code == 302
    assert not Quota.objects.exists()


def test_uploads_of_another_scope_are_404_and_other_roles_get_403(login, tree, users):
    client = login(users.district_y)
    post_file(client, files.workbook(files.quota_rows([("T.Y.1", 1, None)])))
    upload = Upload.objects.get()
    client = login(users.district_x)
    for url in [f"/quotas/upload/{upload.pk}/", f"/quotas/upload/{upload.pk}/file/"]:
        assert client.get(url).status_code == 404
    assert client.post(f"/quotas/upload/{upload.pk}/confirm/").status_code == 404
    assert "chi-tieu-2024.xlsx" not in client.get("/quotas/upload/").content.decode()  # not in X's history
    for user in [users.grassroots, users.secretary_a]:
        client = login(user)
        assert client.get("/quotas/upload/").status_code == 403
        assert post_file(client, files.workbook([])).status_code == 403
    # The province sees the district's upload in its history and may download it again.
    client = login(users.province)
    assert "chi-tieu-2024.xlsx" in client.get("/quotas/upload/").content.decode()
    download = client.get(f"/quotas/upload/{upload.pk}/file/")
    assert download.status_code == 200 and b"".join(download.streaming_content).startswith(b"PK")
    assert not Quota.objects.exists()


def test_upload_preview_confirm_and_history_through_the_pages(login, tree, users):
    client = login(users.district_x)
    Quota.objects.create(organization=tree.GXC, year=2024, target=1)
    response = post_file(
        client, files.workbook(files.quota_rows([("T.X.1", 5, 2), ("T.X.2", 3, None), ("T.X.1.A", 3, None)]))
    )
    preview = client.get(response["Location"]).content.decode()
    assert 'data-testid="count-create">2<' in preview and 'data-testid="count-change">1<' in preview
    assert "Chỉ tiêu: 1 → <strong>3</strong>" in preview
    assert not Quota.objects.filter(organization=tree.GX).exists()
    upload = Upload.objects.get()
    response = client.post(f"/quotas/upload/{upload.pk}/confirm/")
    assert response.status_code == 302 and response["Location"] == "/quotas/T.X/?year=2024"
    page = client.get(response["Location"]).content.decode()
    assert "Đã ghi: 2 thêm mới, 1 thay đổi, 0 không đổi." in page
    assert Quota.objects.get(organization=tree.GX, year=2024).target == 5
    history = client.get("/quotas/upload/").content.decode()
    assert "chi-tieu-2024.xlsx" in history and "Đã ghi vào hệ thống" in history and "dist_x" in history


def test_bad_files_get_their_message_on_the_preview(login, tree, users):
    client = login(users.district_x)
    response = post_file(client, files.encrypted_workbook())
    assert "đặt mật khẩu" in client.get(response["Location"]).content.decode()
    response = post_file(client, files.csv_file(), name="chi-tieu.csv")
    assert response.status_code == 200 and "Chỉ nhận tệp Excel .xlsx" in response.content.decode()


def test_inline_editing_with_htmx_and_without(login, tree, users):
    client = login(users.district_x)
    htmx = {"HTTP_HX_REQUEST": "true"}
    form = client.get("/quotas/T.X.1/2024/edit/", **htmx)
    assert form.status_code == 200 and 'hx-post="/quotas/T.X.1/2024/edit/"' in form.content.decode()
    row = client.post("/quotas/T.X.1/2024/edit/", {"target": "7", "minimum": "5", "note": "", "seen": "new"}, **htmx)
    assert row.status_code == 200 and 'id="quota-row-' in row.content.decode() and ">7<" in row.content.decode()
    quota = Quota.objects.get(organization=tree.GX, year=2024)
    assert (quota.target, quota.minimum, quota.set_by) == (7, 5, users.district_x)
    bad = client.post("/quotas/T.X.1/2024/edit/", {"target": "3", "minimum": "5"}, **htmx)
    assert "Tối thiểu (5) lớn hơn chỉ tiêu (3)." in bad.content.decode()
    bad = client.post("/quotas/T.X.1/2024/edit/", {"target": "-1"}, **htmx)
    assert "Chỉ tiêu không được âm." in bad.content.decode()
    assert Quota.objects.get(organization=tree.GX, year=2024).target == 7
    plain = client.post("/quotas/T.X.2/2024/edit/", {"target": "2", "seen": "new"})
    assert plain.status_code == 302 and plain["Location"] == "/quotas/T.X/?year=2024"
    # Grassroots staff set their cells' quotas, not their own.
    client = login(users.grassroots)
    assert client.post("/quotas/T.X.1.A/2024/edit/", {"target": "1", "seen": "new"}).status_code == 302
    assert client.post("/quotas/T.X.1/2024/edit/", {"target": "1"}).status_code == 403


def test_the_template_lists_the_scope_with_reference_figures_and_validation(login, tree, users):
    quota_set(organization=tree.GX, year=2023, target=4)
    Quota.objects.create(organization=tree.GX, year=2024, target=6, minimum=5)
    client = login(users.district_x)
    response = client.get("/quotas/template?year=2024")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="chi-tieu-ket-nap-2024.xlsx"'
    ws = openpyxl.load_workbook(io.BytesIO(response.content))["Chỉ tiêu"]
    assert ws["A1"].value == "CHỈ TIÊU KẾT NẠP ĐẢNG VIÊN NĂM 2024"
    assert [c.value for c in ws[3]][:7] == [
        "STT",
        "Mã tổ chức",
        "Tên tổ chức",
        "Cấp",
        "Chỉ tiêu năm 2024",
        "Tối thiểu",
        "Ghi chú",
    ]
    assert [c.value for c in ws[3]][7:] == ["Tham khảo: chỉ tiêu năm trước (2023)", "Tham khảo: đã kết nạp năm 2023"]
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=4)]
    assert [r[1] for r in rows] == ["T.X.1", "T.X.1.A", "T.X.1.B", "T.X.2"]
    assert rows[0][4:9] == [6, 5, None, 4, 0]
    [validation] = ws.data_validations.dataValidation
    assert validation.type == "whole" and str(validation.sqref) == "E4:F7"
    assert client.get("/quotas/template?year=abcd").status_code == 400
    assert login(users.secretary_a).get("/quotas/template?year=2024").status_code == 403


def test_the_downloaded_template_uploads_back_unchanged(login, tree, users):
    Quota.objects.create(organization=tree.GX, year=2024, target=6)
    client = login(users.district_x)
    content = client.get("/quotas/template?year=2024").content
    response = post_file(client, content)
    preview = client.get(response["Location"]).content.decode()
    assert 'data-testid="count-unchanged">1<' in preview and 'data-testid="count-create">0<' in preview
    assert "3 dòng để trống chỉ tiêu" in preview


def _widen(tree, n):
    for i in range(n):
        g = organization_create(parent=tree.X, code=f"T.X.W{i}", name=f"Đảng bộ xã {i}", kind=Kind.GRASSROOTS_COMMITTEE)
        Quota.objects.create(organization=g, year=2024, target=i)
        c = organization_create(parent=g, code=f"T.X.W{i}.1", name=f"Chi bộ {i}", kind=Kind.CELL)
        Quota.objects.create(organization=c, year=2024, target=i)


def test_the_quota_page_runs_a_fixed_number_of_queries(login, tree, users, django_assert_num_queries):
    client = login(users.district_x)
    client.get("/quotas/T.X/?year=2024")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get("/quotas/T.X/?year=2024").status_code == 200
    _widen(tree, 12)
    with django_assert_num_queries(len(small.captured_queries)):
        assert client.get("/quotas/T.X/?year=2024").status_code == 200


def test_the_province_office_sets_its_own_root_target(login, tree, users):
    client = login(users.province)
    assert client.post("/quotas/T/2023/edit/", {"target": "2082", "seen": "new"}).status_code == 302
    assert Quota.objects.get(organization=tree.P, year=2023).target == 2082
    other = make_user("other_prov", Role.Kind.PROVINCE_OFFICE, tree.X)  # a province role bound lower
    assert login(other).post("/quotas/T.X/2023/edit/", {"target": "1"}).status_code == 403
