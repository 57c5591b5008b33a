"""Build the demo: Hòa Bình, old Phú Thọ and Vĩnh Phúc from 2016, the 2025 reform into Phú Thọ,
and activity through today. Lives in ``demo``, the one floor that may import every app: each
step seeds its own part through its module."""

import datetime
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from demo import activity as activity_demo
from demo import candidates as candidates_demo
from demo import followup as followup_demo
from demo import members as members_demo
from demo import provinces as provinces_demo
from demo import quotas as quotas_demo
from demo import reform as reform_demo
from demo import scale as scale_demo
from demo import tree as organizations_demo
from members import subtree_years


def demo_steps(scale: int, today: datetime.date | None = None, log=None):
    """(key, label, callable) in dependency order. Each step is idempotent."""
    today = today or timezone.localdate()
    log = log or (lambda text: None)
    reformed = today >= reform_demo.REFORM

    def before_reform():
        followup_demo.seed_followup(today, current=False)
        organizations_demo.seed_accounts()  # on the old organisations: the reform carries them

    def candidates():
        if reformed and organizations_demo.Organization.objects.filter(code=reform_demo.CODE).exists():
            # every cell of the former city of Hòa Bình, one in two elsewhere; a thinner pipeline
            return candidates_demo.seed_candidates(
                reform_demo.CODE, today, demo_grassroots="HB.TP.001", every=2, full="HB.TP.", thin=True
            )
        return candidates_demo.seed_candidates("HB", today)

    def after_reform():
        quotas_demo.seed_quotas_after_reform()
        followup_demo.seed_current_assignment(today)

    return [
        ("tree", "cây tổ chức (Hòa Bình, Phú Thọ cũ, Vĩnh Phúc)", lambda: organizations_demo.seed_trees(scale)),
        ("quotas", "chỉ tiêu kết nạp 2016–2025", quotas_demo.seed_quotas),
        ("members", "đảng viên Hòa Bình (số liệu đã công bố)", members_demo.seed_members),
        ("provinces", "đảng viên Phú Thọ cũ, Vĩnh Phúc", lambda: provinces_demo.seed_registers(log)),
        (
            "history",
            "kết nạp, ra khỏi Đảng 01/07/2023 – 30/06/2025",
            lambda: activity_demo.seed_before_reform(today, log),
        ),
        ("followup", "phân công, kiểm tra hằng tháng; tài khoản mẫu", before_reform),
        (
            "reform",
            "sắp xếp tổ chức 01/07/2025 (tỉnh Phú Thọ mới)",
            lambda: reform_demo.seed_reform(log) if reformed else 0,
        ),
        ("candidates", "quy trình kết nạp (tính từ hôm nay)", candidates),
        (
            "activity",
            "kết nạp, ra khỏi Đảng từ 01/07/2025 đến hôm nay",
            lambda: activity_demo.seed_after_reform(today, log),
        ),
        ("today", "chỉ tiêu 2026–2027, phân công tháng này", after_reform),
    ] + (
        [
            # --scale N: provinces P02 … PNN get copies of HB's members, quotas and pipeline (demo.scale).
            (
                "scale",
                f"đảng viên, chỉ tiêu, quy trình kết nạp của {scale - 1} tỉnh nữa",
                lambda: scale_demo.replicate(scale),
            ),
        ]
        if scale > 1
        else []
    )


class Command(BaseCommand):
    help = (
        "Tạo dữ liệu mẫu: Hòa Bình, Phú Thọ cũ, Vĩnh Phúc từ 2016, sắp xếp 01/07/2025 thành tỉnh Phú Thọ, "
        "hoạt động đến hôm nay. Chạy lại không tạo trùng."
    )

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="số tỉnh (cho đo hiệu năng)")
        parser.add_argument("--only", default="", help="chỉ chạy các bước này, cách nhau bởi dấu phẩy (vd. tree)")
        parser.add_argument(
            "--today", default="", help="ngày «hôm nay» của dữ liệu mẫu, YYYY-MM-DD (mặc định: hôm nay)"
        )

    def handle(self, scale, only, today, **options):
        try:
            day = datetime.date.fromisoformat(today) if today else timezone.localdate()
        except ValueError as e:
            raise CommandError(f"Ngày không hợp lệ: {today}") from e
        if day > timezone.localdate():
            raise CommandError("«Hôm nay» của dữ liệu mẫu không được sau ngày hôm nay.")

        def log(text):
            self.stdout.write(text)
            self.stdout.flush()

        steps = demo_steps(scale, day, log)
        wanted = {s for s in only.split(",") if s}
        unknown = wanted - {key for key, _, _ in steps}
        if unknown:
            raise CommandError(f"Bước không có: {', '.join(sorted(unknown))}.")
        if wanted:
            # A step needs the ones before it: keep everything up to the last one asked for.
            last = max(i for i, (key, _, _) in enumerate(steps) if key in wanted)
            steps = steps[: last + 1]
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:  # a large page cache: the bulk copies are index-bound
                cursor.execute("PRAGMA cache_size = -262144")
                if not connection.in_atomic_block:  # (tests seed inside a transaction)
                    cursor.execute("PRAGMA temp_store = MEMORY")
        started, cpu = time.perf_counter(), time.process_time()
        for i, (_key, label, step) in enumerate(steps, start=1):
            log(f"[{i}/{len(steps)}] {label}…")
            t0, c0 = time.perf_counter(), time.process_time()
            step()
            log(f"  {label}: {time.perf_counter() - t0:.1f} s (CPU {time.process_time() - c0:.1f} s)")
        # The steps bulk-load the cell facts: the yearly facts per organisation from them, once.
        t0 = time.perf_counter()
        rows = subtree_years.rebuild()
        log(f"  số liệu theo năm của từng tổ chức: {rows} dòng, {time.perf_counter() - t0:.1f} s")
        accounts = organizations_demo.seed_accounts()
        log(
            f"Dữ liệu mẫu sẵn sàng sau {time.perf_counter() - started:.1f} s "
            f"(CPU {time.process_time() - cpu:.1f} s; hôm nay: {day:%d/%m/%Y})."
        )
        log(f"Tài khoản mẫu (mật khẩu: {organizations_demo.DEMO_PASSWORD}):")
        for username, role, org in accounts:
            log(f"  {username:<11} {role} — {org.name} ({org.code})")
