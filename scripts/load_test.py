#!/usr/bin/env python
"""``make load``: a bounded load test against gunicorn on 127.0.0.1 (not run in CI).

1. The database: ``LOAD_DATABASE_URL`` (default: a PostgreSQL database ``partydev_load`` on the
   local server, created and seeded with ``seed_demo --scale N`` when it has no demo data yet;
   kept for the next run). The rows the writer will change are chosen here.
2. gunicorn on 127.0.0.1 (``--workers``, default 5; DEBUG off, persistent connections).
3. locust, headless (scripts/locustfile.py), ``--rounds`` times (default 3): a warm-up of
   ``--warmup`` seconds (not reported), ``--readers`` readers (default 4, no pause between
   requests) without the writer, then the same with the writer: one write a second through the
   pages by other users (a quota edit, a stage change, a member event, in turn). Each run lasts
   ``--duration / --rounds`` seconds; alternating them keeps the machine's drift out of the
   comparison. Medians and percentiles are computed from every request (not locust's buckets).
4. Markdown: for both runs, per request and in all: count, failures, requests a second, median
   and p95; then the readers' throughput with the writer as a % of without, and the province
   dashboard's median and p95 in both.

    make load LOAD_ARGS="--duration 60 --port 8140 --output /tmp/load.md"
"""

import argparse
import datetime
import json
import math
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
PY = str(BIN / "python") if (BIN / "python").exists() else sys.executable
LOG_FILE = "/tmp/partydev-load-gunicorn.log"
LOCUST_LOG = "/tmp/partydev-load-locust.log"

PROVINCE_DASHBOARD = "bảng điều khiển tỉnh"
WRITE_PREFIX = "ghi: "
SKIPPED = {"đăng nhập (trang)", "đăng nhập (gửi)"}
# Issue 14's targets for this test.
THROUGHPUT_TARGET = 80  # % of the run without the writer
DASHBOARD_P95_TARGET_MS = 150  # on PostgreSQL


def django_env(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "CONN_MAX_AGE": "60", "DJANGO_ENV": "development"}


def run(args, env, **kw):
    return subprocess.run(args, cwd=ROOT, env=env, check=True, text=True, **kw)


