"""``make bench``: time every page and API call against a logged-in do-nothing page, in one run.

By default the demo (``seed_demo --scale N``) is built in a throwaway database (the test database
machinery: in memory for SQLite, ``<NAME>_benchtmp`` on PostgreSQL unless TEST_DATABASE_NAME
says otherwise), so the data you work with is left alone; ``--keepdb`` keeps it for the next run
(the seed is then skipped). ``--in-place`` measures the configured database itself, seeding it
first if it has no demo data (for a large scale, seed once and measure many times).

For each case: the median and the 95th percentile (nearest rank) of ``--repeat`` requests after
one warm-up, the number of SQL queries of one more request, and the ratio of the median to the
do-nothing page ``/ping/`` measured in the same run. Then the writes (a stage change, a quota
upload, a member event) and the spreadsheet figures. Every app adds its pages to ``cases()``.

    make bench BENCH_ARGS="--scale 1 --output /tmp/bench.md"
"""

import datetime
import math
import os
import platform
import statistics
import time

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

# The kinds of case. The scale-1 target (≤ 3× the do-nothing page) is for dashboards and lists.
LIST, PAGE, API, FILE = "bảng/danh sách", "trang", "API", "tệp"
LIMIT_AT_SCALE_1 = 3.0


def measure(client: Client, url: str, repeat: int, ping: Client | None = None) -> dict:
    """Median and p95 of ``repeat`` requests after a warm-up, and the queries of one more.
    With ``ping``, each request alternates with one of the do-nothing page on that client, and
    ``ratio`` is the case's median over the do-nothing page's median in the same stretch of
    time: on a shared machine the load drifts during a run, the ratio should not."""
    t0 = time.perf_counter()
    response = client.get(url)  # warm up; timed too: the first request may fill the caches (reports/memo.py)
    first_ms = (time.perf_counter() - t0) * 1000
    assert response.status_code == 200, (url, response.status_code)
    times, base = [], []
    for _ in range(repeat):
        if ping is not None:
            t0 = time.perf_counter()
            ping.get("/ping/")
            base.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t0)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as ctx:
        t0 = time.perf_counter()
        client.get(url)
        captured_ms = (time.perf_counter() - t0) * 1000
    times.sort()
    queries = ctx.captured_queries
    slowest = max(queries, key=lambda q: float(q["time"]), default=None)
    result = {
        "median_ms": statistics.median(times) * 1000,
        "p95_ms": times[max(0, math.ceil(len(times) * 0.95) - 1)] * 1000,
        "first_ms": first_ms,
        "queries": len(queries),
        # Where the time goes, from one more request: SQL (as the driver saw it) against the rest.
        "sql_share": sum(float(q["time"]) for q in queries) * 1000 / captured_ms if captured_ms else 0,
        "slowest": (float(slowest["time"]) * 1000, " ".join(slowest["sql"].split())[:160]) if slowest else None,
    }
    if base:
        result["ping_ms"] = statistics.median(base) * 1000
        result["ratio"] = statistics.median(times) / statistics.median(base)
    return result


