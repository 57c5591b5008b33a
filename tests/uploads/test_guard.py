"""The spreadsheet guard, on real generated files: every refusal names the sheet, row or cell."""

import time
import tracemalloc

import pytest

from partydev.spreadsheets import CellError, Column, SpreadsheetError, normalise_text, read_table, to_int

from . import files

COLUMNS = [
    Column("stt", "STT", required=False),
    Column("code", "Mã tổ chức"),
    Column("target", "Chỉ tiêu năm YYYY", pattern=r"chi tieu nam(?!\s*truoc)\s*(?P<year>.*)"),
    Column("minimum", "Tối thiểu"),
    Column("note", "Ghi chú", required=False),
]


def refused(data, **kwargs) -> str:
    with pytest.raises(SpreadsheetError) as info:
        read_table(data, COLUMNS, **kwargs)
    return info.value.message


def test_reads_a_good_sheet_with_row_numbers_and_the_year_from_the_header():
    sheet = read_table(files.workbook(files.quota_rows([("A.1", 5, 2), ("A.2", 7, None)])), COLUMNS)
    assert sheet.name == "Chỉ tiêu"
    assert sheet.header_row == 3
    assert sheet.header_groups == {"year": "2024"}
    assert [(r.number, r.values["code"], r.values["target"], r.values["minimum"]) for r in sheet.rows] == [
        (4, "A.1", 5, 2),
        (5, "A.2", 7, None),
    ]
    assert sheet.notices == []


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda: b"", "Tệp rỗng"),
        (files.xls_file, "tệp Excel cũ (.xls"),
        (files.encrypted_workbook, "đặt mật khẩu"),
        (files.csv_file, "CSV"),
        (files.pdf_file, "PDF"),
        (lambda: b"PK\x03\x04 this is not really a zip", "bị hỏng"),
        (lambda: files.rezip(files.workbook([]), add={"../../etc/passwd": b"x"}), "tên bất thường"),
    ],
    ids=["empty", "xls", "password", "csv", "pdf", "broken-zip", "zip-slip-name"],
)
def test_files_that_are_not_usable_workbooks_are_refused_with_what_they_are(make, expected):
    assert expected in refused(make())


def test_the_size_cap(settings):
    settings.UPLOAD_MAX_BYTES = 1000
    assert "vượt giới hạn" in refused(files.workbook([]))


def test_missing_and_renamed_headers_name_the_sheet_the_row_and_the_column():
    headers = ["STT", "Mã tổ chức", "Tên tổ chức", "Cấp", "Chỉ tiêu năm 2024", "Tối thiểu", "Ghi chú"]
    renamed = [h if h != "Tối thiểu" else "Mức tối thiểu" for h in headers]
    message = refused(files.workbook([], headers=renamed))
    assert "Trang “Chỉ tiêu”, dòng tiêu đề 3: thiếu cột “Tối thiểu”" in message
    assert "Mức tối thiểu" in message
    missing_key = [h for h in headers if h != "Mã tổ chức"]
    assert "không tìm thấy dòng tiêu đề" in refused(files.workbook([], headers=missing_key))


def test_odd_characters_are_normalised():
    # Full-width digits, non-breaking spaces, decomposed Vietnamese (NFD).
    rows = [[1, "\u00a0Ａ.１\u00a0", "Ho\u0300a Bi\u0300nh", "", "１２", "\u00a03\u00a0", None]]
    headers = ["STT", "Mã\u00a0tổ chức", "Tên tổ chức", "Cấp", "Chỉ tiêu năm\u00a0２０２４", "Tối thiểu", "Ghi chú"]
    sheet = read_table(files.workbook(rows, headers=headers), COLUMNS + [Column("name", "Tên tổ chức", required=False)])
    values = sheet.rows[0].values
    assert values["code"] == "A.1"
    assert to_int(values["target"]) == 12 and to_int(values["minimum"]) == 3
    assert values["name"] == "Hòa Bình" and values["name"] == normalise_text("Hòa Bình")
    assert sheet.header_groups["year"] == "2024"


def test_to_int_refuses_decimals_text_and_dates_with_reasons():
    assert to_int(12.0) == 12 and to_int("1.260") == 1260 and to_int(" 7 ") == 7 and to_int(None) is None
    for value, reason in [
        (1.5, "số thập phân"),
        ("2,5", "số thập phân"),
        ("mười", "không phải là số"),
        (True, "không phải là số"),
    ]:
        with pytest.raises(CellError, match=reason):
            to_int(value)


