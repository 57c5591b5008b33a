"""The upload guard for a .docx template: the checks of ``partydev.spreadsheets`` (size, first
bytes, the zip's central directory before anything is inflated, no DTD or entity), with the
messages and the parts of a Word document rather than of a workbook."""

from __future__ import annotations

import io
import zipfile

from django.core.exceptions import ValidationError

from partydev.spreadsheets import (
    ENCRYPTED_PACKAGE,
    MAX_ENTRIES,
    MAX_RATIO,
    OLE_MAGIC,
    ZIP_MAGIC,
    _limit,
    _mb,
    zip_entry_fault,
)

MAX_TEMPLATE_BYTES = 2 * 1024 * 1024
MAX_UNCOMPRESSED = 20 * 1024 * 1024
ENTRY_REFUSALS = {  # by partydev.spreadsheets.zip_entry_fault
    "name": "Tệp chứa thành phần có tên bất thường (“{name}”); không phải tệp .docx hợp lệ.",
    "encrypted": "Tệp .docx có phần nén được mã hóa; không đọc được.",
    "compression": "Tệp .docx dùng kiểu nén không được hỗ trợ.",
}


def check_docx(data: bytes, filename: str = "") -> None:
    """Refuse what is not a plain .docx, with a Vietnamese message saying what it is."""
    max_bytes = _limit("DOCUMENT_TEMPLATE_MAX_BYTES", MAX_TEMPLATE_BYTES)
    if not data:
        raise ValidationError("Tệp rỗng (0 byte). Hãy chọn tệp Word .docx của mẫu.")
    if len(data) > max_bytes:
        raise ValidationError(f"Tệp nặng {_mb(len(data))}, vượt giới hạn {_mb(max_bytes)} của một mẫu văn bản.")
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_PACKAGE in data:
            raise ValidationError("Tệp Word được đặt mật khẩu nên không đọc được. Hãy bỏ mật khẩu rồi lưu lại.")
        raise ValidationError(
            "Đây là tệp Word cũ (.doc, Word 97–2003). Hãy mở bằng Word, chọn Lưu thành “Tài liệu Word (.docx)”."
        )
    if data.startswith(b"%PDF"):
        raise ValidationError("Đây là tệp PDF, không phải mẫu Word .docx.")
    if not data.startswith(ZIP_MAGIC):
        raise ValidationError("Tệp không phải là tệp Word .docx (nội dung không đúng định dạng).")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise ValidationError("Tệp .docx bị hỏng (không mở được phần nén).") from None
    infos = archive.infolist()
    if len(infos) > MAX_ENTRIES:
        raise ValidationError(f"Tệp có {len(infos)} thành phần nén, quá nhiều cho một mẫu văn bản.")
    total = 0
    names = set()
    for info in infos:
        name = info.filename
        fault = zip_entry_fault(info)
        if fault is not None:
            raise ValidationError(ENTRY_REFUSALS[fault].format(name=name[:60]))
        total += info.file_size
        if total > MAX_UNCOMPRESSED or (
            info.file_size > 1024 * 1024 and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            raise ValidationError("Tệp giải nén ra quá lớn (có thể là “bom nén”); đã từ chối trước khi đọc.")
        names.add(name)
    if "word/vbaProject.bin" in names:
        raise ValidationError("Tệp có macro (.docm); hãy lưu thành “Tài liệu Word (.docx)” không có macro.")
    if "[Content_Types].xml" not in names or "word/document.xml" not in names:
        if "xl/workbook.xml" in names:
            raise ValidationError("Đây là tệp Excel .xlsx, không phải mẫu Word .docx.")
        raise ValidationError("Tệp nén không phải là tài liệu Word .docx (thiếu word/document.xml).")
    for info in infos:
        if info.filename.endswith((".xml", ".rels")):
            with archive.open(info) as fh:
                head = fh.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head:
                raise ValidationError(
                    f"Thành phần “{info.filename}” chứa khai báo DTD/ENTITY, điều mà Word không tạo ra; đã từ chối."
                )