def cases(scale: int = 1) -> list[tuple[str, str, str, str]]:
    """(label, username, url, kind) for every page measured. Apps append theirs here."""
    from demo import bench_candidates as candidates_benchmarks
    from followup.models import Assignment
    from members.models import Membership

    check = (
        Assignment.objects.filter(committee_member__user__username="capuy", start__year=2022)
        .order_by("organization__path")
        .first()
    )

    member = (
        Membership.objects.filter(cell__code__startswith="HB.TP.").order_by("id").values_list("pk", flat=True).first()
    )
    rows = [
        ("Trình duyệt tổ chức — tỉnh", "province", "/orgs/HB/", LIST),
        ("Trình duyệt tổ chức — thành phố", "district", "/orgs/HB.TP/", LIST),
        ("API tổ chức — tỉnh", "province", "/api/organizations/HB", API),
        ("Chỉ tiêu — tỉnh 2023", "province", "/quotas/HB/?year=2023", LIST),
        ("Chỉ tiêu — thành phố 2023", "district", "/quotas/HB.TP/?year=2023", LIST),
        ("Tệp mẫu chỉ tiêu — cả tỉnh (3.716 dòng)", "province", "/quotas/template?year=2024", FILE),
        ("Tệp mẫu chỉ tiêu — thành phố", "district", "/quotas/template?year=2024", FILE),
        ("Tải lên chỉ tiêu — lịch sử", "province", "/quotas/upload/", LIST),
        ("Bảng điều khiển — tỉnh", "province", "/dashboard/HB/", LIST),
        (
            "Bảng điều khiển — tỉnh, cấp huyện 2016–2022",
            "province",
            "/dashboard/HB/?from=2016-01-01&to=2022-12-31&kinds=district,city",
            LIST,
        ),
        ("Bảng điều khiển — thành phố (drill-down cấp huyện)", "district", "/dashboard/HB.TP/", LIST),
        (
            "Chi tiết tất cả 3.184 chi bộ — năm 2022",
            "province",
            "/dashboard/HB/?from=2022-01-01&to=2022-12-31&kinds=cell&levels=all",
            LIST,
        ),
        (
            "Chất lượng đảng viên mới — tỉnh 2022",
            "province",
            "/reports/HB/new-members/?from=2022-01-01&to=2022-12-31",
            LIST,
        ),
        (
            "API kết quả kết nạp — tỉnh",
            "province",
            "/api/reports/achievement?org=HB&from=2016-01-01&to=2022-12-31&kinds=district,city",
            API,
        ),
        (
            "API kết quả kết nạp — thành phố 2022",
            "district",
            "/api/reports/achievement?org=HB.TP&from=2022-01-01&to=2022-12-31",
            API,
        ),
        ("API số đảng viên — tỉnh 31/12/2022", "province", "/api/reports/members?org=HB&at=2022-12-31", API),
        ("Danh sách đảng viên — tỉnh", "province", "/members/?org=HB", LIST),
        ("Danh sách đảng viên — tìm theo tên", "province", "/members/?org=HB&q=hoa", LIST),
        ("Danh sách đảng viên — một đảng bộ cơ sở", "grassroots", "/members/", LIST),
        ("Trang một đảng viên", "district", f"/members/{member}/", PAGE),
        ("Theo dõi — việc kiểm tra (tỉnh)", "province", "/followup/", LIST),
        (
            "Theo dõi — kiểm tra tháng của cấp ủy viên",
            "capuy",
            f"/followup/assignments/{check.pk if check else 0}/2022-07/",
            PAGE,
        ),
        ("Đánh giá cuối năm — tỉnh 2022", "province", "/followup/evaluation/HB/?year=2022", LIST),
        ("Đánh giá cuối năm — thành phố 2022", "district", "/followup/evaluation/HB.TP/?year=2022", LIST),
        ("Biểu dương, nhắc nhở — tỉnh 2022", "province", "/followup/lists/HB/?from=2022-01-01&to=2022-12-31", LIST),
        *[
            (label, user, url, PAGE if "/candidates/" in url and url.rstrip("/").split("/")[-1].isdigit() else LIST)
            for label, user, url in candidates_benchmarks.pages()
        ],
    ]
    if scale > 1:
        # Every province at once: the administrator (a superuser) sees them all.
        rows += [
            (f"Toàn quốc — trình duyệt, {scale} tỉnh", "admin", "/orgs/", LIST),
            (f"Toàn quốc — danh sách đảng viên, {scale} tỉnh", "admin", "/members/", LIST),
            (f"Tỉnh cuối (P{scale:02d}) — bảng điều khiển", "admin", f"/dashboard/P{scale:02d}/", LIST),
        ]
    return rows


def member_event_measurements(repeat: int = 25) -> list[tuple[str, str]]:
    """A member event (a reprimand) recorded through the service on members of the city."""
    from members.models import EventKind, Membership, Status
    from members.services import membership_record_event

    user = get_user_model().objects.get(username="district")
    members = list(
        Membership.objects.filter(cell__code__startswith="HB.TP.", status=Status.OFFICIAL)
        .exclude(events__effective_date__gt=datetime.date(2023, 7, 1))
        .select_related("person")
        .order_by("-id")[:repeat]
    )
    times, queries = [], 0
    for i, m in enumerate(members):
        t0 = time.perf_counter()
        try:
            with CaptureQueriesContext(connection) as ctx:
                membership_record_event(
                    m,
                    kind=EventKind.REPRIMANDED,
                    effective_date=datetime.date.today(),
                    user=user,
                    decision_number=f"{i + 1}-QĐ/UBKT",
                    reason="đo hiệu năng",
                )
        except ValidationError:
            continue  # not allowed for this member (e.g. already disciplined that day): not timed
        times.append((time.perf_counter() - t0) * 1000)
        queries = len(ctx.captured_queries)
    if not times:
        return [("Một sự kiện đảng viên", "không đo được")]
    return [
        (
            "Một sự kiện đảng viên (khiển trách, dịch vụ), trung vị",
            f"{statistics.median(times):.1f} ms, {queries} truy vấn",
        )
    ]


