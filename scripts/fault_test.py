#!/usr/bin/env python
"""Restart PostgreSQL under load and count what the users saw (``make fault-test``).

1. Builds a scratch database (migrated, demo tree, one administrator) on a PostgreSQL cluster.
   By default a private cluster ``partydev_fault`` on port 5433, created on first use, so the
   restart does not cut the connections of anything else on the machine; ``--cluster main
   --port 5432`` uses the machine's cluster, as the operations manual would.
2. Serves the app with gunicorn on 127.0.0.1 (persistent connections: CONN_MAX_AGE=60, with
   Django's CONN_HEALTH_CHECKS on).
3. A bounded load: ``--clients`` signed-in users, each reading pages and the API and writing
   (adding an organisation through the admin: the row, its history row, the admin log entry
   and the parents' roll-ups in one transaction), for ``--duration`` seconds.
4. Restarts PostgreSQL (``pg_ctlcluster --skip-systemctl-redirect VERSION CLUSTER restart``)
   ``--restart-at`` seconds in.
5. Reports the responses before, during and after the retry window (the restart plus
   ``--window`` seconds), and checks that no row is half-written: every created organisation
   has exactly one creation history row and one admin log entry, every acknowledged write is
   there, the tree has no problem (treebeard's find_problems) and the stored roll-ups match.

Exit 1 when a 5xx is seen outside the retry window or the data check fails. Not run in CI.
"""

import argparse
import collections
import http.cookiejar
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
GUNICORN = str(Path(PY).parent / "gunicorn")
VERSION = sorted(os.listdir("/etc/postgresql"))[-1] if os.path.isdir("/etc/postgresql") else "15"
ADMIN, ADMIN_PASSWORD = "fault_admin", "fault-" + secrets.token_hex(8)
LOG_FILE = "/tmp/partydev-fault-gunicorn.log"
PARENT_CODE = "HB.TP.001"  # a grassroots committee of the demo, read by every client


def sh(*args, env=None, check=True, quiet=True):
    result = subprocess.run(
        args,
        cwd=ROOT,
        env=env,
        check=False,
        text=True,
        stdout=subprocess.PIPE if quiet else None,
        stderr=subprocess.PIPE if quiet else None,
    )
    if check and result.returncode:
        sys.exit(f"failed: {' '.join(args)}\n{result.stderr or ''}")
    return result


def pg_ready(port, timeout=60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if sh("pg_isready", "-h", "127.0.0.1", "-p", str(port), "-q", check=False).returncode == 0:
            return True
        time.sleep(0.1)
    return False


def ensure_cluster(cluster, port):
    clusters = sh("pg_lsclusters", "-h").stdout
    if not any(line.split()[:2] == [VERSION, cluster] for line in clusters.splitlines()):
        print(f"== creating the private PostgreSQL cluster {cluster} on port {port}")
        sh("pg_createcluster", VERSION, cluster, "--port", str(port), "--", "--auth=trust")
    if not pg_ready(port, timeout=1):
        sh("pg_ctlcluster", "--skip-systemctl-redirect", VERSION, cluster, "start")
        if not pg_ready(port):
            sys.exit(f"PostgreSQL cluster {cluster} did not start")


def prepare_database(url_server, name, env):
    print(f"== scratch database {name}: migrate, demo tree, an administrator")
    sh(
        "psql",
        f"{url_server}/postgres",
        "-q",
        "-c",
        f'DROP DATABASE IF EXISTS "{name}"',
        "-c",
        f'CREATE DATABASE "{name}"',
    )
    sh(PY, "manage.py", "migrate", "--noinput", "-v0", env=env)
    sh(PY, "manage.py", "seed_demo", "--only", "tree", env=env)
    sh(
        PY,
        "manage.py",
        "createsuperuser",
        "--noinput",
        "--username",
        ADMIN,
        "--email",
        "fault@localhost",
        env={**env, "DJANGO_SUPERUSER_PASSWORD": ADMIN_PASSWORD},
    )


class User:
    """One signed-in browser: a cookie jar, a CSRF token, no retries."""

    def __init__(self, base):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())

    def csrf(self):
        return next((c.value for c in self.jar if c.name == "csrftoken"), "")

    def request(self, method, path, data=None):
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with self.opener.open(req, timeout=30) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.read()
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as error:
            return f"error:{type(error).__name__}", b""

    def login(self):
        self.request("GET", "/accounts/login/")
        status, _ = self.request(
            "POST",
            "/accounts/login/",
            {"username": ADMIN, "password": ADMIN_PASSWORD, "csrfmiddlewaretoken": self.csrf()},
        )
        return status == 302


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def run_load(base, parent_ids, clients, duration, restart_at, restart, log):
    start = time.time()
    stop = start + duration
    users = [User(base) for _ in range(clients)]
    for user in users:
        if not user.login():
            sys.exit("could not log in before the load")

    def worker(index, user):
        n = 0
        reads = ["/healthz", "/orgs/", f"/orgs/{PARENT_CODE}/", "/api/organizations?q=hop", "/ping/"]
        while time.time() < stop:
            n += 1
            if n % 4 == 0:
                code = f"FT.{index}.{n}"
                data = {
                    "code": code,
                    "name": f"Chi bộ thử tải {index}-{n}",
                    "kind": "cell",
                    "treebeard_position": "first-child",
                    "treebeard_ref_node": parent_ids[index],
                    "csrfmiddlewaretoken": user.csrf(),
                }
                t = time.time()
                status, _ = user.request("POST", "/admin/organizations/organization/add/", data)
                log.append((t, time.time(), "write", status, code))
            else:
                path = reads[n % len(reads)]
                t = time.time()
                status, _ = user.request("GET", path)
                log.append((t, time.time(), "read", status, path))
            time.sleep(0.01)

    threads = [threading.Thread(target=worker, args=(i, u), daemon=True) for i, u in enumerate(users)]
    for thread in threads:
        thread.start()
    time.sleep(max(0, start + restart_at - time.time()))
    window = restart()
    for thread in threads:
        thread.join()
    return start, window


