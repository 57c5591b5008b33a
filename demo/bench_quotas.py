"""Timings of the quota spreadsheets for ``make bench`` (run on the seeded throwaway database).

- dry run + commit of a 3,184-row sheet (every cell of the province), then the same file again;
- the template for the whole province;
- a zip bomb (300 MB of zeros in about 300 KB): time to refusal and memory growth.
"""

import io
import time
import tracemalloc
import zipfile

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from members.quotas.importers import QuotaImporter, quota_template
from organizations.models import Organization
from partydev.spreadsheets import SpreadsheetError, read_table
from partydev.uploads import upload_commit, upload_dry_run, upload_store


def _sheet(codes, year) -> bytes:
    """The sheet as Excel would save it (normal mode writes the <dimension> that Excel writes;
    without it openpyxl reads the whole sheet once more just to size it)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Chỉ tiêu"
    ws.append([f"CHỈ TIÊU KẾT NẠP ĐẢNG VIÊN NĂM {year}"])
    ws.append([])
    ws.append(["STT", "Mã tổ chức", "Tên tổ chức", "Cấp", f"Chỉ tiêu năm {year}", "Tối thiểu", "Ghi chú"])
    for i, code in enumerate(codes, start=1):
        ws.append([i, code, None, None, 1 + i % 3, 1, None])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def zip_bomb(size_mb: int = 300) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        entry = zipfile.ZipInfo("xl/worksheets/sheet1.xml")
        entry.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(entry, "w", force_zip64=True) as fh:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(size_mb):
                fh.write(chunk)
    return out.getvalue()


def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field):
                return int(line.split()[1])
    return 0


def measurements() -> list[tuple[str, str]]:
    """(label, figure) rows for the bench report."""
    user = get_user_model().objects.get(username="province")
    scope = Organization.objects.get(code="HB")
    codes = list(
        Organization.objects.filter(path__startswith=scope.path, kind="cell")
        .order_by("path")
        .values_list("code", flat=True)
    )
    year = 2030
    data = _sheet(codes, year)
    rows = []

    def timed(label, fn):
        t0 = time.perf_counter()
        result = fn()
        rows.append((label, f"{(time.perf_counter() - t0) * 1000:.0f} ms"))
        return result

    def upload_once():
        upload = upload_store(
            file=SimpleUploadedFile("bench.xlsx", data), importer_class=QuotaImporter, user=user, scope=scope
        )
        result = upload_dry_run(upload, QuotaImporter)
        assert not result.errors, result.errors[:3]
        return upload, result

    upload, result = timed(f"Kiểm tra thử (dry run) {len(codes):,} dòng".replace(",", "."), upload_once)
    timed(
        f"Ghi {result.counts['create']:,} chỉ tiêu (commit)".replace(",", "."),
        lambda: upload_commit(upload, QuotaImporter, user=user),
    )
    again, result = timed("Tải lại cùng tệp: kiểm tra thử", upload_once)
    assert result.counts["unchanged"] == len(codes)
    timed("Tải lại cùng tệp: ghi (không đổi gì)", lambda: upload_commit(again, QuotaImporter, user=user))
    content = timed("Tệp mẫu cả tỉnh (quota_template)", lambda: quota_template(user, 2024))
    rows.append(("Tệp mẫu cả tỉnh: kích thước", f"{len(content) / 1024:.0f} KB"))

    bomb = zip_bomb()
    with open("/proc/self/clear_refs", "w") as fh:  # reset the peak RSS (VmHWM)
        fh.write("5")
    rss_before = _rss_kb("VmRSS:")
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        read_table(bomb, QuotaImporter.columns)
        refused = "KHÔNG bị từ chối"
    except SpreadsheetError as exc:
        refused = exc.message[:60]
    elapsed = time.perf_counter() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_growth = max(0, _rss_kb("VmHWM:") - rss_before)
    rows.append((f"Bom nén {len(bomb) // 1024} KB → 300 MB: từ chối", f"{elapsed * 1000:.1f} ms ({refused}…)"))
    rows.append(
        ("Bom nén: bộ nhớ tăng thêm (đỉnh RSS / tracemalloc)", f"{rss_growth / 1024:.1f} MB / {peak / 1048576:.2f} MB")
    )
    return rows