def prepare(url: str, scale: int) -> None:
    """The database: created if missing, migrated, seeded if empty, its statistics fresh."""
    env = django_env(url)
    if url.startswith("postgres"):
        server, name = url.rsplit("/", 1)
        exists = subprocess.run(
            ["psql", f"{server}/postgres", "-Atc", f"SELECT 1 FROM pg_database WHERE datname = '{name}'"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        if not exists:
            run(["psql", f"{server}/postgres", "-qc", f'CREATE DATABASE "{name}"'], env)
    run([PY, "manage.py", "migrate", "--noinput", "-v0"], env)
    script = f"""
import django; django.setup()
from django.core.management import call_command
from django.db import connection
from demo.reform import seeded_scale
have = seeded_scale()
if have not in (0, {scale}):
    raise SystemExit(f"the load database holds scale {{have}}, not {scale}: use another LOAD_DATABASE_URL")
call_command("seed_demo", scale={scale})
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
"""
    run([PY, "-c", script], {**env, "DJANGO_SETTINGS_MODULE": "partydev.settings"}, capture_output=True)


POOL_SCRIPT = """
import json
import django; django.setup()
from django.contrib.auth import get_user_model
from django.utils import timezone
from candidates.models import Candidate, Stage
from demo.tree import demo_account_orgs
from members.models import Membership, MembershipEvent, Status
from members.quotas import services as quota_services
from members.quotas.models import Quota
today = timezone.localdate()
orgs = demo_account_orgs()
cell, ward = orgs["secretary"], orgs["district"]
cycle = [dict(id=c.pk, stage=c.stage, version=c.version) for c in
         Candidate.objects.filter(cell=cell, stage__in=[Stage.VERIFICATION, Stage.CELL_VOTE]).order_by("id")]
# A quota the district account may set (the first organisation below its own, in tree order).
district = get_user_model().objects.get(username="district")
settable = (quota_services.settable_organizations(district).filter(path__startswith=ward.path)
            .order_by("depth", "path").first())
year = today.year - 1
quota = Quota.objects.filter(organization=settable, year=year).first()
later = MembershipEvent.objects.filter(effective_date__gt=today).values("membership_id")
members = [dict(id=pk, version=v) for pk, v in
           Membership.objects.filter(cell__path__startswith=ward.path, status=Status.OFFICIAL)
           .exclude(cell=cell).exclude(pk__in=later).order_by("?")
           .values_list("pk", "version")[:COUNT]]
read = list(Candidate.objects.filter(cell__path__startswith=orgs["province"].path).exclude(cell=cell)
            .order_by("?").values_list("pk", flat=True)[:500])
print(json.dumps(dict(candidates=cycle, members=members, read=read, today=today.strftime("%d/%m/%Y"),
                      orgs=dict(province=orgs["province"].code, ward=ward.code),
                      quota=dict(code=settable.code, year=year, target=quota.target if quota else 0,
                                 minimum=quota.minimum if quota else None))))
"""


def writer_pool(url: str, members: int) -> dict:
    """The rows the writer changes, as they are now: the candidates it moves back and forth (with
    their versions), the quota it edits, members for the events; and candidates for the readers."""
    env = {**django_env(url), "DJANGO_SETTINGS_MODULE": "partydev.settings"}
    out = run([PY, "-c", POOL_SCRIPT.replace("COUNT", str(members))], env, capture_output=True).stdout
    pool = json.loads(out.strip().splitlines()[-1])
    if not pool["candidates"]:
        sys.exit("no candidate of the secretary's cell at verification or cell vote: the writer has nothing to move")
    return pool


def write_pool(url: str, members: int, path: str) -> None:
    with open(path, "w") as fh:
        json.dump(writer_pool(url, members), fh)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_up(port: int, server: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if server.poll() is not None:  # ours died (e.g. the port was taken): never load someone else's server
            sys.exit(f"gunicorn exited ({server.returncode}); see {LOG_FILE}")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except Exception:
            time.sleep(0.3)
    sys.exit(f"gunicorn did not answer on 127.0.0.1:{port}; see {LOG_FILE}")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * q) - 1)] if ordered else float("nan")


def read_samples(path: str) -> list[tuple[float, str, str, float, bool]]:
    out = []
    with open(path) as fh:
        for line in fh:
            at, method, name, ms, failed = line.rstrip("\n").split("\t")
            out.append((float(at), method, name, float(ms), failed == "1"))
    return out


def is_write(method: str, name: str) -> bool:
    return name.startswith(WRITE_PREFIX) and method == "POST"


def is_read(method: str, name: str) -> bool:
    return not name.startswith(WRITE_PREFIX)


def summarise(samples, seconds: float) -> dict:
    """The readers' throughput, the province dashboard, the writes."""
    reads = [s for s in samples if is_read(s[1], s[2])]
    writes = [s for s in samples if is_write(s[1], s[2])]
    dashboard = [s[3] for s in reads if s[2] == PROVINCE_DASHBOARD]
    return {
        "reads_per_s": len(reads) / seconds if seconds else 0,
        "reads": len(reads),
        "read_median": statistics.median([s[3] for s in reads]) if reads else float("nan"),
        "read_p95": percentile([s[3] for s in reads], 0.95),
        "read_failures": sum(s[4] for s in reads),
        "dashboard_median": statistics.median(dashboard) if dashboard else float("nan"),
        "dashboard_p95": percentile(dashboard, 0.95),
        "writes": len(writes),
        "write_failures": sum(s[4] for s in writes),
    }


