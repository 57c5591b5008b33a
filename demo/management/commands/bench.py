"""``make bench``: what users get from every page and API call, cold and warm, against a
logged-in do-nothing page (``/ping/``) measured in the same run.

By default the demo (``seed_demo --scale N``) is built in a throwaway database (the test database
machinery: in memory for SQLite, ``<NAME>_benchtmp`` on PostgreSQL unless TEST_DATABASE_NAME
says otherwise), so the data you work with is left alone; ``--keepdb`` keeps it for the next run
(the seed is then skipped). ``--in-place`` measures the configured database itself, seeding it
first if it has no demo data (for a large scale, seed once and measure many times).

For each case, ``--repeat`` rounds after one warm-up (``demo/bench_cold.py``): ``/ping/``, a
write by another user through a page inside the subtree the page shows (a quota edit, a stage
change, a member event, in turn), the page (*cold*: the first read after that write), the page
again (*warm*). Reported: the cold and warm medians and p95 (nearest rank), their ratios to the
``/ping/`` median of the same rounds, and the queries of a cold and a warm read (counted in
three more rounds, one per kind of write, untimed). Then the write latencies through the pages,
and (unless ``--no-writes``) the spreadsheet figures. ``--no-writes`` makes no write at all:
warm reads only, the database unchanged.

    make bench BENCH_ARGS="--scale 1 --output /tmp/bench.md --json /tmp/bench.json"
    make bench BENCH_ARGS="--baseline /tmp/before.json"   # a column with the figure each replaces
"""

import datetime
import importlib
import json
import math
import os
import platform
import statistics
import time
from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from candidates.models import Candidate
from demo import bench_candidates
from demo.bench_cold import WRITE_TARGET_MS, Writer, measure_cold, page_scope
from demo.reform import seeded_scale
from demo.tree import demo_account_orgs
from followup.models import Assignment
from members.models import Membership, MembershipEvent, MembershipPeriod, Status
from organizations.models import Organization

# The kinds of case.
LIST, PAGE, API, FILE = "bảng/danh sách", "trang", "API", "tệp"
# Issue 14's targets: at scale 1, every dashboard, report page, report API call, the organisation
# browser and the district board cold ≤ 3× /ping/; at scale 80 (PostgreSQL) a few of them ≤ 300 ms cold.
RATIO_TARGET = 3.0
SCALE_TARGET_MS = 300.0


@dataclass
class Case:
    label: str
    user: str
    url: str
    kind: str
    target: bool = False  # in issue 14's list of pages with a target
    large_scale_target: bool = False  # among the four with a target at scale 80


def measure(client: Client, url: str, repeat: int, ping: Client | None = None) -> dict:
    """Warm reads only (``--no-writes``): median and p95 of ``repeat`` requests after a warm-up,
    each alternating with one of ``/ping/`` on ``ping``, and the queries of one more."""
    t0 = time.perf_counter()
    response = client.get(url)
    first_ms = (time.perf_counter() - t0) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}")
    times, base = [], []
    for _ in range(repeat):
        if ping is not None:
            t0 = time.perf_counter()
            ping.get("/ping/")
            base.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    times.sort()
    result = {
        "first_ms": first_ms,
        "warm_ms": statistics.median(times) * 1000,
        "warm_p95_ms": times[max(0, math.ceil(len(times) * 0.95) - 1)] * 1000,
        "warm_queries": [len(ctx.captured_queries)],
    }
    if base:
        result["ping_ms"] = statistics.median(base) * 1000
        result["warm_ratio"] = result["warm_ms"] / result["ping_ms"]
    return result


def _path(code: str) -> str:
    return Organization.objects.filter(code=code).values_list("path", flat=True).first() or code


