"""The upload guard for a .docx template: the container checks of ``partydev.spreadsheets``
(``open_container``: size, first bytes, the zip's central directory before anything is inflated,
no DTD or entity), with the messages and the parts of a Word document rather than of a workbook."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from partydev.spreadsheets import (
    MAX_ENTRIES,
    MAX_RATIO,
    ContainerKind,
    ContainerLimits,
    _limit,
    open_container,
)

MAX_TEMPLATE_BYTES = 2 * 1024 * 1024
MAX_UNCOMPRESSED = 20 * 1024 * 1024
ENTRY_REFUSALS = {  # by partydev.spreadsheets.zip_entry_fault
    "name": "Tệp chứa thành phần có tên bất thường (“{name}”); không phải tệp .docx hợp lệ.",
    "encrypted": "Tệp .docx có phần nén được mã hóa; không đọc được.",
    "compression": "Tệp .docx dùng kiểu nén không được hỗ trợ.",
}
_BOMB = "Tệp giải nén ra quá lớn (có thể là “bom nén”); đã từ chối trước khi đọc."

DOCX = ContainerKind(
    error=ValidationError,
    messages={
        "empty": "Tệp rỗng (0 byte). Hãy chọn tệp Word .docx của mẫu.",
        "too_big": "Tệp nặng {size}, vượt giới hạn {limit} của một mẫu văn bản.",
        "password": "Tệp Word được đặt mật khẩu nên không đọc được. Hãy bỏ mật khẩu rồi lưu lại.",
        "legacy": "Đây là tệp Word cũ (.doc, Word 97–2003). Hãy mở bằng Word, chọn Lưu thành “Tài liệu Word (.docx)”.",
        "pdf": "Đây là tệp PDF, không phải mẫu Word .docx.",
        "not_zip": "Tệp không phải là tệp Word .docx (nội dung không đúng định dạng).",
        "bad_zip": "Tệp .docx bị hỏng (không mở được phần nén).",
        "entries": "Tệp có {count} thành phần nén, quá nhiều cho một mẫu văn bản.",
        "uncompressed": _BOMB,
        "ratio": _BOMB,
        "missing": "Tệp nén không phải là tài liệu Word .docx (thiếu word/document.xml).",
        "dtd": "Thành phần “{name}” chứa khai báo DTD/ENTITY, điều mà Word không tạo ra; đã từ chối.",
    },
    entry_refusals=ENTRY_REFUSALS,
    required=("[Content_Types].xml", "word/document.xml"),
    forbidden={"word/vbaProject.bin": "Tệp có macro (.docm); hãy lưu thành “Tài liệu Word (.docx)” không có macro."},
    other_kinds={"xl/workbook.xml": "Đây là tệp Excel .xlsx, không phải mẫu Word .docx."},
)


def check_docx(data: bytes, filename: str = "") -> None:
    """Refuse what is not a plain .docx, with a Vietnamese message saying what it is."""
    limits = ContainerLimits(
        max_bytes=_limit("DOCUMENT_TEMPLATE_MAX_BYTES", MAX_TEMPLATE_BYTES),
        max_entries=MAX_ENTRIES,
        max_uncompressed=MAX_UNCOMPRESSED,
        max_ratio=MAX_RATIO,
    )
    open_container(data, DOCX, limits)