def table(samples, seconds: float) -> list[str]:
    lines = [
        "| yêu cầu | số lượng | lỗi | yêu cầu/giây | trung vị ms | p95 ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    by_name = {}
    for _, method, name, ms, failed in samples:
        by_name.setdefault((method, name), []).append((ms, failed))
    for (method, name), got in sorted(by_name.items(), key=lambda kv: (kv[0][1].startswith(WRITE_PREFIX), -len(kv[1]))):
        times = [ms for ms, _ in got]
        lines.append(
            f"| {name}{' (POST)' if method == 'POST' else ''} | {len(got)} | {sum(f for _, f in got)} | "
            f"{len(got) / seconds:.1f} | {statistics.median(times):.0f} | {percentile(times, 0.95):.0f} |"
        )
    reads = [s[3] for s in samples if is_read(s[1], s[2])]
    if reads:
        lines.append(
            f"| **người đọc, tất cả** | {len(reads)} | {sum(s[4] for s in samples if is_read(s[1], s[2]))} | "
            f"{len(reads) / seconds:.1f} | {statistics.median(reads):.0f} | {percentile(reads, 0.95):.0f} |"
        )
    return lines


def locust(
    port: int, classes: list[str], users: int, seconds: int, samples: str, pool_file: str, log
) -> tuple[list, float]:
    """One headless locust run; returns its requests and the seconds measured (first to last request)."""
    open(samples, "w").close()
    subprocess.run(
        [
            str(BIN / "locust"),
            "-f",
            str(ROOT / "scripts" / "locustfile.py"),
            *classes,
            "--headless",
            "--only-summary",
            "-u",
            str(users),
            "-r",
            str(users),
            "-t",
            f"{seconds}s",
            "--stop-timeout",
            "10",
            "--host",
            f"http://127.0.0.1:{port}",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env={**os.environ, "LOAD_POOL": pool_file, "LOAD_SAMPLES": samples},
        check=False,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    got = read_samples(samples)
    return got, (got[-1][0] - got[0][0]) if len(got) > 1 else 0.0


def loadavg() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=int(os.environ.get("LOAD_SCALE", 1)))
    parser.add_argument("--readers", "--users", type=int, default=4, help="người đọc đồng thời (tối đa 200)")
    parser.add_argument("--duration", type=int, default=60, help="giây đo mỗi kiểu (có / không người ghi), tối đa 900")
    parser.add_argument(
        "--rounds", type=int, default=3, help="số lượt xen kẽ không ghi / có ghi (thời lượng chia đều cho các lượt)"
    )
    parser.add_argument(
        "--warmup", type=int, default=15, help="giây khởi động trước mỗi lượt không ghi (không báo cáo)"
    )
    parser.add_argument("--workers", type=int, default=5)
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--output", default="", help="ghi bảng markdown vào tệp này")
    a = parser.parse_args()
    a.readers, a.duration, a.rounds = min(a.readers, 200), min(a.duration, 900), max(1, a.rounds)
    url = os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/partydev_load")
    print(f"== database {url.split('@')[-1]}: migrate, seed_demo --scale {a.scale} if empty, rows for the writer")
    prepare(url, a.scale)
    tmp = tempfile.mkdtemp(prefix="partydev-load-")
    pool_file = os.path.join(tmp, "pool.json")
    write_pool(url, a.duration + 20, pool_file)
    env = django_env(url)
    a.port = a.port or free_port()
    print(f"== gunicorn on 127.0.0.1:{a.port}, {a.workers} workers; locust's own output in {LOCUST_LOG}")
    log = open(LOG_FILE, "w")
    locust_log = open(LOCUST_LOG, "w")
    server = subprocess.Popen(
        [
            str(BIN / "gunicorn"),
            "partydev.wsgi:application",
            "--bind",
            f"127.0.0.1:{a.port}",
            "--workers",
            str(a.workers),
            "--access-logfile",
            "-",
            "--timeout",
            "60",
            "--preload",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    phases = {
        "không ghi": (["Reader"], a.readers),
        "có người ghi (1 lần ghi/giây)": (["Reader", "Writer"], a.readers + 1),
    }
    runs = {key: {"samples": [], "seconds": 0.0, "load": []} for key in phases}
    chunk = max(5, a.duration // a.rounds)
    try:
        wait_up(a.port, server)
        time.sleep(2)
        if server.poll() is not None:
            sys.exit(f"gunicorn exited; see {LOG_FILE}")
        for i in range(a.rounds):
            if a.warmup:  # before each run without the writer: the state nobody has written to
                print(f"== warm-up: {a.readers} readers, {a.warmup} s (not reported)")
                locust(a.port, ["Reader"], a.readers, a.warmup, os.path.join(tmp, "warmup"), pool_file, locust_log)
            for key, (classes, users) in phases.items():
                if "Writer" in classes and i:  # the rows as the last run left them (versions, members used)
                    write_pool(url, chunk + 20, pool_file)
                print(f"== {i + 1}/{a.rounds} {key}: {a.readers} readers, {chunk} s")
                before = loadavg()
                got, seconds = locust(
                    a.port, classes, users, chunk, os.path.join(tmp, f"samples{i}{len(key)}"), pool_file, locust_log
                )
                runs[key]["samples"] += got
                runs[key]["seconds"] += seconds
                runs[key]["load"].append(f"{before} → {loadavg()}")
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # our gunicorn's own process group only
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    database = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    lines = [
        f"- {datetime.datetime.now(datetime.UTC):%d/%m/%Y %H:%M} UTC, {os.cpu_count()} CPU ({cpu}); {database}; "
        f"gunicorn {a.workers} workers (sync, --preload), DEBUG off; locust on the same machine.",
        f"- scale {a.scale}; {a.readers} readers (account province, no pause between requests); a warm-up of {a.warmup} s "
        f"(not reported) before each run without the writer; {a.rounds} alternating runs of {chunk} s without and with the writer.",
    ]
    figures = {}
    for key, r in runs.items():
        figures[key] = summarise(r["samples"], r["seconds"])
        lines += [
            "",
            f"### {key} — {r['seconds']:.0f} s đo; tải trung bình (1, 5, 15 phút) trước → sau mỗi lượt: "
            + "; ".join(r["load"]),
            "",
            *table(r["samples"], r["seconds"]),
        ]
    without, with_writer = figures.values()
    share = 100 * with_writer["reads_per_s"] / without["reads_per_s"] if without["reads_per_s"] else 0
    p95_ok = with_writer["dashboard_p95"] <= DASHBOARD_P95_TARGET_MS
    lines += [
        "",
        "| | không ghi | có người ghi | mục tiêu (issue 14) |",
        "|---|---:|---:|---|",
        f"| người đọc: yêu cầu/giây | {without['reads_per_s']:.1f} | {with_writer['reads_per_s']:.1f} "
        f"({share:.0f}%) | ≥ {THROUGHPUT_TARGET}% của không ghi {'✓' if share >= THROUGHPUT_TARGET else '✗'} |",
        f"| bảng điều khiển tỉnh: trung vị ms | {without['dashboard_median']:.0f} | "
        f"{with_writer['dashboard_median']:.0f} | |",
        f"| bảng điều khiển tỉnh: p95 ms | {without['dashboard_p95']:.0f} | {with_writer['dashboard_p95']:.0f} | "
        f"≤ {DASHBOARD_P95_TARGET_MS} ms trên PostgreSQL {'✓' if p95_ok else '✗'} |",
        f"| lỗi: đọc / ghi | {without['read_failures']} / – | {with_writer['read_failures']} / "
        f"{with_writer['write_failures']} trên {with_writer['writes']} lần ghi | |",
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.output:
        with open(a.output, "w") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
