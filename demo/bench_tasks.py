"""``make bench`` figures of the background tasks (issue 18), on the bench's copy of the demo:

- starting a task (the province's register asked for by the provincial office: the view counts the
  rows, records the run, queues it and redirects) against ``/ping/``, medians of the same rounds;
- the province's register through the task framework (the run executed by the worker's code:
  the export's view replayed for the user, progress reports, the file saved as the result)
  against the same export inline, medians;
- the longest time between two progress reports during that export.

With ``--in-place`` (the configured database, which another process can open) a real worker
(``manage.py tasks_worker``) runs the export and the time is from the request that starts it to
the run marked done, the worker's polling included. The default throwaway database is in memory,
which no other process can open: the run is then executed here by ``Task.call``, the worker's own
code path, without the polling interval (``tasks_worker --interval``, 0.5 s) in front of it."""

import os
import statistics
import subprocess
import sys
import time

from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import override_settings

ROUNDS = 15
EXPORTS = 3


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def _worker() -> subprocess.Popen | None:
    """A real worker on the bench's database, if another process can open it (``--in-place``)."""
    from django.conf import settings
    from django.db import connection

    if str(connection.settings_dict["NAME"]) != settings.TASKS_PROGRESS_MIGRATE_WITH:
        return None  # the throwaway test database
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return subprocess.Popen(
        [sys.executable, "manage.py", "tasks_worker", "--no-reaper", "-v0"], cwd=root, start_new_session=True
    )


def _wait_done(run_id: str, worker: subprocess.Popen | None) -> None:
    from partydev.export_tasks import export_view
    from partydev.models import TaskRun

    if worker is None:
        assert export_view.call(run_id) == "done"
        return
    while TaskRun.objects.filter(pk=run_id, status__in=TaskRun.ACTIVE).exists():
        assert worker.poll() is None, "the worker stopped"
        time.sleep(0.05)
    assert TaskRun.objects.get(pk=run_id).status == TaskRun.Status.DONE


def measurements() -> list[tuple[str, str]]:
    client = Client()
    client.force_login(get_user_model().objects.get(username="province"))
    url, query = "/members/export.xlsx", {"org": "HB"}
    out = [start_figure(client, url, query)]
    out += export_figures(client, url, query)
    return out


def start_figure(client: Client, url: str, query: dict) -> tuple[str, str]:
    from partydev.models import TaskRun

    client.get("/ping/")
    pings, starts, runs = [], [], []
    for _ in range(ROUNDS):
        t0 = time.perf_counter()
        client.get("/ping/")
        pings.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        response = client.get(url, query)
        starts.append(time.perf_counter() - t0)
        assert response.status_code == 302, response.status_code
        run_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
        runs.append(run_id)
        # Not the same export again while one is queued: each round starts a new run.
        TaskRun.objects.filter(pk=run_id).update(status=TaskRun.Status.FAILED)
    TaskRun.objects.filter(pk__in=runs).delete()
    return (
        "Bắt đầu một việc nền (xuất danh sách đảng viên cả tỉnh), trung vị",
        f"{_median_ms(starts):.1f} ms = {_median_ms(starts) / _median_ms(pings):.2f}× /ping/ "
        f"({_median_ms(pings):.1f} ms; mục tiêu ≤ 3×)",
    )


def export_figures(client: Client, url: str, query: dict) -> list[tuple[str, str]]:
    out = []
    inline, framework, gaps, silences, size = [], [], [], [], 0
    worker = _worker()
    try:
        _exports(client, url, query, worker, inline, framework, gaps, silences)
    finally:
        if worker is not None:
            os.killpg(worker.pid, 15)
            worker.wait(timeout=600)
    size, content_size = framework.pop(), inline.pop()
    ratio = statistics.median(framework) / statistics.median(inline)
    how = "tiến trình xử lý thật (tasks_worker)" if worker is not None else "Task.call trong tiến trình đo"
    out.append(
        (
            "Xuất danh sách đảng viên cả tỉnh: qua việc nền / trực tiếp, trung vị",
            f"{statistics.median(framework):.1f} s / {statistics.median(inline):.1f} s = {ratio:.2f}× "
            f"({content_size // 1024} KB trực tiếp, {size // 1024} KB qua việc nền, {how}; mục tiêu ≤ 1,5×)".replace(
                ".", ","
            ),
        )
    )
    out.append(
        (
            "Xuất danh sách cả tỉnh qua việc nền: khoảng dài nhất giữa hai lần tiến độ được ghi (kể cả nhịp tim)",
            f"{max(gaps):.2f} s (mục tiêu ≤ 2 s); giữa hai lần chính việc xuất báo: {max(silences):.2f} s".replace(
                ".", ","
            ),
        )
    )
    return out


def _exports(client, url, query, worker, inline, framework, gaps, silences) -> None:
    from partydev.models import TaskProgress, TaskRun

    size = content_size = 0
    for _ in range(EXPORTS):
        with override_settings(TASKS_EXPORT_INLINE_MAX_ROWS=10**9):
            t0 = time.perf_counter()
            response = client.get(url, query)
            content = response.content
            inline.append(time.perf_counter() - t0)
        assert response.status_code == 200
        content_size = len(content)
        t0 = time.perf_counter()
        response = client.get(url, query)
        run_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
        _wait_done(run_id, worker)
        framework.append(time.perf_counter() - t0)
        run = TaskRun.objects.get(pk=run_id)
        size = run.result_file.size
        progress = TaskProgress.objects.using("progress").get(run_id=run_id)
        gaps.append(progress.longest_gap_ms / 1000)
        silences.append(progress.longest_silence_ms / 1000)
        run.result_file.delete(save=False)
        run.delete()
    framework.append(size)  # the sizes ride at the end of the lists
    inline.append(content_size)
