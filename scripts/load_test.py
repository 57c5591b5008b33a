#!/usr/bin/env python
"""``make load``: a bounded load test against gunicorn on 127.0.0.1 (not run in CI).

1. The database: ``LOAD_DATABASE_URL`` (default: a PostgreSQL database ``partydev_load`` on the
   local server, created and seeded with ``seed_demo --scale N`` when it has no demo data yet;
   kept for the next run). The candidates the writes will move are chosen here.
2. gunicorn on 127.0.0.1 (``--workers``, DEBUG off, persistent connections).
3. locust, headless, ``--users`` users started at ``--rate`` a second, for ``--duration``
   seconds: 70% dashboards and lists, 20% candidate pages, 10% writes (scripts/locustfile.py).
4. A markdown table: requests per second, median, p95 and failures, per kind and in all.

    make load LOAD_ARGS="--scale 1 --users 20 --duration 60"
"""

import argparse
import csv
import datetime
import json
import os
import signal
import socket
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

WRITE_NAMES = {"ghi: chuyển giai đoạn"}
CANDIDATE_NAMES = {"việc cần làm (kết nạp)", "bảng theo dõi kết nạp", "trang một đối tượng"}
SKIPPED = {"đăng nhập (trang)", "đăng nhập (gửi)"}


def django_env(url: str) -> dict:
    return {**os.environ, "DATABASE_URL": url, "DEBUG": "0", "CONN_MAX_AGE": "60", "DJANGO_ENV": "development"}


def run(args, env, **kw):
    return subprocess.run(args, cwd=ROOT, env=env, check=True, text=True, **kw)


def prepare(url: str, scale: int, pool_size: int) -> dict:
    env = django_env(url)
    if url.startswith("postgres") and "LOAD_DATABASE_URL" not in os.environ:
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
import json, datetime
import django; django.setup()
from django.core.management import call_command
from organizations.models import Organization
from candidates.models import Candidate, Stage
from django.utils import timezone
have = Organization.objects.filter(depth=1).count()
if have not in (0, {scale}):
    raise SystemExit(f"the load database has {{have}} provinces, not {scale}: use another LOAD_DATABASE_URL")
call_command("seed_demo", scale={scale})
today = timezone.localdate()
waiting = Candidate.objects.filter(cell__code__startswith="HB.", stage=Stage.VERIFICATION).order_by("?")[:{pool_size}]
write = [dict(id=c.pk, version=c.version, vote_date=min(today, c.stage_date + datetime.timedelta(days=7)).isoformat())
         for c in waiting]
read = list(Candidate.objects.filter(cell__code__startswith="HB.").exclude(pk__in=[w["id"] for w in write])
            .order_by("?").values_list("pk", flat=True)[:500])
print(json.dumps(dict(write=write, read=read)))
"""
    out = run([PY, "-c", script], {**env, "DJANGO_SETTINGS_MODULE": "partydev.settings"}, capture_output=True).stdout
    return json.loads(out.strip().splitlines()[-1])


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


def summarise(stats_csv: str, duration: float) -> list[str]:
    rows = list(csv.DictReader(open(stats_csv)))
    groups = {"bảng điều khiển và danh sách (70%)": [], "trang kết nạp (20%)": [], "ghi (10%)": []}
    for r in rows:
        name = r["Name"]
        if r["Type"] == "" or name == "Aggregated" or name in SKIPPED:
            continue
        key = (
            "ghi (10%)"
            if name in WRITE_NAMES
            else "trang kết nạp (20%)"
            if name in CANDIDATE_NAMES
            else "bảng điều khiển và danh sách (70%)"
        )
        groups[key].append(r)
    total = next(r for r in rows if r["Name"] == "Aggregated")
    lines = ["| yêu cầu | số lượng | lỗi | yêu cầu/giây | trung vị ms | p95 ms |", "|---|---:|---:|---:|---:|---:|"]
    for r in sorted((r for g in groups.values() for r in g), key=lambda r: -int(r["Request Count"])):
        lines.append(
            f"| {r['Name']} | {r['Request Count']} | {r['Failure Count']} | {float(r['Requests/s']):.1f} | "
            f"{r['50%']} | {r['95%']} |"
        )
    lines.append(
        f"| **tất cả** | {total['Request Count']} | {total['Failure Count']} | "
        f"{float(total['Requests/s']):.1f} | {total['50%']} | {total['95%']} |"
    )
    share = []
    count = int(total["Request Count"]) or 1
    for key, g in groups.items():
        n = sum(int(r["Request Count"]) for r in g)
        share.append(f"{key}: {n} ({100 * n / count:.0f}%)")
    return lines + ["", "Tỉ lệ thực tế: " + "; ".join(share) + "."]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=int, default=int(os.environ.get("LOAD_SCALE", 1)))
    parser.add_argument("--users", type=int, default=20, help="người dùng đồng thời (tối đa 200)")
    parser.add_argument("--rate", type=float, default=5, help="người dùng bắt đầu mỗi giây")
    parser.add_argument("--duration", type=int, default=60, help="giây (tối đa 900)")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--output", default="", help="ghi bảng markdown vào tệp này")
    a = parser.parse_args()
    a.users, a.duration = min(a.users, 200), min(a.duration, 900)  # bounded, whatever is asked
    url = os.environ.get("LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/partydev_load")
    print(f"== database {url.split('@')[-1]}: migrate, seed_demo --scale {a.scale} if empty, candidates to move")
    pool = prepare(url, a.scale, pool_size=5000)
    tmp = tempfile.mkdtemp(prefix="partydev-load-")
    pool_file = os.path.join(tmp, "candidates.json")
    with open(pool_file, "w") as fh:
        json.dump(pool, fh)
    env = django_env(url)
    load_before = " ".join(f"{x:.1f}" for x in os.getloadavg())
    a.port = a.port or free_port()
    print(f"== gunicorn on 127.0.0.1:{a.port}, {a.workers} workers")
    log = open(LOG_FILE, "w")
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
    try:
        wait_up(a.port, server)
        time.sleep(2)
        if server.poll() is not None:
            sys.exit(f"gunicorn exited; see {LOG_FILE}")
        print(f"== locust: {a.users} users, {a.rate}/s, {a.duration} s")
        prefix = os.path.join(tmp, "stats")
        subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(ROOT / "scripts" / "locustfile.py"),
                "--headless",
                "--only-summary",
                "-u",
                str(a.users),
                "-r",
                str(a.rate),
                "-t",
                f"{a.duration}s",
                "--stop-timeout",
                "10",
                "--host",
                f"http://127.0.0.1:{a.port}",
                "--csv",
                prefix,
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env={**os.environ, "LOAD_CANDIDATES": pool_file},
            check=False,
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)  # our gunicorn's own process group only
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    cpu = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "?")
    heading = [
        f"- {datetime.datetime.now():%d/%m/%Y %H:%M}, {os.cpu_count()} CPU ({cpu}); gunicorn {a.workers} workers (sync), "
        f"DEBUG off; locust on the same machine; load average before/after: {load_before} / "
        + " ".join(f"{x:.1f}" for x in os.getloadavg())
        + ".",
        f"- scale {a.scale}; {a.users} users (started {a.rate:g}/s), each waiting 0.5–2 s between requests, {a.duration} s.",
        "",
    ]
    text = "\n".join(heading + summarise(prefix + "_stats.csv", a.duration)) + "\n"
    print(text)
    if a.output:
        with open(a.output, "w") as fh:
            fh.write(text)


if __name__ == "__main__":
    main()