def test_formulas_use_the_cached_value_or_are_refused_with_the_cell():
    # openpyxl writes formulas without a cached value: refused, naming the cell.
    data = files.workbook(files.quota_rows([("A.1", "=2+3", None)]))
    assert "ô E4 chứa công thức “=2+3” chưa có giá trị tính sẵn" in refused(data)
    # A formula that Excel saved with its value: the value is used.
    import io
    import zipfile

    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    cached = sheet_xml.replace(b"<f>2+3</f><v />", b"<f>2+3</f><v>5</v>")
    assert cached != sheet_xml
    sheet = read_table(files.rezip(data, replace={"xl/worksheets/sheet1.xml": cached}), COLUMNS)
    assert sheet.rows[0].values["target"] == 5


def test_merged_cells_and_hidden_rows_are_refused_naming_the_sheet_and_rows():
    def merge(wb, ws):
        ws.merge_cells("B4:C4")

    assert "Trang “Chỉ tiêu” có ô gộp (B4:C4)" in refused(
        files.workbook(files.quota_rows([("A.1", 1, None)]), configure=merge)
    )

    def title_merge(wb, ws):
        ws.merge_cells("A1:G1")  # a merged title above the header is harmless

    assert read_table(files.workbook(files.quota_rows([("A.1", 1, None)]), configure=title_merge), COLUMNS).rows

    def hide(wb, ws):
        ws.row_dimensions[5].hidden = True

    data = files.workbook(files.quota_rows([("A.1", 1, None), ("A.2", 2, None)]), configure=hide)
    assert "Trang “Chỉ tiêu” có dòng bị ẩn (dòng 5)" in refused(data)


def test_extra_sheets_say_which_sheet_is_read():
    def extra(wb, ws):
        wb.create_sheet("Ghi chú").append(["không đọc trang này"])
        wb.move_sheet("Ghi chú", offset=-1)

    sheet = read_table(
        files.workbook(files.quota_rows([("A.1", 1, None)]), configure=extra), COLUMNS, sheet_name="Chỉ tiêu"
    )
    assert sheet.name == "Chỉ tiêu"
    assert sheet.notices == ["Sổ làm việc có 2 trang tính; chỉ đọc trang “Chỉ tiêu”, bỏ qua “Ghi chú”."]


def test_a_hundred_thousand_rows_are_refused_clearly():
    message = refused(files.big_workbook(100_000))
    assert "Trang “Chỉ tiêu” có hơn 10.000 dòng dữ liệu" in message


def test_a_zip_bomb_is_refused_before_parsing_fast_and_without_memory_growth():
    bomb = files.zip_bomb(300)
    assert len(bomb) < 1024 * 1024
    tracemalloc.start()
    started = time.perf_counter()
    message = refused(bomb)
    elapsed = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert "bom nén" in message
    assert elapsed < 0.5
    assert peak < 10 * 1024 * 1024  # the guard itself allocates next to nothing


def test_a_zip_bomb_under_the_total_cap_is_caught_by_its_ratio(settings):
    settings.UPLOAD_MAX_UNCOMPRESSED_BYTES = 1024 * 1024 * 1024
    assert "tỷ lệ nén bất thường" in refused(files.zip_bomb(50))


def test_an_xml_entity_bomb_is_refused_by_the_prescan_and_by_defusedxml():
    assert "DTD/ENTITY" in refused(files.entity_bomb())
    # Past the first 4 KB the pre-scan cannot see it: defusedxml must refuse it while parsing.
    started = time.perf_counter()
    assert "thực thể XML" in refused(files.entity_bomb(padding=8000))
    assert time.perf_counter() - started < 1


def test_a_sheet_declaring_a_huge_dimension_reads_only_its_rows():
    started = time.perf_counter()
    sheet = read_table(files.huge_dimension(), COLUMNS)
    assert [r.values["code"] for r in sheet.rows] == ["X.1"]
    assert time.perf_counter() - started < 1


def test_a_stray_cell_at_the_last_row_and_column_costs_nothing():
    started = time.perf_counter()
    sheet = read_table(files.far_row(), COLUMNS)
    assert [r.values["code"] for r in sheet.rows] == ["X.1"]
    assert time.perf_counter() - started < 2


def test_defusedxml_is_active():
    import openpyxl

    from partydev.spreadsheets import ensure_defusedxml

    assert openpyxl.DEFUSEDXML is True
    ensure_defusedxml()