def cases(scale: int = 1) -> list[Case]:
    """Every page measured, with issue 14's targets marked: the province and the committee
    above the grassroots of the demo accounts (``province`` and ``district``: today ``PT`` and
    ``PT.002``), and Hòa Bình's history before the reform."""
    accounts = demo_account_orgs()
    prov, ward = accounts["province"].code, accounts["district"].code
    check = (
        Assignment.objects.filter(committee_member__user__username="capuy", start__year=2022)
        .order_by("organization__path")
        .first()
    )
    member = (
        Membership.objects.filter(cell__path__startswith=_path(ward), status=Status.OFFICIAL)
        .order_by("id")
        .values_list("pk", flat=True)
        .first()
    )
    candidate = bench_candidates.detail_candidate()
    y2025 = "from=2025-01-01&to=2025-12-31"
    rows = [
        # Issue 14's list: dashboards, report pages, report API calls, the browser, the district board.
        # Today's tree (since 01/07/2025): the province PT, the ward PT.002 (most of the former city
        # of Hòa Bình); and the history before it: Hòa Bình (HB) 2016–2022, the published figures.
        Case(f"Bảng điều khiển — tỉnh ({prov})", "province", f"/dashboard/{prov}/", LIST, True, True),
        Case(
            "Bảng điều khiển — Hòa Bình, cấp huyện 2016–2022",
            "province",
            "/dashboard/HB/?from=2016-01-01&to=2022-12-31&kinds=district,city",
            LIST,
            True,
        ),
        Case(f"Bảng điều khiển — phường Hòa Bình ({ward})", "district", f"/dashboard/{ward}/", LIST, True),
        Case(
            "Bảng điều khiển — mọi chi bộ của tỉnh, năm 2025",
            "province",
            f"/dashboard/{prov}/?{y2025}&kinds=cell&levels=all",
            LIST,
            True,
        ),
        Case("Chất lượng đảng viên mới — tỉnh 2025", "province", f"/reports/{prov}/new-members/?{y2025}", LIST, True),
        Case("Bao phủ tổ chức đảng — tỉnh 2025", "province", f"/reports/{prov}/coverage/?{y2025}", LIST, True),
        Case("Ra khỏi Đảng — tỉnh 2025", "province", f"/reports/{prov}/exits/?{y2025}", LIST, True),
        Case("Dự báo kết nạp — tỉnh", "province", f"/reports/{prov}/projection/", LIST, True),
        Case(
            "API kết quả kết nạp — Hòa Bình, cấp huyện 2016–2022",
            "province",
            "/api/reports/achievement?org=HB&from=2016-01-01&to=2022-12-31&kinds=district,city",
            API,
            True,
            True,
        ),
        Case("API kết quả kết nạp — tỉnh 2025", "province", f"/api/reports/achievement?org={prov}&{y2025}", API, True),
        Case(
            "API kết quả kết nạp — phường Hòa Bình 2025",
            "district",
            f"/api/reports/achievement?org={ward}&{y2025}",
            API,
            True,
        ),
        Case(
            "API chất lượng đảng viên mới — tỉnh 2025",
            "province",
            f"/api/reports/new-members?org={prov}&{y2025}",
            API,
            True,
        ),
        Case("API ra khỏi Đảng — tỉnh 2025", "province", f"/api/reports/exits?org={prov}&{y2025}", API, True),
        Case(
            "API số đảng viên — tỉnh 31/12/2025",
            "province",
            f"/api/reports/members?org={prov}&at=2025-12-31",
            API,
            True,
        ),
        Case("Trình duyệt tổ chức — tỉnh", "province", f"/orgs/{prov}/", LIST, True),
        Case("Trình duyệt tổ chức — phường Hòa Bình", "district", f"/orgs/{ward}/", LIST, True),
        Case(
            "Trình duyệt tổ chức — tìm «tổ dân phố», trang 1",
            "province",
            f"/orgs/{prov}/?q=t%E1%BB%95+d%C3%A2n+ph%E1%BB%91",
            LIST,
            True,
        ),
        Case(
            "Trình duyệt tổ chức — tìm «tổ dân phố», trang 5",
            "province",
            f"/orgs/{prov}/?q=t%E1%BB%95+d%C3%A2n+ph%E1%BB%91&page=5",
            LIST,
            True,
        ),
        Case("Kết nạp — bảng theo dõi xã Yên Thủy (PT.129)", "province", "/candidates/board/PT.129/", LIST, True),
        Case("Kết nạp — bảng theo dõi phường Hòa Bình", "district", f"/candidates/board/{ward}/", LIST, True),
        # The other pages: measured the same way, no target of issue 14.
        Case("API tổ chức — tỉnh", "province", f"/api/organizations/{prov}", API),
        Case("Chỉ tiêu — tỉnh 2026", "province", f"/quotas/{prov}/?year=2026", LIST),
        Case("Chỉ tiêu — phường Hòa Bình 2026", "district", f"/quotas/{ward}/?year=2026", LIST),
        Case("Tệp mẫu chỉ tiêu — phường Hòa Bình", "district", "/quotas/template?year=2027", FILE),
        Case("Tải lên chỉ tiêu — lịch sử", "province", "/quotas/upload/", LIST),
        Case("Danh sách đảng viên — tỉnh, trang 1", "province", f"/members/?org={prov}", LIST),
        Case("Danh sách đảng viên — tỉnh, trang 100", "province", f"/members/?org={prov}&page=100", LIST),
        Case("Danh sách đảng viên — tìm theo tên", "province", f"/members/?org={prov}&q=hoa", LIST),
        Case("Danh sách đảng viên — một đảng bộ cơ sở", "grassroots", "/members/", LIST),
        Case("Trang một đảng viên", "district", f"/members/{member}/", PAGE),
        Case("Kết nạp — việc cần làm, gốc tỉnh", "province", f"/candidates/?org={prov}", LIST),
        Case("Kết nạp — việc cần làm của bí thư chi bộ", "secretary", "/candidates/", LIST),
        Case("Kết nạp — trang một đối tượng", "district", f"/candidates/{candidate}/", PAGE),
        Case("Theo dõi — việc kiểm tra (tỉnh)", "province", "/followup/", LIST),
        Case(
            "Theo dõi — kiểm tra tháng của cấp ủy viên",
            "capuy",
            f"/followup/assignments/{check.pk if check else 0}/2022-07/",
            PAGE,
        ),
        Case("Đánh giá cuối năm — tỉnh 2025", "province", f"/followup/evaluation/{prov}/?year=2025", LIST),
        Case("Đánh giá cuối năm — phường Hòa Bình 2025", "district", f"/followup/evaluation/{ward}/?year=2025", LIST),
        Case("Biểu dương, nhắc nhở — tỉnh 2025", "province", f"/followup/lists/{prov}/?{y2025}", LIST),
    ]
    if scale > 1:
        # Every province at once: the administrator (a superuser) sees them all.
        rows += [
            Case(f"Toàn quốc — bảng điều khiển, {scale} tỉnh", "admin", "/dashboard/", LIST, True, True),
            Case(f"Toàn quốc — trình duyệt tổ chức, {scale} tỉnh", "admin", "/orgs/", LIST, True, True),
            Case(f"Toàn quốc — danh sách đảng viên, {scale} tỉnh", "admin", "/members/", LIST),
            Case(f"Tỉnh cuối (P{scale:02d}) — bảng điều khiển", "admin", f"/dashboard/P{scale:02d}/", LIST, True),
        ]
    return rows


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
    return (
        f"{datetime.datetime.now(datetime.UTC):%d/%m/%Y %H:%M} UTC, {os.cpu_count()} CPU ({model}), {mem} RAM, {db}, "
        f"Python {platform.python_version()}"
    )


