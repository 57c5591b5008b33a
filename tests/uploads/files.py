"""Real bad files, generated for the tests: workbooks, zip bombs, entity bombs, look-alikes."""

import functools
import io
import zipfile

import openpyxl

QUOTA_HEADERS = ["STT", "Mã tổ chức", "Tên tổ chức", "Cấp", "Chỉ tiêu năm 2024", "Tối thiểu", "Ghi chú"]


def workbook(
    rows, *, headers=QUOTA_HEADERS, title="CHỈ TIÊU KẾT NẠP NĂM 2024", sheet="Chỉ tiêu", configure=None
) -> bytes:
    """An .xlsx with a title row, the header row (row 3) and ``rows`` from row 4."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
        ws.append([])
    ws.append(headers)
    for row in rows:
        ws.append(list(row))
    if configure:
        configure(wb, ws)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def quota_rows(codes_targets):
    """[(code, target, minimum)] → rows in the template's column order."""
    return [
        [i, code, "", "", target, minimum, None] for i, (code, target, minimum) in enumerate(codes_targets, start=1)
    ]


def big_workbook(n_rows: int) -> bytes:
    """Many rows: the sheet XML is written by hand, which is much faster than openpyxl."""
    head = "".join(f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{h}</t></is></c>' for i, h in enumerate(QUOTA_HEADERS))
    rows = [f'<row r="1">{head}</row>']
    rows.extend(
        f'<row r="{r}"><c r="A{r}"><v>{r - 1}</v></c><c r="B{r}" t="inlineStr"><is><t>X.{r}</t></is></c><c r="E{r}"><v>1</v></c></row>'
        for r in range(2, n_rows + 2)
    )
    sheet = (
        '<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        "<sheetData>" + "".join(rows) + "</sheetData></worksheet>"
    ).encode()
    return rezip(workbook([], title=None), replace={"xl/worksheets/sheet1.xml": sheet})


def rezip(data: bytes, replace: dict[str, bytes] | None = None, add: dict[str, bytes] | None = None) -> bytes:
    """Copy an .xlsx, replacing or adding parts."""
    replace, add = replace or {}, add or {}
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, content in add.items():
            dst.writestr(name, content)
    return out.getvalue()


@functools.lru_cache(maxsize=2)
def zip_bomb(size_mb: int = 300) -> bytes:
    """A valid-looking .xlsx whose sheet inflates to ``size_mb`` MB of zeros (about 300 KB zipped)."""
    base = workbook([["1", "X", "", "", 1, None, None]])
    out = io.BytesIO()
    src = zipfile.ZipFile(io.BytesIO(base))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
        for info in src.infolist():
            if info.filename == "xl/worksheets/sheet1.xml":
                entry = zipfile.ZipInfo(info.filename)
                entry.compress_type = zipfile.ZIP_DEFLATED
                with dst.open(entry, "w", force_zip64=True) as fh:
                    chunk = b"\0" * (1024 * 1024)
                    for _ in range(size_mb):
                        fh.write(chunk)
            else:
                dst.writestr(info.filename, src.read(info.filename))
    return out.getvalue()


ENTITY_BOMB_SHEET = b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>
<row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>"""


def entity_bomb(padding: int = 0) -> bytes:
    """The billion-laughs sheet. ``padding`` pushes the DOCTYPE past the cheap pre-scan, so that
    defusedxml itself must refuse it."""
    sheet = ENTITY_BOMB_SHEET
    if padding:
        sheet = sheet.replace(b"?>\n", b"?>\n<!--" + b"x" * padding + b"-->\n", 1)
    return rezip(workbook([]), replace={"xl/worksheets/sheet1.xml": sheet})


def huge_dimension() -> bytes:
    """A two-row sheet that declares A1:XFD1048576 and has its last row at 1,048,576."""
    data = workbook([[1, "X.1", "", "", 3, None, None]])
    archive = zipfile.ZipFile(io.BytesIO(data))
    sheet = archive.read("xl/worksheets/sheet1.xml")
    import re

    sheet = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:XFD1048576"/>', sheet)
    return rezip(data, replace={"xl/worksheets/sheet1.xml": sheet})


def far_row() -> bytes:
    """Data, then one stray cell at row 1,048,576: openpyxl would pad a million empty rows."""

    def configure(wb, ws):
        ws.cell(row=1_048_576, column=16384, value="x")

    return workbook([[1, "X.1", "", "", 3, None, None]], configure=configure)


def xls_file() -> bytes:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Chỉ tiêu")
    for col, header in enumerate(QUOTA_HEADERS):
        sheet.write(2, col, header)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def encrypted_workbook(password: str = "mat-khau") -> bytes:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = io.BytesIO(workbook([[1, "X.1", "", "", 3, None, None]]))
    out = io.BytesIO()
    OOXMLFile(plain).encrypt(password, out)
    return out.getvalue()


def csv_file() -> bytes:
    return ";".join(QUOTA_HEADERS).encode("utf-8-sig") + b"\n1;HB.TP.001;;;5;;\n"


def pdf_file() -> bytes:
    return b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
