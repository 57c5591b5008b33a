"""The guard every spreadsheet upload goes through, and the cell normalisers.

``read_table(data, columns)`` turns the bytes of an uploaded file into a ``Sheet``: the header
row found and matched against the importer's ``Column`` list, then one ``SheetRow`` per
non-empty data row, each value normalised and carrying its Excel row number. Anything that makes
the file unusable raises ``SpreadsheetError`` with a Vietnamese message that names the sheet,
the row or the cell. Row-level problems (a bad number, a bad code) are the importer's business.

Order of the checks, cheapest first, so that hostile files cost nothing:

1. size (``settings.UPLOAD_MAX_BYTES``) and emptiness;
2. the first bytes: an OLE/CFB container is an ``.xls`` or a password-protected workbook
   (Excel encrypts ``.xlsx`` into a CFB file with an ``EncryptedPackage`` stream); ``%PDF``;
   text that looks like CSV;
3. the zip container, from its central directory only, before any XML is parsed: number of
   entries, entry names, encryption and compression method, declared uncompressed sizes (per
   entry and in total) and compression ratio. Python's ``zipfile`` never inflates an entry past
   its declared size (and checks the CRC), so a lying header cannot make it inflate more;
4. the first bytes of every XML part: a DTD or an entity declaration is refused outright, and
   openpyxl parses through defusedxml anyway (asserted by ``ensure_defusedxml``);
5. the chosen sheet must not be hidden (``state="hidden"`` or ``"veryHidden"`` in workbook.xml);
   then one streaming pass (defusedxml) over its XML, before openpyxl sees it: hidden rows,
   hidden columns (or columns of zero width), merged cells, formulas without a cached value;
   it stops and refuses as soon as the
   sheet has more rows (or cells) than the limit, so a 100,000-row sheet costs no more than one
   at the limit;
6. openpyxl in read-only mode (cached formula values), with the declared dimension ignored and
   explicit bounds on rows and columns, so a sheet that declares A1:XFD1048576, or has one stray
   cell at the last row, costs nothing.

Limits (settings, with defaults here): ``UPLOAD_MAX_BYTES``, ``UPLOAD_MAX_ROWS`` (10,000 data
rows), ``UPLOAD_MAX_COLUMNS`` (40), ``UPLOAD_MAX_ENTRIES``, ``UPLOAD_MAX_UNCOMPRESSED_BYTES``
(80 MB), ``UPLOAD_MAX_RATIO`` (120:1 for parts over 1 MB).
"""

from __future__ import annotations

import datetime
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from xml.etree.ElementTree import Element

import openpyxl
from defusedxml.ElementTree import fromstring, iterparse
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .text import canonical_text, fold

MAIN_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTED_PACKAGE = "EncryptedPackage".encode("utf-16-le")

# Limits of the zip container; every one can be overridden in settings.
MAX_ENTRIES = 200
MAX_UNCOMPRESSED_BYTES = 80 * 1024 * 1024
MAX_RATIO = 120
MAX_COLUMNS = 40
HEADER_SEARCH_ROWS = 10
DEFAULT_MAX_ROWS = 10_000


def _limit(name: str, default: int) -> int:
    return getattr(settings, name, default)


class SpreadsheetError(Exception):
    """The file as a whole cannot be used. The message is for the user, in Vietnamese."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class CellError(ValueError):
    """A single value is wrong; the caller adds the row and column to the message."""


# ----------------------------------------------------------------------------- normalising

_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}  # ！..～ → !..~
_SPACES = {0x00A0: " ", 0x2007: " ", 0x202F: " ", 0x3000: " ", 0x2009: " ", 0x200B: "", 0xFEFF: "", 0x00AD: ""}
_TRANSLATE: dict[int, int | str] = {**_FULL_WIDTH, **_SPACES}
_WHITESPACE = re.compile(r"\s+")


def normalise_text(value: str) -> str:
    """NFC, full-width forms to ASCII (１２ → 12), non-breaking and odd spaces to one space,
    zero-width and bidirectional controls removed (``partydev.text.canonical_text``)."""
    value = canonical_text(unicodedata.normalize("NFC", value.translate(_TRANSLATE)))
    return _WHITESPACE.sub(" ", value).strip()


def to_text(value: Any) -> str:
    """Text from a cell, "" for an empty one. A whole number typed as a number (a code, a card
    number) is written without the ".0" the sheet gives it as a float."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return normalise_text(str(value))


