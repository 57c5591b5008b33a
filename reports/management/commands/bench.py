"""``make bench``: time pages through the test client against a do-nothing page, in one run.

Builds the demo in a throwaway database (the test database machinery), so the data you work
with is left alone. Each issue adds its pages to ``cases()``.
"""

import statistics
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment, teardown_test_environment
from django.contrib.auth import get_user_model


def measure(client: Client, url: str, repeat: int) -> dict:
    client.get(url)  # warm up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    times.sort()
    return {
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[max(0, int(len(times) * 0.95) - 1)] * 1000,
        "queries": len(ctx.captured_queries),
    }


def cases():
    """(label, username, url) for every page measured."""
    return [
        ("Trình duyệt tổ chức — tỉnh", "province", "/orgs/HB/"),
        ("Trình duyệt tổ chức — thành phố", "district", "/orgs/HB.TP/"),
        ("API tổ chức — tỉnh", "province", "/api/organizations/HB"),
        ("Bảng điều khiển — tỉnh", "province", "/dashboard/HB/"),
        ("Bảng điều khiển — tỉnh, cấp huyện 2016–2022", "province", "/dashboard/HB/?from=2016-01-01&to=2022-12-31&kinds=district,city"),
        ("Bảng điều khiển — thành phố", "district", "/dashboard/HB.TP/"),
        ("Chi tiết tất cả 3.184 chi bộ — năm 2022", "province", "/dashboard/HB/?from=2022-01-01&to=2022-12-31&kinds=cell&levels=all"),
        ("Chất lượng đảng viên mới — tỉnh 2022", "province", "/reports/HB/new-members/?from=2022-01-01&to=2022-12-31"),
        ("API kết quả kết nạp — tỉnh", "province", "/api/reports/achievement?org=HB&from=2016-01-01&to=2022-12-31&kinds=district,city"),
        ("Chỉ tiêu — tỉnh 2023", "province", "/quotas/HB/?year=2023"),
        ("Chỉ tiêu — thành phố 2023", "district", "/quotas/HB.TP/?year=2023"),
        ("Tệp mẫu chỉ tiêu — cả tỉnh (3.716 dòng)", "province", "/quotas/template?year=2024"),
        ("Tệp mẫu chỉ tiêu — thành phố", "district", "/quotas/template?year=2024"),
        ("Tải lên chỉ tiêu — lịch sử", "province", "/quotas/upload/"),
    ]


class Command(BaseCommand):
    help = "Đo hiệu năng các trang trên dữ liệu mẫu, so với một trang không làm gì."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=25)
        parser.add_argument("--scale", type=int, default=1)
        parser.add_argument("--keepdb", action="store_true")
        parser.add_argument("--output", default="", help="ghi bảng markdown vào tệp này")

    def handle(self, repeat, scale, keepdb, output, **options):
        setup_test_environment()
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keepdb)
        try:
            t0 = time.perf_counter()
            call_command("seed_demo", scale=scale, stdout=open("/dev/null", "w"))
            seed_seconds = time.perf_counter() - t0
            rows = self.run_cases(repeat)
            from members.quotas.benchmarks import measurements as quota_measurements

            spreadsheets = quota_measurements()
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=keepdb)
            teardown_test_environment()
        lines = [
            f"seed_demo (scale {scale}, {connection.vendor}): {seed_seconds:.1f} s",
            "",
            "| page | median ms | p95 ms | queries | × do-nothing |",
            "|---|---:|---:|---:|---:|",
        ]
        base = rows[0][1]["median_ms"]
        for label, r in rows:
            lines.append(f"| {label} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['queries']} | {r['median_ms'] / base:.2f} |")
        lines += ["", "| spreadsheets (quotas) | figure |", "|---|---:|"] + [f"| {label} | {figure} |" for label, figure in spreadsheets]
        text = "\n".join(lines)
        self.stdout.write(text)
        if output:
            with open(output, "w") as fh:
                fh.write(text + "\n")

    def run_cases(self, repeat):
        clients = {}
        User = get_user_model()

        def client_for(username):
            if username not in clients:
                clients[username] = Client()
                clients[username].force_login(User.objects.get(username=username))
            return clients[username]

        rows = [("Trang không làm gì (đăng nhập)", measure(client_for("province"), "/ping/", repeat))]
        for label, username, url in cases():
            reset_queries()
            rows.append((label, measure(client_for(username), url, repeat)))
        return rows
