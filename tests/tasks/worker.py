"""A scratch database (SQLite file, or a PostgreSQL database when ``DATABASE_URL`` says so) with
the demo tree, and real worker processes on it: what ``test_worker.py`` and ``test_rq.py`` use."""

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CALL = "import sys, django; django.setup(); from tests.tasks.scenario import main; main(sys.argv[1], sys.argv[2])"


def scratch_database_url(tmp: Path, suffix: str) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp}/db.sqlite3"
    import psycopg2

    server, _ = url.rsplit("/", 1)
    name = f"{os.environ.get('TEST_DATABASE_NAME', 'test_partydev')}_{suffix}"
    connection = psycopg2.connect(f"{server}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()
    return f"{server}/{name}"


def drop_scratch_database(url: str) -> None:
    if not url.startswith("postgres"):
        return
    import psycopg2

    server, name = url.rsplit("/", 1)
    connection = psycopg2.connect(f"{server}/postgres")
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    connection.close()


class Scratch:
    def __init__(self, tmp: Path, suffix: str, **env: str):
        self.tmp = tmp
        self.markers = tmp / "markers"
        self.markers.mkdir(exist_ok=True)
        self.url = scratch_database_url(tmp, suffix)
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "partydev.settings",
            "DATABASE_URL": self.url,
            "MEDIA_ROOT": str(tmp / "media"),
            "PARTYDEV_TEST_MARKERS": str(self.markers),
            "TASKS_HEARTBEAT_SECONDS": "0.3",
            "TASKS_DEAD_AFTER_SECONDS": "600",  # the tests reap themselves, once the worker is dead
            "TASKS_REAP_SECONDS": "3600",
            "DEBUG": "0",
            **env,
        }
        self.env.pop("TEST_DATABASE_NAME", None)
        self.workers: list[subprocess.Popen] = []

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def call(self, name: str, **kwargs) -> dict:
        done = subprocess.run(
            [sys.executable, "-c", CALL, name, json.dumps(kwargs)],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        line = next(line for line in done.stdout.splitlines() if line.startswith("RESULT "))
        return json.loads(line[len("RESULT ") :])

    def worker(self) -> subprocess.Popen:
        log = open(self.tmp / f"worker-{len(self.workers)}.log", "w")  # noqa: SIM115 (closed with the process)
        process = subprocess.Popen(
            [sys.executable, "manage.py", "tasks_worker", "--no-reaper", "-v1"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill reaches RQ's work horse too
        )
        self.workers.append(process)
        return process

    def kill(self, process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        process.wait(timeout=60)

    def stop_all(self) -> None:
        for process in self.workers:
            if process.poll() is None:
                self.kill(process)

    def wait_marker(self, name: str, timeout: float = 120) -> int:
        """Wait for the task to say it is there; the pid of the process running it."""
        path = self.markers / name
        deadline = time.monotonic() + timeout
        while not path.exists():
            assert time.monotonic() < deadline, f"the worker never reached {name}: {self.log_tail()}"
            time.sleep(0.2)
        time.sleep(0.1)
        pid = int(path.read_text() or 0)
        path.unlink()
        return pid

    def wait_state(self, predicate, timeout: float = 180, **kwargs) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            state = self.call("state", **kwargs)
            if predicate(state):
                return state
            assert time.monotonic() < deadline, f"{state}\n{self.log_tail()}"
            time.sleep(0.5)

    def log_tail(self) -> str:
        logs = sorted(self.tmp.glob("worker-*.log"))
        return logs[-1].read_text()[-3000:] if logs else ""


def assert_runs_once_with_progress(scratch: Scratch) -> None:
    """A run started twice (``again``) is done once by one worker, its progress reported to the end
    with no long silence: the same whichever backend delivers it."""
    run = scratch.call("start_task", path="tests.tasks.scenario.counts_slowly", kwargs={"steps": 5}, again=True)["run"]
    worker = scratch.worker()
    done = scratch.wait_state(lambda s: s["run"]["status"] == "done", run=run)
    assert done["run"]["attempts"] == 1 and done["run"]["file"] == "ket-qua.txt"
    assert done["progress"]["percent"] == 100 and done["progress"]["gap_ms"] < 2000
    scratch.kill(worker)


def build(tmp: Path, suffix: str, **env: str) -> Scratch:
    scratch = Scratch(tmp, suffix, **env)
    scratch.manage("migrate", "--noinput", "-v0")
    scratch.manage("seed_demo", "--only", "tree")
    return scratch