def normalise_value(value: Any) -> Any:
    if isinstance(value, str):
        value = normalise_text(value)
        return value or None
    return value


_INTEGER = re.compile(r"^[+-]?\d+$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(?:[. ]\d{3})+$")  # 1.260 or 1 260, as Vietnamese writes it


def to_int(value: Any) -> int | None:
    """A whole number from a cell, or None for an empty one. Raises CellError with the reason."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(f"“{'TRUE' if value else 'FALSE'}” không phải là số")
    if isinstance(value, int):
        return value
    if isinstance(value, (float, Decimal)):
        if value != value or value in (float("inf"), float("-inf")):  # NaN, inf
            raise CellError("không phải là số")
        if value == int(value):
            return int(value)
        raise CellError(f"“{str(value).replace('.', ',')}” là số thập phân; cần một số nguyên")
    if isinstance(value, (datetime.date, datetime.datetime, datetime.time)):
        raise CellError("là ngày tháng; cần một số nguyên")
    text = normalise_text(str(value))
    if _INTEGER.match(text):
        return int(text)
    if _THOUSANDS.match(text):
        return int(re.sub(r"[. ]", "", text))
    if re.match(r"^[+-]?\d+[.,]\d+$", text):
        raise CellError(f"“{text}” là số thập phân; cần một số nguyên")
    raise CellError(f"“{text}” không phải là số")


def to_date(value: Any) -> datetime.date | None:
    """A date from a cell: an Excel date, or text dd/mm/yyyy (also yyyy-mm-dd), or None for an
    empty cell. Raises CellError with the reason."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    text = normalise_text(str(value))
    for fmt in ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise CellError(f"“{text}” không phải là ngày (cần dạng dd/mm/yyyy)")


# ----------------------------------------------------------------------------- the container


def ensure_defusedxml() -> None:
    """openpyxl must parse through defusedxml (entity bombs, external entities)."""
    if not getattr(openpyxl, "DEFUSEDXML", False):
        raise ImproperlyConfigured(
            "openpyxl is not using defusedxml: install defusedxml and do not set OPENPYXL_DEFUSEDXML=False."
        )


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f}".replace(".", ",") + " MB"


ENTRY_REFUSALS = {  # by zip_entry_fault
    "name": "Tệp chứa thành phần có tên bất thường (“{name}”); không phải tệp Excel hợp lệ.",
    "encrypted": "Tệp .xlsx có phần nén được mã hóa; không đọc được.",
    "compression": "Tệp .xlsx dùng kiểu nén không được hỗ trợ.",
}


def zip_entry_fault(info: zipfile.ZipInfo) -> str | None:
    """What makes one entry of an Office file's zip one that a plain file never has: ``"name"``
    (empty, absolute, with a backslash, a NUL or a ``..`` part), ``"encrypted"``, ``"compression"``
    (neither stored nor deflated); None for a plain entry. Read from the central directory, before
    anything is inflated; each guard words its own refusal."""
    name = info.filename
    if not name or name.startswith(("/", "\\")) or "\\" in name or "\x00" in name or ".." in name.split("/"):
        return "name"
    if info.flag_bits & 0x1:
        return "encrypted"
    if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return "compression"
    return None


@dataclass(frozen=True)
class ContainerLimits:
    """How much an uploaded Office file may be: its bytes, its zip entries, what they inflate to
    in total, and the compression ratio allowed to a part over 1 MB."""

    max_bytes: int
    max_entries: int
    max_uncompressed: int
    max_ratio: int


