"""Build the demo province. Lives in ``reports`` because it is the one floor that may import
every app: each app seeds its own part through its ``demo`` module."""

import time

from django.core.management.base import BaseCommand, CommandError

from demo import candidates as candidates_demo
from demo import followup as followup_demo
from demo import members as members_demo
from demo import quotas as quotas_demo
from demo import scale as scale_demo
from demo import tree as organizations_demo


def demo_steps(scale: int):
    """(key, label, callable) in dependency order. Each step is idempotent."""
    return [
        ("tree", "cây tổ chức", lambda: organizations_demo.seed_tree(scale)),
        ("quotas", "chỉ tiêu kết nạp 2016–2023", quotas_demo.seed_quotas),
        ("members", "đảng viên", members_demo.seed_members),
        ("candidates", "quy trình kết nạp (tính từ hôm nay)", candidates_demo.seed_candidates),
        ("followup", "phân công, kiểm tra hằng tháng", followup_demo.seed_followup),
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
    help = "Tạo dữ liệu mẫu tỉnh Hòa Bình (31/12/2022). Chạy lại không tạo trùng."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=1, help="số tỉnh (cho đo hiệu năng)")
        parser.add_argument("--only", default="", help="chỉ chạy các bước này, cách nhau bởi dấu phẩy (vd. tree)")

    def handle(self, scale, only, **options):
        steps = demo_steps(scale)
        wanted = {s for s in only.split(",") if s}
        unknown = wanted - {key for key, _, _ in steps}
        if unknown:
            raise CommandError(f"Bước không có: {', '.join(sorted(unknown))}.")
        if wanted:
            # A step needs the ones before it: keep everything up to the last one asked for.
            last = max(i for i, (key, _, _) in enumerate(steps) if key in wanted)
            steps = steps[: last + 1]
        started = time.perf_counter()
        for _key, label, step in steps:
            t0 = time.perf_counter()
            step()
            self.stdout.write(f"  {label}: {time.perf_counter() - t0:.1f} s")
        accounts = organizations_demo.seed_accounts()
        self.stdout.write(f"Dữ liệu mẫu sẵn sàng sau {time.perf_counter() - started:.1f} s.")
        self.stdout.write(f"Tài khoản mẫu (mật khẩu: {organizations_demo.DEMO_PASSWORD}):")
        for username, role, org in accounts:
            self.stdout.write(f"  {username:<11} {role} — {org.name} ({org.code})")
