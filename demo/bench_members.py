"""Timings of the register for ``make bench`` (run on the seeded throwaway database).

- counts at 31/12/2022 for the whole province (one grouped query over the periods);
- the import of 5,000 member rows: store, dry run and commit, rolled back afterwards;
- the Excel export of a district's register.
"""

import io
import statistics
import tempfile
import time

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings
from openpyxl import Workbook

from members.exports import members_workbook
from members.imports import SPEC, MemberImporter
from members.selectors import counts_at, member_list
from organizations.models import CELL_KINDS, Organization

D = __import__("datetime").date


def import_sheet(cell_codes: list[str], n: int) -> bytes:
    """A register of ``n`` members in the given cells, as a real .xlsx with the template's headers."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Đảng viên")
    ws.append(["DANH SÁCH ĐẢNG VIÊN"])
    ws.append([])
    ws.append([label for _, label, _, _ in SPEC])
    for i in range(n):
        official = i % 10 != 0
        ws.append(
            [
                i + 1,
                f"Bùi Văn Nhập {i}",
                "Nam" if i % 2 else "Nữ",
                f"{1 + i % 28:02d}/{1 + i % 12:02d}/{1960 + i % 40}",
                "Mường",
                "Không",
                f"0990{i:08d}",
                "tỉnh Hòa Bình",
                "Trung học phổ thông",
                "Đại học",
                "Sơ cấp",
                "Nông dân",
                "Không",
                cell_codes[i % len(cell_codes)],
                "Chính thức" if official else "Dự bị",
                "02/09/2022" if not official else f"{1 + i % 28:02d}/03/{2000 + i % 20}",
                f"{i}-QĐ/HU",
                None,
                None,
                None,
                None,
            ]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def measurements(repeat: int = 25) -> list[tuple[str, str]]:
    from partydev.uploads import upload_commit, upload_dry_run, upload_store

    out = []
    province = Organization.objects.get(code="HB")
    counts_at(province, D(2022, 12, 31))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        counts_at(province, D(2022, 12, 31))
        times.append((time.perf_counter() - t0) * 1000)
    out.append(("Số đảng viên tại 31/12/2022, cả tỉnh (counts_at), trung vị", f"{statistics.median(times):.1f} ms"))

    user = get_user_model().objects.get(username="district")
    city = Organization.objects.get(code="HB.TP")
    codes = list(
        Organization.objects.filter(path__startswith=city.path, kind__in=CELL_KINDS).values_list("code", flat=True)[
            :200
        ]
    )
    data = import_sheet(codes, 5000)
    with tempfile.TemporaryDirectory() as media, override_settings(MEDIA_ROOT=media), transaction.atomic():
        t0 = time.perf_counter()
        upload = upload_store(
            file=SimpleUploadedFile("dang-vien-5000.xlsx", data), importer_class=MemberImporter, user=user, scope=city
        )
        result = upload_dry_run(upload, MemberImporter, user=user)
        t1 = time.perf_counter()
        with CaptureQueriesContext(connection) as ctx:
            upload_commit(upload, MemberImporter, user=user)
        t2 = time.perf_counter()
        out.append(
            (
                "Nhập 5.000 đảng viên từ Excel: kiểm tra + xác nhận",
                f"{t1 - t0:.1f} s + {t2 - t1:.1f} s = {t2 - t0:.1f} s ({len(result.errors)} lỗi, {len(ctx.captured_queries)} truy vấn khi ghi)",
            )
        )
        transaction.set_rollback(True)

    t0 = time.perf_counter()
    content = members_workbook(member_list(user, city, {}), title="bench")
    out.append(
        ("Xuất Excel danh sách đảng viên — thành phố", f"{time.perf_counter() - t0:.1f} s ({len(content) // 1024} KB)")
    )
    return out