@dataclass(frozen=True)
class ContainerKind:
    """What kind of Office file an upload must be, for ``open_container``: the exception it raises
    and the Vietnamese refusals, by check (``messages``; ``"csv"`` and ``"unreadable"`` may be
    left out: then text is not told apart, and a part that cannot be inflated is not caught), by
    ``zip_entry_fault`` (``entry_refusals``), the parts it must have, the parts it must not have
    (``forbidden``: part → refusal, read before the required ones) and, when a required part is
    missing, the parts that show it is another kind of file (``other_kinds``: part → refusal).
    ``strict_names``: an entry name with a colon or over 255 characters is a strange one too."""

    error: Callable[[str], Exception]
    messages: Mapping[str, str]
    entry_refusals: Mapping[str, str]
    required: tuple[str, ...]
    forbidden: Mapping[str, str] = field(default_factory=dict)
    other_kinds: Mapping[str, str] = field(default_factory=dict)
    strict_names: bool = False


WORKBOOK = ContainerKind(
    error=SpreadsheetError,
    messages={
        "empty": "Tệp rỗng (0 byte). Hãy chọn tệp Excel .xlsx đã điền dữ liệu.",
        "too_big": "Tệp nặng {size}, vượt giới hạn {limit}.",
        "password": (
            "Tệp Excel được đặt mật khẩu nên không đọc được. Hãy mở tệp, bỏ mật khẩu "
            "(Tệp › Thông tin › Bảo vệ sổ làm việc) rồi lưu lại và tải lên."
        ),
        "legacy": (
            "Đây là tệp Excel cũ (.xls, Excel 97–2003). Hãy mở bằng Excel, chọn Lưu thành "
            "“Sổ làm việc Excel (.xlsx)” rồi tải lên lại."
        ),
        "pdf": "Đây là tệp PDF được đổi đuôi thành .xlsx, không phải bảng tính. Hãy dùng tệp mẫu Excel.",
        "csv": (
            "Đây là tệp văn bản CSV, không phải tệp Excel .xlsx. Hãy mở bằng Excel và lưu "
            "dưới dạng “Sổ làm việc Excel (.xlsx)”."
        ),
        "not_zip": "Tệp không phải là tệp Excel .xlsx (nội dung không đúng định dạng).",
        "bad_zip": "Tệp .xlsx bị hỏng (không mở được phần nén). Hãy lưu lại tệp bằng Excel rồi tải lên.",
        "entries": "Tệp có {count} thành phần nén, quá nhiều cho một bảng tính (tối đa {limit}).",
        "uncompressed": (
            "Tệp giải nén ra hơn {limit} (tệp nén bất thường, có thể là “bom nén”); đã từ chối trước khi đọc."
        ),
        "ratio": (
            "Thành phần “{name}” có tỷ lệ nén bất thường ({ratio}:1, có thể là “bom nén”); đã từ chối trước khi đọc."
        ),
        "missing": "Tệp nén không phải là sổ làm việc Excel .xlsx (thiếu xl/workbook.xml).",
        "unreadable": "Tệp .xlsx bị hỏng (không giải nén được). Hãy lưu lại tệp bằng Excel rồi tải lên.",
        "dtd": (
            "Thành phần “{name}” chứa khai báo DTD/ENTITY, điều mà Excel không bao giờ tạo ra "
            "(có thể là “bom XML”); đã từ chối."
        ),
    },
    entry_refusals=ENTRY_REFUSALS,
    required=("[Content_Types].xml", "xl/workbook.xml"),
    # A workbook's part names are also short and without a colon (Excel writes none).
    strict_names=True,
)


def workbook_limits() -> ContainerLimits:
    """The limits of a spreadsheet upload, from settings (defaults here)."""
    return ContainerLimits(
        max_bytes=_limit("UPLOAD_MAX_BYTES", 5 * 1024 * 1024),
        max_entries=_limit("UPLOAD_MAX_ENTRIES", MAX_ENTRIES),
        max_uncompressed=_limit("UPLOAD_MAX_UNCOMPRESSED_BYTES", MAX_UNCOMPRESSED_BYTES),
        max_ratio=_limit("UPLOAD_MAX_RATIO", MAX_RATIO),
    )


