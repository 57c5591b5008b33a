"""The quota upload: preview, confirm, all-or-nothing, re-upload, and every bad input."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from members.quotas.importers import QuotaImporter
from members.quotas.models import Quota, QuotaChange
from partydev.models import Upload
from partydev.uploads import UploadRefused, upload_commit, upload_dry_run, upload_store
from tests.uploads import files

pytestmark = pytest.mark.django_db


def store(user, data, name="chi-tieu-2024.xlsx", scope=None):
    upload = upload_store(file=SimpleUploadedFile(name, data), importer_class=QuotaImporter, user=user, scope=scope)
    return upload, upload_dry_run(upload, QuotaImporter)


def snapshot():
    return sorted(
        Quota.objects.values_list("organization__code", "year", "target", "minimum", "note", "set_at", "upload_id")
    )


def test_preview_writes_nothing_and_confirm_writes_everything(tree, users):
    data = files.workbook(files.quota_rows([("T.X.1", 5, 3), ("T.X.2", 2, None), ("T.X.1.A", 3, None)]))
    upload, result = store(users.district_x, data, scope=tree.X)
    assert result.errors == []
    assert result.counts == {"create": 3, "change": 0, "unchanged": 0}
    assert Quota.objects.count() == 0  # nothing written by the dry run
    assert upload.status == Upload.Status.PREVIEWED and upload.sha256 and upload.uploaded_by == users.district_x
    with upload.file.open("rb") as fh:
        assert fh.read() == data  # stored as uploaded

    upload_commit(upload, QuotaImporter, user=users.district_x)
    upload.refresh_from_db()
    assert upload.status == Upload.Status.COMMITTED and upload.created == 3
    quotas = {q.organization.code: q for q in Quota.objects.select_related("organization")}
    assert {c: (q.year, q.target, q.minimum) for c, q in quotas.items()} == {
        "T.X.1": (2024, 5, 3),
        "T.X.2": (2024, 2, None),
        "T.X.1.A": (2024, 3, None),
    }
    assert all(q.set_by == users.district_x and q.upload_id == upload.pk for q in quotas.values())
    assert QuotaChange.objects.count() == 3


def test_changes_show_old_and_new(tree, users):
    Quota.objects.create(organization=tree.GX, year=2024, target=4)
    Quota.objects.create(organization=tree.GXC, year=2024, target=2)
    data = files.workbook(files.quota_rows([("T.X.1", 6, None), ("T.X.2", 2, None)]))
    _, result = store(users.district_x, data)
    assert result.counts == {"create": 0, "change": 1, "unchanged": 1}
    change = next(i for i in result.items if i.action == "change")
    assert (change.row, change.key, [(c.field, c.old, c.new) for c in change.changes]) == (
        4,
        "T.X.1",
        [("Chỉ tiêu", 4, 6)],
    )


def test_reuploading_the_same_file_changes_nothing(tree, users):
    data = files.workbook(files.quota_rows([("T.X.1", 5, 3), ("T.X.2", 2, None)]))
    first, _ = store(users.district_x, data, scope=tree.X)
    upload_commit(first, QuotaImporter, user=users.district_x)
    before, changes_before = snapshot(), QuotaChange.objects.count()

    second, result = store(users.district_x, data, scope=tree.X)
    assert second.sha256 == first.sha256 and second.pk != first.pk
    assert result.counts == {"create": 0, "change": 0, "unchanged": 2}
    assert any("giống hệt tệp đã ghi" in n for n in result.notices)
    upload_commit(second, QuotaImporter, user=users.district_x)
    assert snapshot() == before
    assert QuotaChange.objects.count() == changes_before


def test_a_bad_last_row_leaves_the_database_unchanged(tree, users):
    Quota.objects.create(organization=tree.GX, year=2024, target=4)
    before = snapshot()
    rows = files.quota_rows([("T.X.1", 9, None), ("T.X.2", 2, None), ("T.X.1.A", 3, None), ("T.X.1.B", -1, None)])
    upload, result = store(users.district_x, files.workbook(rows))
    assert [(e["row"], e["message"]) for e in result.errors] == [(7, "Chỉ tiêu không được âm (-1).")]
    assert upload.status == Upload.Status.FAILED
    with pytest.raises(UploadRefused):
        upload_commit(upload, QuotaImporter, user=users.district_x)
    assert snapshot() == before
    assert QuotaChange.objects.count() == 0


def test_a_failure_while_writing_rolls_back_every_row(tree, users, monkeypatch):
    before = snapshot()
    upload, result = store(users.district_x, files.workbook(files.quota_rows([("T.X.1", 5, None), ("T.X.2", 2, None)])))
    assert not result.errors

    def broken(*args, **kwargs):  # the quotas are written, then the history fails
        from django.core.exceptions import ValidationError

        raise ValidationError("Lỗi ghi lịch sử.")

    monkeypatch.setattr(QuotaChange.objects, "bulk_create", broken)
    with pytest.raises(UploadRefused, match="Lỗi ghi lịch sử"):
        upload_commit(upload, QuotaImporter, user=users.district_x)
    assert snapshot() == before
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED


def test_a_change_between_preview_and_confirm_is_refused(tree, users):
    upload, _ = store(users.district_x, files.workbook(files.quota_rows([("T.X.1", 5, None)])))
    Quota.objects.create(organization=tree.GX, year=2024, target=5)  # someone else, meanwhile
    with pytest.raises(UploadRefused, match="thay đổi kể từ lúc xem trước"):
        upload_commit(upload, QuotaImporter, user=users.district_x)
    upload.refresh_from_db()
    assert (upload.created, upload.unchanged) == (0, 1)  # the preview now shows the new state


def test_an_upload_is_committed_once(tree, users):
    upload, _ = store(users.district_x, files.workbook(files.quota_rows([("T.X.1", 5, None)])))
    upload_commit(upload, QuotaImporter, user=users.district_x)
    with pytest.raises(UploadRefused, match="đã được ghi"):
        upload_commit(upload, QuotaImporter, user=users.district_x)


ROW_CASES = [
    ("unknown code", [("T.X.9", 1, None)], 4, "Mã tổ chức “T.X.9” không tồn tại hoặc nằm ngoài phạm vi của bạn."),
    ("other district", [("T.Y.1", 1, None)], 4, "Mã tổ chức “T.Y.1” không tồn tại hoặc nằm ngoài phạm vi của bạn."),
    (
        "own quota",
        [("T.X", 1, None)],
        4,
        "Bạn không giao chỉ tiêu cho “Huyện Lạc Sơn” (T.X): chỉ tiêu của tổ chức này do cấp trên giao.",
    ),
    ("negative", [("T.X.1", -3, None)], 4, "Chỉ tiêu không được âm (-3)."),
    ("decimal", [("T.X.1", 2.5, None)], 4, "Chỉ tiêu năm 2024: “2,5” là số thập phân; cần một số nguyên."),
    ("text", [("T.X.1", "năm", None)], 4, "Chỉ tiêu năm 2024: “năm” không phải là số."),
    ("minimum above target", [("T.X.1", 3, 5)], 4, "Tối thiểu (5) lớn hơn chỉ tiêu (3)."),
    ("minimum without target", [("T.X.1", None, 5)], 4, "Thiếu chỉ tiêu."),
    ("missing code", [(None, 3, None)], 4, "Thiếu mã tổ chức."),
]


@pytest.mark.parametrize("case, rows, row, message", ROW_CASES, ids=[c[0] for c in ROW_CASES])
def test_bad_rows_are_listed_with_their_excel_row_and_change_nothing(tree, users, case, rows, row, message):
    data = files.workbook(files.quota_rows([("T.X.2", 1, None)] + rows))
    upload, result = store(users.district_x, data)
    assert [(e["row"], e["message"]) for e in result.errors] == [(row + 1, message)]
    assert upload.status == Upload.Status.FAILED and Quota.objects.count() == 0


def test_the_same_organisation_twice_names_both_rows(tree, users):
    data = files.workbook(files.quota_rows([("T.X.1", 1, None), ("T.X.2", 1, None), ("t.x.1", 2, None)]))
    _, result = store(users.district_x, data)
    assert [e["message"] for e in result.errors] == [
        "Mã tổ chức “T.X.1” xuất hiện hai lần: dòng 4 và dòng 6. Mỗi mã chỉ được ghi một dòng."
    ]


@pytest.mark.parametrize("header", ["Chỉ tiêu năm 20x4", "Chỉ tiêu năm 1899", "Chỉ tiêu năm", "Chỉ tiêu năm 20245"])
def test_a_year_that_is_not_a_year_is_refused_naming_the_header(tree, users, header):
    headers = [h if not h.startswith("Chỉ tiêu năm") else header for h in files.QUOTA_HEADERS]
    _, result = store(users.district_x, files.workbook(files.quota_rows([("T.X.1", 1, None)]), headers=headers))
    [error] = result.errors
    assert error["row"] is None
    assert error["message"].startswith("Trang “Chỉ tiêu”, dòng tiêu đề 3: cột “")
    assert "không phải là năm" in error["message"]


@pytest.mark.parametrize(
    "make, expected",
    [
        (files.xls_file, ".xls"),
        (files.csv_file, "CSV"),
        (files.pdf_file, "PDF"),
        (files.encrypted_workbook, "mật khẩu"),
        (lambda: b"", "rỗng"),
        (files.zip_bomb, "bom nén"),
        (files.entity_bomb, "DTD/ENTITY"),
    ],
    ids=["xls", "csv", "pdf", "password", "empty", "zip-bomb", "entity-bomb"],
)
def test_unusable_files_are_stored_refused_and_change_nothing(tree, users, make, expected):
    upload, result = store(users.district_x, make())
    assert upload.pk and upload.status == Upload.Status.FAILED
    [error] = result.errors
    assert expected in error["message"]
    assert Quota.objects.count() == 0


def test_odd_characters_in_codes_and_numbers_are_understood(tree, users):
    rows = [[1, "\u00a0Ｔ.Ｘ.１\u00a0", "", "", "１２", "\u00a0３", "ghi\u00a0chú"]]
    upload, result = store(users.district_x, files.workbook(rows))
    assert result.errors == []
    upload_commit(upload, QuotaImporter, user=users.district_x)
    quota = Quota.objects.get()
    assert (quota.organization, quota.target, quota.minimum, quota.note) == (tree.GX, 12, 3, "ghi chú")


def test_blank_rows_are_skipped_and_said_so(tree, users):
    _, result = store(users.district_x, files.workbook(files.quota_rows([("T.X.1", 1, None), ("T.X.2", None, None)])))
    assert result.counts["create"] == 1
    assert "1 dòng để trống chỉ tiêu: bỏ qua, không thay đổi gì." in result.notices


def test_only_xlsx_files_are_stored(tree, users):
    with pytest.raises(UploadRefused, match="Chỉ nhận tệp Excel .xlsx"):
        upload_store(
            file=SimpleUploadedFile("chi-tieu.csv", files.csv_file()),
            importer_class=QuotaImporter,
            user=users.district_x,
        )
    assert Upload.objects.count() == 0


def _merged(wb, ws):
    ws.merge_cells("C4:D4")


def _hidden(wb, ws):
    ws.row_dimensions[4].hidden = True


LAYOUT_CASES = [
    (
        "merged cells",
        lambda: files.workbook(files.quota_rows([("T.X.1", 1, None)]), configure=_merged),
        "Trang “Chỉ tiêu” có ô gộp (C4:D4)",
    ),
    (
        "hidden row",
        lambda: files.workbook(files.quota_rows([("T.X.1", 1, None)]), configure=_hidden),
        "Trang “Chỉ tiêu” có dòng bị ẩn (dòng 4)",
    ),
    ("formula", lambda: files.workbook(files.quota_rows([("T.X.1", "=1+1", None)])), "ô E4 chứa công thức"),
    (
        "renamed header",
        lambda: files.workbook([], headers=["STT", "Mã đơn vị", "Chỉ tiêu năm 2024", "Tối thiểu"]),
        "không tìm thấy dòng tiêu đề",
    ),
    (
        "missing header",
        lambda: files.workbook([], headers=["STT", "Mã tổ chức", "Chỉ tiêu năm 2024"]),
        "thiếu cột “Tối thiểu”",
    ),
    ("100,000 rows", lambda: files.big_workbook(100_000), "có hơn 10.000 dòng dữ liệu"),
]


@pytest.mark.parametrize("case, make, expected", LAYOUT_CASES, ids=[c[0] for c in LAYOUT_CASES])
def test_sheet_layout_problems_name_the_sheet_and_change_nothing(tree, users, case, make, expected):
    Quota.objects.create(organization=tree.GX, year=2024, target=9)
    before = snapshot()
    upload, result = store(users.district_x, make())
    assert [e["row"] for e in result.errors] == [None]
    assert expected in result.errors[0]["message"]
    assert upload.status == Upload.Status.FAILED and upload.preview == []
    with pytest.raises(UploadRefused):
        upload_commit(upload, QuotaImporter, user=users.district_x)
    assert snapshot() == before


def test_an_extra_sheet_is_named_and_the_quota_sheet_read(tree, users):
    def extra(wb, ws):
        wb.create_sheet("Hướng dẫn", 0).append(["Điền chỉ tiêu ở trang bên cạnh"])

    _, result = store(users.district_x, files.workbook(files.quota_rows([("T.X.1", 1, None)]), configure=extra))
    assert result.errors == [] and result.counts["create"] == 1
    assert "Sổ làm việc có 2 trang tính; chỉ đọc trang “Chỉ tiêu”, bỏ qua “Hướng dẫn”." in result.notices


def test_a_concurrent_write_of_the_same_rows_is_refused_cleanly(tree, users, monkeypatch):
    from django.db import IntegrityError

    from members.quotas import services

    upload, _ = store(users.district_x, files.workbook(files.quota_rows([("T.X.1", 5, None)])))
    real = services.Quota.objects.bulk_create

    def racing(objs, **kwargs):  # another upload created the same quota a moment earlier
        raise IntegrityError("UNIQUE constraint failed: quota_unique_org_year")

    monkeypatch.setattr(services.Quota.objects, "bulk_create", racing)
    with pytest.raises(UploadRefused, match="vừa được người khác thay đổi"):
        upload_commit(upload, QuotaImporter, user=users.district_x)
    monkeypatch.setattr(services.Quota.objects, "bulk_create", real)
    assert not Quota.objects.exists()


def test_the_size_cap_refuses_before_storing(tree, users, settings):
    settings.UPLOAD_MAX_BYTES = 2000
    with pytest.raises(UploadRefused, match="vượt giới hạn"):
        store(users.district_x, files.workbook(files.quota_rows([("T.X.1", 1, None)] * 50)))
    assert Upload.objects.count() == 0


def test_the_commit_refuses_a_stored_file_that_changed(tree, users):
    upload, _ = store(users.district_x, files.workbook(files.quota_rows([("T.X.1", 5, None)])))
    with open(upload.file.path, "wb") as fh:  # tampered with on disk after the preview
        fh.write(files.workbook(files.quota_rows([("T.X.1", 50, None)])))
    with pytest.raises(UploadRefused, match="không còn khớp mã SHA-256"):
        upload_commit(upload, QuotaImporter, user=users.district_x)
    assert not Quota.objects.exists()


def test_the_table_read_at_preview_round_trips_through_json():
    import datetime

    from partydev.spreadsheets import Sheet, SheetRow
    from partydev.uploads import sheet_from_json, sheet_to_json

    values = {
        "a": 1,
        "b": 2.5,
        "c": "chữ",
        "d": None,
        "e": True,
        "f": datetime.datetime(2024, 1, 2, 3, 4),
        "g": datetime.date(2024, 1, 2),
        "h": datetime.time(8, 30),
        "i": datetime.timedelta(hours=2),
    }
    sheet = Sheet(
        name="T",
        header_row=3,
        headers={"a": "A"},
        header_groups={"year": "2024"},
        rows=[SheetRow(4, values)],
        notices=["n"],
    )
    import json

    assert sheet_from_json(json.loads(json.dumps(sheet_to_json(sheet)))) == sheet