def check_data(env, acknowledged, attempted):
    code = """
import json, django
django.setup()
from django.contrib.admin.models import LogEntry, ADDITION
from django.contrib.contenttypes.models import ContentType
from organizations.models import Organization
from organizations.services import compute_descendant_counts
created = list(Organization.objects.filter(code__startswith="FT.").values_list("id", "code"))
ids = [i for i, _ in created]
ct = ContentType.objects.get_for_model(Organization)
history = {}
for i in Organization.history.filter(id__in=ids, history_type="+").values_list("id", flat=True):
    history[i] = history.get(i, 0) + 1
logs = {}
for i in LogEntry.objects.filter(content_type=ct, action_flag=ADDITION, object_id__in=[str(i) for i in ids]).values_list("object_id", flat=True):
    logs[int(i)] = logs.get(int(i), 0) + 1
problems = [len(p) for p in Organization.find_problems()]
stored = dict(Organization.objects.values_list("path", "descendant_counts"))
fresh = compute_descendant_counts(Organization.objects.values_list("path", "kind"))
stale = sum(1 for p, v in fresh.items() if stored.get(p) != v)
print(json.dumps({
    "created": [c for _, c in created],
    "without_history": [c for i, c in created if history.get(i) != 1],
    "without_log": [c for i, c in created if logs.get(i) != 1],
    "tree_problems": sum(problems),
    "stale_rollups": stale,
}))
"""
    import json

    out = subprocess.run([PY, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    created = set(result["created"])
    result["acknowledged_missing"] = sorted(set(acknowledged) - created)
    result["unacknowledged_but_created"] = sorted(created - set(acknowledged))
    result["not_attempted_but_created"] = sorted(created - set(attempted))
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cluster", default="partydev_fault")
    parser.add_argument("--port", type=int, default=5433)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--duration", type=float, default=30)
    parser.add_argument("--restart-at", type=float, default=10)
    parser.add_argument("--window", type=float, default=2.0, help="seconds after PostgreSQL is back")
    parser.add_argument("--http-port", type=int, default=0, help="0: a free port")
    args = parser.parse_args()

    ensure_cluster(args.cluster, args.port)
    server = f"postgres://postgres@127.0.0.1:{args.port}"
    db_name = "partydev_fault"
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DJANGO_ENV", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
        "DATABASE_URL": f"{server}/{db_name}",
        "DEBUG": "False",
        "ALLOWED_HOSTS": "127.0.0.1",
        "CONN_MAX_AGE": "60",
        "DJANGO_SETTINGS_MODULE": "partydev.settings",
    }
    prepare_database(server, db_name, env)
    # Each client adds cells under its own grassroots committee, one per district where possible:
    # the load is about the database restart, not about two users inserting into one branch.
    parent_ids = sh(
        PY,
        "-c",
        "import django; django.setup(); from organizations.models import Organization as O; "
        "rows = list(O.objects.filter(kind='grassroots_committee').values_list('pk', 'path')); "
        "seen = {}; [seen.setdefault(p[:8], pk) for pk, p in rows]; "
        "picked = list(seen.values()) + [pk for pk, _ in rows if pk not in seen.values()]; "
        f"print(' '.join(map(str, picked[:{args.clients}])))",
        env=env,
    ).stdout.split()

    if not args.http_port:
        import socket

        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            args.http_port = probe.getsockname()[1]
    print(f"== gunicorn on 127.0.0.1:{args.http_port}, {args.workers} workers")
    gunicorn = subprocess.Popen(
        [
            GUNICORN,
            "partydev.wsgi",
            "-b",
            f"127.0.0.1:{args.http_port}",
            "-w",
            str(args.workers),
            "--timeout",
            "30",
            "--graceful-timeout",
            "5",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stderr=open(LOG_FILE, "w"),
    )
    base = f"http://127.0.0.1:{args.http_port}"
    try:
        for _ in range(100):
            if gunicorn.poll() is not None:
                sys.exit("gunicorn did not start")
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except Exception:  # noqa: BLE001
                time.sleep(0.1)

        def restart():
            began = time.time()
            print(f"== restarting PostgreSQL ({VERSION} {args.cluster}) under load")
            sh("pg_ctlcluster", "--skip-systemctl-redirect", VERSION, args.cluster, "restart")
            pg_ready(args.port)
            back = time.time()
            print(f"   down and back in {back - began:.1f}s")
            return began, back

        log = collections.deque()
        print(f"== load: {args.clients} clients for {args.duration:.0f}s, restart at {args.restart_at:.0f}s")
        start, (began, back) = run_load(base, parent_ids, args.clients, args.duration, args.restart_at, restart, log)
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=15)

    window_end = back + args.window
    phases = {"before the restart": [], "restart + retry window": [], "after the window": []}
    # A request belongs to the window if any part of it overlaps the window.
    for t, end, kind, status, what in log:
        phase = (
            "before the restart" if end < began else "after the window" if t >= window_end else "restart + retry window"
        )
        phases[phase].append((kind, status, what))

    def is_5xx(status):
        return isinstance(status, int) and status >= 500

    print(f"\n== responses ({len(log)} requests in {args.duration:.0f}s, {len(log) / args.duration:.0f}/s)")
    print(
        f"   restart began at {began - start:.1f}s, PostgreSQL back at {back - start:.1f}s, "
        f"window closed at {window_end - start:.1f}s"
    )
    for phase, rows in phases.items():
        statuses = collections.Counter(str(s) for _, s, _ in rows)
        fivexx = sum(1 for _, s, _ in rows if is_5xx(s) or str(s).startswith("error"))
        print(f"   {phase:24} {len(rows):6} requests, 5xx/errors {fivexx:4}   {dict(sorted(statuses.items()))}")
    late = [
        (k, s, w)
        for phase in ("before the restart", "after the window")
        for k, s, w in phases[phase]
        if is_5xx(s) or str(s).startswith("error")
    ]
    last_bad = max((end for _, end, _, s, _ in log if is_5xx(s) or str(s).startswith("error")), default=None)
    if last_bad is not None:
        print(f"   last 5xx/error at {last_bad - start:.1f}s ({last_bad - back:+.1f}s after PostgreSQL was back)")

    writes = [(s, w) for _, _, k, s, w in log if k == "write"]
    acknowledged = [w for s, w in writes if s == 302]
    attempted = [w for _, w in writes]
    bad_writes = [w for s, w in writes if s not in (302,)]
    data = check_data(env, acknowledged, attempted)
    print(
        f"\n== data: {len(attempted)} writes attempted, {len(acknowledged)} acknowledged, "
        f"{len(bad_writes)} failed; {len(data['created'])} organisations exist"
    )
    for key in ("acknowledged_missing", "without_history", "without_log", "not_attempted_but_created"):
        print(f"   {key:28} {len(data[key])}")
    print(
        f"   {'unacknowledged_but_created':28} {len(data['unacknowledged_but_created'])} "
        "(committed, then the answer was lost: complete rows, not half-written)"
    )
    print(f"   {'tree problems':28} {data['tree_problems']}")
    print(f"   {'stale roll-ups':28} {data['stale_rollups']}")

    ok = (
        not late
        and not data["acknowledged_missing"]
        and not data["without_history"]
        and not data["without_log"]
        and not data["not_attempted_but_created"]
        and data["tree_problems"] == 0
        and data["stale_rollups"] == 0
    )
    errors = collections.Counter(
        line.strip()
        for line in open(LOG_FILE, encoding="utf-8", errors="replace")
        if re.match(r"^[\w.]+(Error|Exception|Deadlock\w*): ", line.strip())
    )
    if errors:
        print(f"\n== server errors logged ({LOG_FILE})")
        for line, count in errors.most_common(8):
            print(f"   {count:5} x {line[:150]}")
    print("\nPASS" if ok else f"\nFAIL: {len(late)} 5xx/errors outside the retry window or a data check failed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