def sniff_container(data: bytes, kind: ContainerKind, max_bytes: int) -> None:
    """Refuse what is not a zip of that kind, by its size and first bytes, with a message that
    says what it is."""
    say = kind.messages
    if not data:
        raise kind.error(say["empty"])
    if len(data) > max_bytes:
        raise kind.error(say["too_big"].format(size=_mb(len(data)), limit=_mb(max_bytes)))
    if data.startswith(OLE_MAGIC):
        raise kind.error(say["password"] if ENCRYPTED_PACKAGE in data else say["legacy"])
    if data.startswith(b"%PDF"):
        raise kind.error(say["pdf"])
    if not data.startswith(ZIP_MAGIC):
        if "csv" in say:
            try:
                text: str | None = data[:2048].decode("utf-8-sig")
            except UnicodeDecodeError:
                text = None
            if text is not None and any(sep in text for sep in (",", ";", "\t")):
                raise kind.error(say["csv"])
        raise kind.error(say["not_zip"])


def open_container(data: bytes, kind: ContainerKind, limits: ContainerLimits) -> zipfile.ZipFile:
    """Open the zip and check it from its central directory, before parsing any XML: the first
    bytes (``sniff_container``), the number of entries, each entry (``zip_entry_fault``), what
    they inflate to in total and by ratio, the parts the kind must and must not have; then the
    first bytes of every XML part, where a DTD or an entity declaration is refused."""
    sniff_container(data, kind, limits.max_bytes)
    say = kind.messages
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise kind.error(say["bad_zip"]) from None
    infos = archive.infolist()
    if len(infos) > limits.max_entries:
        raise kind.error(say["entries"].format(count=len(infos), limit=limits.max_entries))
    total = 0
    names = set()
    for info in infos:
        name = info.filename
        strange = kind.strict_names and (":" in name or len(name) > 255)
        fault = "name" if strange else zip_entry_fault(info)
        if fault is not None:
            raise kind.error(kind.entry_refusals[fault].format(name=name[:60]))
        total += info.file_size
        if total > limits.max_uncompressed:
            raise kind.error(say["uncompressed"].format(limit=_mb(limits.max_uncompressed)))
        if info.file_size > 1024 * 1024 and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            raise kind.error(say["ratio"].format(name=name, ratio=info.file_size // max(info.compress_size, 1)))
        names.add(name)
    for part, refusal in kind.forbidden.items():
        if part in names:
            raise kind.error(refusal)
    if not all(part in names for part in kind.required):
        for part, refusal in kind.other_kinds.items():
            if part in names:
                raise kind.error(refusal)
        raise kind.error(say["missing"])
    for info in infos:
        if info.filename.endswith((".xml", ".rels")):
            try:
                with archive.open(info) as fh:
                    head = fh.read(4096)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError):
                if "unreadable" not in say:
                    raise
                raise kind.error(say["unreadable"]) from None
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise kind.error(say["dtd"].format(name=info.filename))
    return archive


def sniff(data: bytes) -> None:
    """Refuse what is not an .xlsx, by its first bytes, with a message that says what it is."""
    sniff_container(data, WORKBOOK, workbook_limits().max_bytes)


def check_container(data: bytes) -> zipfile.ZipFile:
    """Open the workbook's zip and check it from its central directory, before parsing any XML."""
    return open_container(data, WORKBOOK, workbook_limits())


# ----------------------------------------------------------------------------- the sheet


@dataclass
class Column:
    """One expected column. ``pattern`` is a regex matched against the folded header text
    (lower case, no diacritics); by default the folded label itself. Named groups of the match
    are kept in ``Sheet.header_groups`` (e.g. the year in "Chỉ tiêu năm 2024")."""

    key: str
    label: str
    pattern: str | None = None
    required: bool = True

    def match(self, text: str) -> re.Match[str] | None:
        pattern = self.pattern or re.escape(fold(self.label))
        return re.fullmatch(pattern, fold(text))


@dataclass
class SheetRow:
    number: int  # the Excel row number, as the user sees it
    values: dict[str, Any]


@dataclass
class Sheet:
    name: str
    header_row: int
    headers: dict[str, str]  # column key → header text as written
    header_groups: dict[str, str]
    rows: list[SheetRow]
    notices: list[str] = field(default_factory=list)


@dataclass
class _Layout:
    hidden_rows: list[int] = field(default_factory=list)
    hidden_columns: list[tuple[int, int]] = field(default_factory=list)  # (first, last), 1-based
    merged: list[tuple[str, int]] = field(default_factory=list)  # (range, last row)
    uncached_formulas: list[tuple[str, int, str]] = field(default_factory=list)  # (cell, row, formula)


_CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")


def _row_of(ref: str) -> int:
    m = _CELL_REF.match(ref.split(":")[-1].replace("$", ""))
    return int(m.group(2)) if m else 0


def _too_many_rows(sheet_name: str, max_rows: int) -> SpreadsheetError:
    limit = f"{max_rows:,}".replace(",", ".")
    return SpreadsheetError(
        f"Trang “{sheet_name}” có hơn {limit} dòng dữ liệu (giới hạn của một lần tải lên; dòng trống có định dạng "
        "cũng tính). Hãy chia tệp thành nhiều lần tải."
    )


def _scan_layout(archive: zipfile.ZipFile, path: str, sheet_name: str, max_row_elements: int, max_rows: int) -> _Layout:
    """One streaming pass (defusedxml) over the sheet XML: hidden rows, merges, formulas without
    a cached value. Stops, refusing the file, as soon as it has seen too many rows or cells, so a
    huge sheet costs no more than a sheet at the limit (and openpyxl never sees it)."""
    layout = _Layout()
    max_cells = max_row_elements * _limit("UPLOAD_MAX_COLUMNS", MAX_COLUMNS)
    rows = cells = 0
    try:
        with archive.open(path) as src:
            for _event, el in iterparse(src, events=("end",)):
                tag = el.tag
                if tag == f"{MAIN_NS}c":
                    cells += 1
                    f = el.find(f"{MAIN_NS}f")
                    if f is not None:
                        v = el.find(f"{MAIN_NS}v")
                        if v is None or v.text is None:
                            ref = el.get("r") or "?"
                            layout.uncached_formulas.append((ref, _row_of(ref), f.text or ""))
                elif tag == f"{MAIN_NS}row":
                    rows += 1
                    if rows > max_row_elements:
                        raise _too_many_rows(sheet_name, max_rows)
                    if el.get("hidden") in ("1", "true"):
                        layout.hidden_rows.append(int(el.get("r") or 0))
                    el.clear()
                elif tag == f"{MAIN_NS}col":
                    if _column_hidden(el):
                        try:
                            first, last = int(el.get("min") or 0), int(el.get("max") or 0)
                        except ValueError:
                            first = last = 0
                        layout.hidden_columns.append((first, max(first, last)))
                elif tag == f"{MAIN_NS}mergeCell":
                    ref = el.get("ref") or ""
                    layout.merged.append((ref, _row_of(ref)))
                if cells > max_cells:
                    raise SpreadsheetError(
                        f"Trang “{sheet_name}” có quá nhiều ô (hơn {max_cells:,}).".replace(",", ".")
                    )
    except SpreadsheetError:
        raise
    except Exception as exc:  # noqa: BLE001 - defusedxml and parse errors alike mean: unusable
        raise _xml_error(exc)
    return layout


def _column_hidden(el: Element) -> bool:
    if el.get("hidden") in ("1", "true"):
        return True
    try:
        return (width := el.get("width")) is not None and float(width) == 0
    except ValueError:
        return False


def _column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def _sheet_parts(archive: zipfile.ZipFile) -> list[tuple[str, str, str]]:
    """(sheet name, part path, state) of every worksheet, from workbook.xml and its
    relationships; the state is "visible", "hidden" or "veryHidden"."""
    try:
        workbook = fromstring(archive.read("xl/workbook.xml"))
        rels = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        raise SpreadsheetError("Tệp nén không phải là sổ làm việc Excel .xlsx (thiếu mục lục trang tính).")
    except Exception as exc:  # noqa: BLE001
        raise _xml_error(exc)
    targets = {r.get("Id"): r.get("Target") or "" for r in rels.iter(f"{PKG_REL_NS}Relationship")}
    parts = []
    for sheet in workbook.iter(f"{MAIN_NS}sheet"):
        target = targets.get(sheet.get(f"{REL_NS}id"), "")
        path = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
        parts.append((sheet.get("name") or "", path, sheet.get("state") or "visible"))
    return parts


def _causes(exc: BaseException | None) -> Iterator[BaseException]:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


def _xml_error(exc: Exception) -> SpreadsheetError:
    """The user's message for an exception raised while openpyxl or defusedxml parsed the file."""
    for cause in _causes(exc):
        name = type(cause).__name__
        if "Entities" in name or "DTD" in name or "ExternalReference" in name:
            return SpreadsheetError("Tệp chứa khai báo thực thể XML (có thể là “bom XML”); đã từ chối.")
    return SpreadsheetError(
        "Không đọc được tệp .xlsx (tệp bị hỏng hoặc không phải sổ làm việc Excel); hãy mở bằng Excel, lưu lại rồi tải lên."
    )


def read_table(
    data: bytes,
    columns: list[Column],
    *,
    sheet_name: str | None = None,
    max_rows: int | None = None,
) -> Sheet:
    """Read one table from an uploaded workbook. Raises SpreadsheetError for an unusable file.

    ``sheet_name``: the sheet to read if the workbook has it, else the first one."""
    ensure_defusedxml()
    max_rows = max_rows or _limit("UPLOAD_MAX_ROWS", DEFAULT_MAX_ROWS)
    archive = check_container(data)
    parts = _sheet_parts(archive)
    if not parts:
        raise SpreadsheetError("Sổ làm việc không có trang tính nào.")
    names = [n for n, _, _ in parts]
    name, path, state = next(((n, p, st) for n, p, st in parts if n == sheet_name), parts[0])
    if state != "visible":
        # Like hidden rows: what is read must be what the user sees in Excel.
        raise SpreadsheetError(
            f"Trang “{name}” đang bị ẩn trong sổ làm việc. Hãy bỏ ẩn trang đó (chuột phải vào tên một trang › "
            "Bỏ ẩn) để thấy rõ dữ liệu sẽ nhập, rồi tải lên lại."
        )
    if path not in archive.namelist():
        raise SpreadsheetError(f"Sổ làm việc bị hỏng: thiếu nội dung của trang “{name}”.")
    notices = []
    if len(names) > 1:
        others = ", ".join(f"“{n}”" for n in names if n != name)
        notices.append(f"Sổ làm việc có {len(names)} trang tính; chỉ đọc trang “{name}”, bỏ qua {others}.")
    # Rows the sheet may hold: the header search, the data, and the one that proves "too many".
    bound = HEADER_SEARCH_ROWS + max_rows + 1
    layout = _scan_layout(archive, path, name, bound, max_rows)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001
        raise _xml_error(exc)
    try:
        sheet = workbook[name]
        sheet.reset_dimensions()  # never trust the declared <dimension>
        header_row, headers, groups, positions, data_rows = _read_rows(sheet, columns, name, bound, max_rows)
    except SpreadsheetError:
        raise
    except Exception as exc:  # noqa: BLE001
        raise _xml_error(exc)
    finally:
        workbook.close()
    _check_layout(layout, name, header_row, positions)
    return Sheet(
        name=name, header_row=header_row, headers=headers, header_groups=groups, rows=data_rows, notices=notices
    )


# (header row, headers, header groups, column positions, data rows)
_Table = tuple[int, dict[str, str], dict[str, str], dict[str, int], list[SheetRow]]


def _read_rows(sheet: Any, columns: list[Column], name: str, bound: int, max_rows: int) -> _Table:
    # ``sheet``: openpyxl's ReadOnlyWorksheet (openpyxl ships no type hints)
    max_col = _limit("UPLOAD_MAX_COLUMNS", MAX_COLUMNS)
    rows = sheet.iter_rows(min_row=1, max_row=bound, max_col=max_col, values_only=True)
    header_row, headers, groups, positions = _find_header(rows, columns, name)
    data_rows: list[SheetRow] = []
    number = header_row
    for raw in rows:
        number += 1
        values = [normalise_value(v) for v in raw]
        if all(v is None for v in values):
            continue
        if len(data_rows) >= max_rows:
            raise _too_many_rows(name, max_rows)
        data_rows.append(
            SheetRow(number, {key: values[i] if i < len(values) else None for key, i in positions.items()})
        )
    return header_row, headers, groups, positions, data_rows


def _find_header(
    rows: Iterator[tuple[Any, ...]], columns: list[Column], sheet_name: str
) -> tuple[int, dict[str, str], dict[str, str], dict[str, int]]:
    required = [c for c in columns if c.required]
    first = required[0] if required else columns[0]
    for number in range(1, HEADER_SEARCH_ROWS + 1):
        try:
            raw = next(rows)
        except StopIteration:
            break
        texts = [normalise_text(str(v)) if v is not None else "" for v in raw]
        if not any(t and first.match(t) for t in texts):
            continue
        positions, headers, groups = {}, {}, {}
        for i, text in enumerate(texts):
            if not text:
                continue
            for column in columns:
                if column.key in positions:
                    continue
                m = column.match(text)
                if m:
                    positions[column.key] = i
                    headers[column.key] = text
                    groups.update({k: v for k, v in m.groupdict().items() if v is not None})
                    break
        missing = [c.label for c in required if c.key not in positions]
        if missing:
            known = set(positions.values())
            unknown = [t for i, t in enumerate(texts) if t and i not in known]
            message = (
                f"Trang “{sheet_name}”, dòng tiêu đề {number}: thiếu cột " + ", ".join(f"“{m}”" for m in missing) + "."
            )
            if unknown:
                message += (
                    " Không nhận ra cột "
                    + ", ".join(f"“{u}”" for u in unknown)
                    + "; hãy giữ nguyên tiêu đề của tệp mẫu."
                )
            raise SpreadsheetError(message)
        return number, headers, groups, positions
    expected = ", ".join(f"“{c.label}”" for c in required)
    raise SpreadsheetError(
        f"Trang “{sheet_name}”: không tìm thấy dòng tiêu đề trong {HEADER_SEARCH_ROWS} dòng đầu (cần các cột {expected}). "
        "Hãy dùng tệp mẫu và giữ nguyên tiêu đề."
    )


def _check_layout(layout: _Layout, sheet_name: str, header_row: int, positions: dict[str, int]) -> None:
    hidden = [r for r in layout.hidden_rows if r > header_row]
    if hidden:
        listed = ", ".join(str(r) for r in hidden[:10]) + (" …" if len(hidden) > 10 else "")
        raise SpreadsheetError(
            f"Trang “{sheet_name}” có dòng bị ẩn (dòng {listed}). Hãy bỏ ẩn (hoặc xóa) các dòng đó để thấy rõ dữ liệu sẽ nhập."
        )
    # A column that is read (its header matched) must be visible: a hidden "Số CCCD" before the
    # visible one would be the one imported.
    read = sorted(i + 1 for i in positions.values())
    hidden_cols = [c for c in read if any(first <= c <= last for first, last in layout.hidden_columns)]
    if hidden_cols:
        listed = ", ".join(_column_letter(c) for c in hidden_cols[:10])
        raise SpreadsheetError(
            f"Trang “{sheet_name}” có cột bị ẩn (cột {listed}). Hãy bỏ ẩn (hoặc xóa) các cột đó để thấy rõ dữ liệu sẽ nhập."
        )
    merged = [ref for ref, last in layout.merged if last >= header_row]
    if merged:
        raise SpreadsheetError(
            f"Trang “{sheet_name}” có ô gộp ({', '.join(merged[:5])}) trong bảng dữ liệu. Hãy bỏ gộp ô rồi tải lên lại."
        )
    formulas = [(ref, f) for ref, row, f in layout.uncached_formulas if row > header_row]
    if formulas:
        ref, formula = formulas[0]
        raise SpreadsheetError(
            f"Trang “{sheet_name}”, ô {ref} chứa công thức “={formula}” chưa có giá trị tính sẵn. "
            "Hãy mở tệp bằng Excel và lưu lại (để Excel tính), hoặc nhập trực tiếp con số."
        )
