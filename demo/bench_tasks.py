"""``make bench`` figures of the background tasks (issue 18), on the bench's copy of the demo:

- starting a task (the province's register asked for by the provincial office: the view counts the
  rows, records the run, queues it and redirects) against ``/ping/``, medians of the same rounds;
- the province's register through the task framework (the run executed by the worker's code:
  the export's view replayed for the user, progress reports, the file saved as the result)
  against the same export inline, medians;
- the longest time between two progress reports during that export.

The bench's database is in memory (the test database machinery), which no other process can
open, so the run is executed here by ``Task.call`` — the worker's own code path, without the
worker's polling interval (``tasks_worker --interval``, 0.5 s) in front of it."""

import statistics
import time

from django.contrib.auth import get_user_model
from django.test import Client
from django.test.utils import override_settings

ROUNDS = 7
EXPORTS = 3


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def measurements() -> list[tuple[str, str]]:
    from partydev.export_tasks import export_view
    from partydev.models import TaskProgress, TaskRun

    client = Client()
    client.force_login(get_user_model().objects.get(username="province"))
    url, query = "/members/export.xlsx", {"org": "HB"}
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
    out = [
        (
            "Bắt đầu một việc nền (xuất danh sách đảng viên cả tỉnh), trung vị",
            f"{_median_ms(starts):.1f} ms = {_median_ms(starts) / _median_ms(pings):.2f}× /ping/ "
            f"({_median_ms(pings):.1f} ms; mục tiêu ≤ 3×)",
        )
    ]

    inline, framework, gaps, size = [], [], [], 0
    for _ in range(EXPORTS):
        with override_settings(TASKS_EXPORT_INLINE_MAX_ROWS=10**9):
            t0 = time.perf_counter()
            response = client.get(url, query)
            content = response.content
            inline.append(time.perf_counter() - t0)
        assert response.status_code == 200
        t0 = time.perf_counter()
        response = client.get(url, query)
        run_id = response["Location"].rstrip("/").rsplit("/", 1)[-1]
        assert export_view.call(run_id) == "done"
        framework.append(time.perf_counter() - t0)
        run = TaskRun.objects.get(pk=run_id)
        size = run.result_file.size
        gaps.append(TaskProgress.objects.using("progress").get(run_id=run_id).longest_gap_ms / 1000)
        run.result_file.delete(save=False)
        run.delete()
    ratio = statistics.median(framework) / statistics.median(inline)
    out.append(
        (
            "Xuất danh sách đảng viên cả tỉnh: qua việc nền / trực tiếp, trung vị",
            f"{statistics.median(framework):.1f} s / {statistics.median(inline):.1f} s = {ratio:.2f}× "
            f"({len(content) // 1024} KB trực tiếp, {size // 1024} KB qua việc nền; mục tiêu ≤ 1,5×)".replace(".", ","),
        )
    )
    out.append(
        (
            "Xuất danh sách cả tỉnh qua việc nền: khoảng dài nhất giữa hai lần báo tiến độ",
            f"{max(gaps):.2f} s (mục tiêu ≤ 2 s)".replace(".", ","),
        )
    )
    return out