def machine() -> str:
    """Date, CPUs, memory, CPU model and database, for the heading of the table."""
    model, mem = platform.processor() or "?", "?"
    try:
        with open("/proc/cpuinfo") as fh:
            model = next((line.split(":", 1)[1].strip() for line in fh if line.startswith("model name")), model)
        with open("/proc/meminfo") as fh:
            kb = int(next(line.split()[1] for line in fh if line.startswith("MemTotal")))
            mem = f"{kb / 1048576:.0f} GiB"
    except OSError:
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            db = f"PostgreSQL {cursor.fetchone()[0]}"
        else:
            cursor.execute("SELECT sqlite_version()")
            db = f"SQLite {cursor.fetchone()[0]}"
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"{datetime.datetime.now(datetime.UTC):%d/%m/%Y %H:%M} UTC, {os.cpu_count()} CPU ({model}), {mem} RAM, {db}, "
        f"Python {platform.python_version()}; tải trung bình (1, 5, 15 phút) lúc bắt đầu đo: {load}"
    )


def data_size() -> str:
    from candidates.models import Candidate
    from members.models import Membership, MembershipEvent, MembershipPeriod
    from organizations.models import Organization

    counts = [
        ("tỉnh", Organization.objects.filter(depth=1).count()),
        ("tổ chức", Organization.objects.count()),
        ("đảng viên (hồ sơ)", Membership.objects.count()),
        ("sự kiện", MembershipEvent.objects.count()),
        ("giai đoạn", MembershipPeriod.objects.count()),
        ("đối tượng kết nạp", Candidate.objects.count()),
    ]
    return ", ".join(f"{n:,}".replace(",", ".") + f" {label}" for label, n in counts)