def data_size() -> str:
    counts = [
        ("tỉnh", Organization.objects.filter(depth=1).count()),
        ("tổ chức", Organization.objects.count()),
        ("đảng viên (hồ sơ)", Membership.objects.count()),
        ("sự kiện", MembershipEvent.objects.count()),
        ("giai đoạn", MembershipPeriod.objects.count()),
        ("đối tượng kết nạp", Candidate.objects.count()),
    ]
    return ", ".join(f"{n:,}".replace(",", ".") + f" {label}" for label, n in counts)


def _ms(value: float) -> str:
    return f"{value:.1f}" if value < 100 else f"{value:.0f}"


def _queries(found: list[int]) -> str:
    if not found:
        return ""
    return str(found[0]) if len(found) == 1 else f"{found[0]}–{found[-1]} ⚠ không cố định"


class Command(BaseCommand):
    help = "Đo hiệu năng các trang (đọc lạnh ngay sau một lần ghi của người khác, đọc lại), so với /ping/."

    def add_arguments(self, parser):
        parser.add_argument("--repeat", type=int, default=25, help="số vòng mỗi trường hợp")
        parser.add_argument("--scale", type=int, default=1, help="số tỉnh của dữ liệu mẫu")
        parser.add_argument("--keepdb", action="store_true", help="giữ cơ sở dữ liệu tạm cho lần sau")
        parser.add_argument("--in-place", action="store_true", help="đo trên chính cơ sở dữ liệu đã cấu hình")
        parser.add_argument(
            "--only", action="append", default=[], help="chỉ đo các trường hợp có nhãn chứa chuỗi này (lặp lại được)"
        )
        parser.add_argument(
            "--no-writes",
            action="store_true",
            help="không ghi gì: chỉ đọc lại (ấm), không đo đọc lạnh, không đo ghi và bảng tính",
        )
        parser.add_argument(
            "--no-spreadsheets", action="store_true", help="bỏ phần bảng tính (nhập, tải lên, xuất Excel)"
        )
        parser.add_argument(
            "--figures", action="append", default=[], help="chỉ đo các phần bảng tính có tên chứa chuỗi này"
        )
        parser.add_argument("--output", default="", help="ghi bảng markdown vào tệp này")
        parser.add_argument("--json", default="", help="ghi số đo dạng JSON vào tệp này (cho --baseline lần sau)")
        parser.add_argument("--render", default="", help="không đo: in lại bảng của một tệp JSON đã ghi (--json)")
        parser.add_argument(
            "--baseline", default="", help="tệp JSON của một lần đo trước: thêm cột «thay cho» với số đo lạnh của nó"
        )

    def handle(self, repeat, scale, keepdb, in_place, only, no_writes, no_spreadsheets, output, **options):
        self.figures_only = options.get("figures") or []
        if scale < 1:
            raise CommandError("--scale phải ≥ 1.")
        if repeat < 1:
            raise CommandError("--repeat phải ≥ 1.")
        baseline, baseline_source = {}, ""
        if options["baseline"]:
            with open(options["baseline"]) as fh:
                data = json.load(fh)
            baseline = {row["label"]: row for row in data["rows"]}
            baseline_source = (data.get("heading") or [options["baseline"]])[0].lstrip("- ")
        if options["render"]:  # a saved run, shown again (e.g. with another --baseline)
            with open(options["render"]) as fh:
                saved = json.load(fh)
            fields = set(Case.__dataclass_fields__)
            rows = [(Case(**{k: v for k, v in r.items() if k in fields}), r) for r in saved["rows"]]
            heading = saved["heading"]
            writes, extra, scale = saved["writes"], [tuple(e) for e in saved["extra"]], saved["scale"]
            cold = any("cold_ms" in r for _, r in rows)
            database = saved["database"]
        else:
            heading, rows, writes, extra, cold = self.measure(
                repeat, scale, keepdb, in_place, only, no_writes, no_spreadsheets
            )
            database = connection.vendor
        shown = [*heading, f"- Cột «thay cho»: {options['baseline']} — {baseline_source}"] if baseline else heading
        if options["json"]:
            with open(options["json"], "w") as fh:
                json.dump(
                    {
                        "heading": heading,
                        "database": database,
                        "scale": scale,
                        "rows": [{**asdict(case), **result} for case, result in rows],
                        "writes": writes,
                        "extra": extra,
                    },
                    fh,
                    ensure_ascii=False,
                    indent=1,
                )
        pings = [r["ping_ms"] for _, r in rows if "ping_ms" in r]
        for w in writes:  # against the do-nothing page of the same rounds, as the reads
            w["ping_ratio"] = w["median_ms"] / statistics.median(pings) if pings else float("nan")
        lines = shown + [""] + self.table(rows, scale, baseline, cold=cold)
        lines += self.write_table(writes) + self.figures(extra)
        text = "\n".join(lines) + "\n"
        self.stdout.write(text)
        if output:
            with open(output, "w") as fh:
                fh.write(text)

    def measure(self, repeat, scale, keepdb, in_place, only, no_writes, no_spreadsheets):
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
            seeded = seeded_scale()
            if seeded and seeded != scale:
                raise CommandError(
                    f"Cơ sở dữ liệu đã có {seeded} tỉnh, không phải {scale}: dùng một cơ sở dữ liệu khác."
                )
            call_command("seed_demo", scale=scale, stdout=open(os.devnull, "w"))
            seed_seconds = time.perf_counter() - t0
            with connection.cursor() as cursor:  # fresh statistics for the planner, as after any bulk load
                cursor.execute("ANALYZE")
            load = os.getloadavg()
            heading = [
                f"- Máy: {machine()}",
                f"- Dữ liệu: scale {scale} — {data_size()}; seed_demo {seed_seconds:.1f} s"
                + (" (đã có sẵn)" if seeded else ""),
                (
                    f"- Mỗi trường hợp: {repeat} vòng sau một lần khởi động, mỗi vòng: /ping/, một lần ghi qua trang "
                    "của người khác trong cây của trang (lần lượt: sửa chỉ tiêu, chuyển giai đoạn, sự kiện đảng viên), "
                    "đọc trang (lạnh), đọc lại (ấm). Trung vị, p95 theo thứ hạng gần nhất; × = trung vị / trung vị "
                    "/ping/ của cùng các vòng; truy vấn: một lần đọc lạnh và một lần đọc ấm sau mỗi loại ghi."
                )
                if not no_writes
                else f"- --no-writes: chỉ đọc lại (ấm), {repeat} lần sau một lần khởi động, xen kẽ với /ping/.",
            ]
            writer = None if no_writes else Writer(self.client_for)
            rows = self.run_cases(repeat, scale, only, writer)
            writes = writer.figures() if writer else []
            extra = [] if (no_writes or no_spreadsheets) else self.run_spreadsheets()
            load_after = os.getloadavg()
            heading.append(
                "- Tải trung bình (1, 5, 15 phút) lúc bắt đầu / kết thúc đo: "
                + " ".join(f"{x:.1f}" for x in load)
                + " / "
                + " ".join(f"{x:.1f}" for x in load_after)
            )
        finally:
            if old_name is not None:
                connection.creation.destroy_test_db(old_name, verbosity=0, keepdb=keepdb)
        return heading, rows, writes, extra, writer is not None

    def client_for(self, username: str) -> Client:
        clients = self.__dict__.setdefault("_clients", {})
        if username not in clients:
            clients[username] = Client()
            clients[username].force_login(get_user_model().objects.get(username=username))
        return clients[username]

    def run_cases(self, repeat, scale, only, writer):
        ping = self.client_for("province")
        yardstick = Case("Trang không làm gì (đăng nhập) — /ping/", "province", "/ping/", PAGE)
        rows = [(yardstick, measure(ping, "/ping/", repeat))]
        wanted = [only] if isinstance(only, str) else only
        todo = [c for c in cases(scale) if not wanted or any(w.lower() in c.label.lower() for w in wanted if w)]
        if writer is not None:
            writer.exclude_candidates.add(bench_candidates.detail_candidate())
            writer.exclude_members.update(
                int(c.url.split("/")[2])
                for c in todo
                if c.url.startswith("/members/") and c.url.split("/")[2].isdigit()
            )
        for case in todo:
            reset_queries()
            try:
                if writer is None:
                    result = measure(self.client_for(case.user), case.url, repeat, ping=ping)
                else:
                    plan = writer.plan(page_scope(case.url, case.user), case.user)
                    result = measure_cold(self.client_for(case.user), case.url, repeat, ping, writer, plan)
            except Exception as exc:  # a broken page is reported in the table, the run goes on
                result = {"error": f"{type(exc).__name__}: {str(exc)[:160]}"}
            rows.append((case, result))
            self.stderr.write(
                f"  {case.label}: " + (result.get("error") or f"{result.get('cold_ms', result['warm_ms']):.1f} ms")
            )
        # The yardstick again at the end: how much the machine drifted during the run.
        rows.append(
            (Case("Trang không làm gì — đo lại cuối lượt", "province", "/ping/", PAGE), measure(ping, "/ping/", repeat))
        )
        return rows

    def run_spreadsheets(self):
        """The spreadsheet figures and service timings each app measures (``demo/bench_*.py``)."""
        sources = [
            ("Chỉ tiêu", "demo.bench_quotas"),
            ("Kết nạp", "demo.bench_candidates"),
            ("Đảng viên", "demo.bench_members"),
            ("Sắp xếp tổ chức", "demo.bench_restructure"),
            ("Việc nền", "demo.bench_tasks"),
        ]
        if self.figures_only:  # --figures: only those sources
            sources = [s for s in sources if any(f.lower() in s[0].lower() for f in self.figures_only)]
        out = []
        for prefix, module in sources:
            try:
                out += [
                    (f"{prefix} — {label}", figure) for label, figure in importlib.import_module(module).measurements()
                ]
            except Exception as exc:  # reported, the run goes on
                out.append((f"{prefix} — {module}", f"lỗi: {type(exc).__name__}: {str(exc)[:80]}"))
        return out

    def table(self, rows, scale, baseline, cold: bool):
        if not cold:
            return self.warm_table(rows, scale)
        lines = [
            "| trang / API | mục tiêu (issue 14) | lạnh: trung vị ms | lạnh: p95 ms | lạnh × /ping/ | ấm: trung vị ms | ấm × /ping/ "
            "| /ping/ ms | truy vấn lạnh / ấm |" + (" thay cho, ms (× /ping/) |" if baseline else "") + " người ghi |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|" + ("---:|" if baseline else "") + "---|",
        ]
        missed = []
        for case, r in rows:
            target = self.target_text(case, scale)
            before = baseline.get(case.label)
            was = ""
            if before:
                if "cold_ms" in before:
                    was = f"{_ms(before['cold_ms'])} ({before['cold_ratio']:.1f}×)"
                elif "warm_ms" in before:
                    was = f"{_ms(before['warm_ms'])} ({before.get('warm_ratio', 1.0):.1f}×) ấm"
            if "error" in r:
                lines.append(
                    f"| {case.label} | {target} | lỗi: {r['error']} | | | | | | |"
                    + (f" {was} |" if baseline else "")
                    + " |"
                )
                if target:
                    missed.append(f"{case.label} (lỗi)")
                continue
            if "cold_ms" not in r:  # the yardstick
                lines.append(
                    f"| {case.label} | | | | | {_ms(r['warm_ms'])} | 1.00 | {_ms(r['warm_ms'])} | {_queries(r['warm_queries'])} |"
                    + (" |" if baseline else "")
                    + " |"
                )
                continue
            mark = ""
            if target:
                met = self.met(case, scale, r)
                mark = " ✓" if met else " ✗"
                if not met:
                    missed.append(case.label)
            lines.append(
                f"| {case.label} | {target} | {_ms(r['cold_ms'])} | {_ms(r['cold_p95_ms'])} | {r['cold_ratio']:.2f}{mark} | "
                f"{_ms(r['warm_ms'])} | {r['warm_ratio']:.2f} | {_ms(r['ping_ms'])} | "
                f"{_queries(r['cold_queries'])} / {_queries(r['warm_queries'])} |"
                + (f" {was} |" if baseline else "")
                + f" {r['writers']} |"
            )
        lines += ["", "Không đạt mục tiêu (đọc lạnh): " + ("; ".join(missed) if missed else "không có") + "."]
        slow = [
            f"- {case.label}: truy vấn chậm nhất {r['slowest'][0]:.0f} ms của {r['slowest'][2]:.0f} ms — `{r['slowest'][1]}…`"
            for case, r in rows
            if r.get("slowest") and case.label in missed
        ]
        if slow:
            lines += ["", "Các trang không đạt — truy vấn chậm nhất của một lần đọc lạnh:", "", *slow]
        return lines

    @staticmethod
    def target_text(case: Case, scale: int) -> str:
        if scale == 1 and case.target:
            return f"≤ {RATIO_TARGET:g}× /ping/"
        if scale > 1 and case.large_scale_target:
            return f"≤ {SCALE_TARGET_MS:g} ms"
        return ""

    @staticmethod
    def met(case: Case, scale: int, r: dict) -> bool:
        if scale == 1:
            return r["cold_ratio"] <= RATIO_TARGET
        return r["cold_ms"] <= SCALE_TARGET_MS

    def warm_table(self, rows, scale):
        lines = [
            "| trang / API | loại | trung vị ms | p95 ms | lần đầu ms | truy vấn | /ping/ xen kẽ, ms | × /ping/ |",
            "|---|---|---:|---:|---:|---:|---:|---:|",
        ]
        base = rows[0][1]["warm_ms"]
        for case, r in rows:
            if "error" in r:
                lines.append(f"| {case.label} | {case.kind} | lỗi: {r['error']} | | | | | |")
                continue
            ratio = r.get("warm_ratio", r["warm_ms"] / base)
            ping = _ms(r["ping_ms"]) if "ping_ms" in r else ""
            lines.append(
                f"| {case.label} | {case.kind} | {_ms(r['warm_ms'])} | {_ms(r['warm_p95_ms'])} | {r['first_ms']:.0f} | "
                f"{_queries(r['warm_queries'])} | {ping} | {ratio:.2f} |"
            )
        return lines

    def write_table(self, writes):
        if not writes:
            return []
        lines = [
            "",
            "| ghi qua trang (trong các vòng đo lạnh) | người ghi | số lần | trung vị ms | p95 ms | × /ping/ | truy vấn "
            "| mục tiêu |",
            "|---|---|---:|---:|---:|---:|---:|---|",
        ]
        for w in writes:
            met = "✓" if w["median_ms"] <= WRITE_TARGET_MS else "✗"
            lines.append(
                f"| {w['label']} | {w['writer']} | {w['n']} | {_ms(w['median_ms'])} | {_ms(w['p95_ms'])} | "
                f"{w['ping_ratio']:.1f} | {w['queries']} | "
                f"≤ {WRITE_TARGET_MS:g} ms {met} |"
            )
        return lines

    def figures(self, extra):
        if not extra:
            return []
        return [
            "",
            "| bảng tính và dịch vụ | số đo |",
            "|---|---:|",
            *[f"| {label} | {figure} |" for label, figure in extra],
        ]