class Command(BaseCommand):
    help = "Đo hiệu năng các trang trên dữ liệu mẫu, so với một trang không làm gì."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=25)
        parser.add_argument("--scale", type=int, default=1, help="số tỉnh của dữ liệu mẫu")
        parser.add_argument("--keepdb", action="store_true", help="giữ cơ sở dữ liệu tạm cho lần sau")
        parser.add_argument("--in-place", action="store_true", help="đo trên chính cơ sở dữ liệu đã cấu hình")
        parser.add_argument("--only", default="", help="chỉ đo các trường hợp có nhãn chứa chuỗi này")
        parser.add_argument(
            "--no-writes", action="store_true", help="bỏ phần ghi (chuyển giai đoạn, tải chỉ tiêu, sự kiện)"
        )
        parser.add_argument("--output", default="", help="ghi bảng markdown vào tệp này")

    def handle(self, repeat, scale, keepdb, in_place, only, no_writes, output, **options):
        if scale < 1:
            raise CommandError("--scale phải ≥ 1.")
        settings_dict = connection.settings_dict
        old_name = None
        # Not setup_test_environment(): it wraps every template render to record its context for
        # the test client, a cost users never pay that would weigh on every rendered page here.
        if "testserver" not in settings.ALLOWED_HOSTS and "*" not in settings.ALLOWED_HOSTS:
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
        if not in_place:
            if connection.vendor == "postgresql" and not os.environ.get("TEST_DATABASE_NAME"):
                settings_dict.setdefault("TEST", {})["NAME"] = f"{settings_dict['NAME']}_benchtmp"
            old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=keepdb)
        try:
            t0 = time.perf_counter()
            from organizations.models import Organization

            seeded = Organization.objects.filter(depth=1).count()
            if seeded and seeded != scale:
                raise CommandError(
                    f"Cơ sở dữ liệu đã có {seeded} tỉnh, không phải {scale}: dùng một cơ sở dữ liệu khác."
                )
            call_command("seed_demo", scale=scale, stdout=open(os.devnull, "w"))
            seed_seconds = time.perf_counter() - t0
            with connection.cursor() as cursor:  # fresh statistics for the planner, as after any bulk load
                cursor.execute("ANALYZE")
            heading = [
                f"- Máy: {machine()}",
                f"- Dữ liệu: scale {scale} — {data_size()}; seed_demo {seed_seconds:.1f} s"
                + (" (đã có sẵn)" if seeded else ""),
                f"- Mỗi trường hợp: {repeat} lần sau một lần khởi động (cột «lần đầu»), xen kẽ với /ping/; p95 theo thứ hạng "
                "gần nhất; tỉ lệ = trung vị của trang / trung vị của /ping/ đo xen kẽ.",
            ]
            rows = self.run_cases(repeat, scale, only)
            writes = [] if no_writes else self.run_writes()
        finally:
            if old_name is not None:
                connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=keepdb)
        text = "\n".join(heading + [""] + self.table(rows, scale) + self.figures(writes)) + "\n"
        self.stdout.write(text)
        if output:
            with open(output, "w") as fh:
                fh.write(text)

    def run_writes(self):
        """The writes and spreadsheet figures each app measures (in its ``benchmarks`` module)."""
        import importlib

        sources = [
            ("Chỉ tiêu", "demo.bench_quotas"),
            ("Kết nạp", "candidates.benchmarks"),
            ("Đảng viên", "demo.bench_members"),
        ]
        out = []
        for prefix, module in sources:
            try:
                out += [
                    (f"{prefix} — {label}", figure) for label, figure in importlib.import_module(module).measurements()
                ]
            except Exception as exc:  # reported, the run goes on
                out.append((f"{prefix} — {module}", f"lỗi: {type(exc).__name__}: {str(exc)[:80]}"))
        try:
            out += [(f"Đảng viên — {label}", figure) for label, figure in member_event_measurements()]
        except Exception as exc:
            out.append(("Đảng viên — sự kiện", f"lỗi: {type(exc).__name__}: {str(exc)[:80]}"))
        return out

    def run_cases(self, repeat, scale, only):
        clients = {}
        User = get_user_model()

        def client_for(username):
            if username not in clients:
                clients[username] = Client()
                clients[username].force_login(User.objects.get(username=username))
            return clients[username]

        ping = client_for("province")
        rows = [("Trang không làm gì (đăng nhập) — /ping/", PAGE, measure(ping, "/ping/", repeat))]
        for label, username, url, kind in cases(scale):
            if only and only.lower() not in label.lower():
                continue
            reset_queries()
            try:
                rows.append((label, kind, measure(client_for(username), url, repeat, ping=ping)))
            except Exception as exc:  # a broken page is reported in the table, the run goes on
                rows.append((label, kind, {"error": f"{type(exc).__name__}: {str(exc)[:80]}"}))
        # The yardstick again at the end: how much the machine drifted during the run.
        rows.append(("Trang không làm gì — đo lại cuối lượt", PAGE, measure(ping, "/ping/", repeat)))
        return rows

    def table(self, rows, scale):
        base = rows[0][2]["median_ms"]
        lines = [
            "| trang / API | loại | trung vị ms | p95 ms | lần đầu ms | truy vấn | phần SQL | /ping/ xen kẽ, ms | × trang không làm gì |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        slow = []
        over = []
        for label, kind, r in rows:
            if "error" in r:
                lines.append(f"| {label} | {kind} | lỗi: {r['error']} | | | | | | |")
                over.append(label + " (lỗi)")
                continue
            ratio = r.get("ratio", r["median_ms"] / base)
            flag = ""
            if scale == 1 and kind == LIST and ratio > LIMIT_AT_SCALE_1:
                flag = " ⚠"
                over.append(label)
            if ratio > LIMIT_AT_SCALE_1 and r.get("slowest"):
                slow.append(f"- {label}: truy vấn chậm nhất {r['slowest'][0]:.0f} ms — `{r['slowest'][1]}…`")
            ping = f"{r['ping_ms']:.1f}" if "ping_ms" in r else ""
            share = f"{100 * min(r['sql_share'], 1):.0f}%" if "sql_share" in r else ""
            lines.append(
                f"| {label} | {kind} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} | {r['first_ms']:.0f} | {r['queries']} | {share} | {ping} | "
                f"{ratio:.2f}{flag} |"
            )
        if scale == 1:
            lines.append("")
            lines.append(
                f"Vượt {LIMIT_AT_SCALE_1:g}× (bảng, danh sách): " + ("; ".join(over) if over else "không có") + "."
            )
        if slow:
            lines += ["", f"Các trang trên {LIMIT_AT_SCALE_1:g}× — truy vấn chậm nhất của một lần gọi:", "", *slow]
        return lines

    def figures(self, writes):
        if not writes:
            return []
        return [
            "",
            "| ghi và bảng tính | số đo |",
            "|---|---:|",
            *[f"| {label} | {figure} |" for label, figure in writes],
        ]
