"""Long work in the background, with progress a person can watch (django-tasks).

The framework is django-tasks (the backport of Django 6's ``django.tasks``): the database backend
(``django-tasks-db``) by default, RQ on Redis (``django-tasks-rq``) when ``TASKS_BACKEND=rq``
(``partydev/settings.py``). A backend only carries a ``TaskRun`` id to a worker; what a person sees
— queued, running with a percentage and the step's words, done with its result, failed with its
reason in Vietnamese — is the ``TaskRun`` row, whatever the backend.

How an app adds a task
======================
In the app's ``tasks.py``::

    from partydev.tasks import Outcome, TaskFailed, background, report

    @background(title="Xuất danh sách đảng viên")
    def export_members(run, *, org_code, query):       # run: the TaskRun (run.user started it)
        rows = ...                                        # scope through for_user(run.user), as a view
        for i, row in enumerate(rows):
            report(100 * i / n, f"Đang ghi dòng {i}/{n}")  # cheap: written at most 4 times a second
        return Outcome(content=xlsx, filename="dang-vien.xlsx")   # or url=..., summary=...

and from a view ``run = start(export_members, user=request.user, org_code=..., query=...)`` then
redirect to ``run_url(run)`` (or show ``templates/tasks/_status.html`` on the page). Keyword
arguments must be JSON. ``raise TaskFailed("lý do")`` fails the task with that reason; any other
exception fails it with a generic reason (the traceback goes to the log and the backend).

What it guarantees
==================
- **Progress outside the work's transaction.** ``report()`` writes ``TaskProgress`` through the
  ``progress`` database alias — a connection of its own (on SQLite a file of its own, since a
  long transaction holds the file's write lock) — so the page reads it while the work runs. A
  heartbeat thread writes ``beat_at`` every ``TASKS_HEARTBEAT_SECONDS``.
- **Runs once.** A worker claims a run with one conditional UPDATE (queued → running), so a
  second delivery of the same id does nothing; ``start(..., dedupe_key=...)`` returns the run
  already queued or running for that key (one active run per key is a unique constraint).
- **A dead worker is noticed.** The framework has no retries: ``reap()`` (the worker runs it on
  start and every ``TASKS_REAP_SECONDS``; ``manage.py reap_tasks`` too) finds runs whose
  heartbeat stopped ``TASKS_DEAD_AFTER_SECONDS`` ago, queues each again once, and marks it failed
  with its reason the second time. It also queues again a queued run its backend lost (Redis
  restarted without persistence).
- **Scoped.** ``visible_runs(user)``: a user's own runs of the last ``TASKS_KEEP_DAYS`` (7) days;
  anyone else's is a 404 like an id that does not exist.
"""

from __future__ import annotations

import datetime
import logging
import os
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connections, transaction
from django.db.models import F, Model, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task
from django_tasks.base import Task
from django_tasks.exceptions import TaskResultDoesNotExist
from django_tasks_db import DatabaseBackend

from .task_models import TaskProgress, TaskRun

__all__ = [
    "Outcome",
    "TaskFailed",
    "background",
    "start",
    "report",
    "in_task",
    "reporting",
    "reap",
    "visible_runs",
    "run_url",
    "PROGRESS_DB",
]

logger = logging.getLogger("partydev.tasks")
T = TypeVar("T")

PROGRESS_DB = "progress"
MAX_ATTEMPTS = 2  # the first run and one retry after a dead worker
GENERIC_FAILURE = (
    "Có lỗi không lường trước khi xử lý; chưa có gì được ghi dở dang. Hãy thử lại, "
    "nếu vẫn lỗi xin báo quản trị hệ thống (mã việc ở đầu trang)."
)
DIED_TWICE = (
    "Tiến trình xử lý bị dừng đột ngột hai lần (máy chủ khởi động lại hoặc hết bộ nhớ); "
    "đã tự chạy lại một lần nhưng không xong. Chưa có gì được ghi dở dang. Hãy thử lại sau "
    "hoặc báo quản trị hệ thống."
)
RETRY_STEP = "Đang chờ chạy lại: lần trước tiến trình xử lý bị dừng giữa chừng"


def heartbeat_seconds() -> float:
    return float(getattr(settings, "TASKS_HEARTBEAT_SECONDS", 2))


def dead_after_seconds() -> float:
    return float(getattr(settings, "TASKS_DEAD_AFTER_SECONDS", 60))


def keep_days() -> int:
    return int(getattr(settings, "TASKS_KEEP_DAYS", 7))


class TaskFailed(Exception):
    """The task cannot be done; ``message`` (Vietnamese) is shown to the person who started it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Outcome:
    """What a task leaves for its user: a file to download, a page to go to, a sentence."""

    content: bytes | None = None
    filename: str = ""
    url: str = ""
    summary: str = ""


# --- progress --------------------------------------------------------------------------------


class Progress:
    """Writes a run's percentage and step through the ``progress`` connection, at most every
    ``MIN_INTERVAL`` seconds. A thread beats every heartbeat interval; when
    the work has said nothing for ``QUIET`` seconds (one long query, compressing a workbook) the
    beat reports the same step with how long it has lasted, so the page moves at least every
    heartbeat whatever the work does."""

    MIN_INTERVAL = 0.25
    QUIET = 1.0

    def __init__(self, run_id: Any, worker: str):
        self.run_id = run_id
        self.worker = worker
        self.percent = 0
        self.step = ""
        self._last_write = 0.0
        self._last_report = time.monotonic()
        self._step_since = time.monotonic()
        self.longest_gap = 0.0  # seconds between two progress writes, the beat's included
        self.longest_silence = 0.0  # seconds between two reports of the work itself
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def begin(self, step: str) -> None:
        now = timezone.now()
        TaskProgress.objects.using(PROGRESS_DB).update_or_create(
            run_id=self.run_id,
            defaults={"percent": 0, "step": step, "reported_at": now, "beat_at": now, "worker": self.worker},
        )
        self.step = step
        self._last_write = self._last_report = self._step_since = time.monotonic()
        self._thread = threading.Thread(target=self._beat, name=f"heartbeat-{self.run_id}", daemon=True)
        self._thread.start()

    def report(self, percent: float, step: str | None = None) -> None:
        now = time.monotonic()
        self.longest_silence = max(self.longest_silence, now - self._last_report)
        self._last_report = now
        percent = int(max(0, min(99, percent)))
        changed = step is not None and step[:200] != self.step
        self.percent = max(self.percent, percent)
        if changed:
            self.step = (step or "")[:200]
            self._step_since = now
        if now - self._last_write >= self.MIN_INTERVAL:  # else the beat writes it within QUIET
            self._write(self.step)

    def _write(self, shown: str, *, beat: bool = False) -> None:
        with self._lock:
            now = time.monotonic()
            self.longest_gap = max(self.longest_gap, now - self._last_write)
            self._last_write = now
        fields = {"percent": self.percent, "step": shown[:200], "reported_at": timezone.now()}
        if beat:
            fields["beat_at"] = fields["reported_at"]
        TaskProgress.objects.using(PROGRESS_DB).filter(run_id=self.run_id).update(**fields)

    def _beat(self) -> None:
        try:
            while not self._stop.wait(min(heartbeat_seconds(), self.QUIET)):
                lasted = time.monotonic() - self._step_since
                if time.monotonic() - self._last_write >= self.QUIET:
                    self._write(f"{self.step} ({int(lasted)} giây)" if lasted >= 2 else self.step, beat=True)
                else:
                    TaskProgress.objects.using(PROGRESS_DB).filter(run_id=self.run_id).update(beat_at=timezone.now())
        except Exception:  # a heartbeat lost is a retry later, never a failed task
            logger.exception("heartbeat of task %s", self.run_id)
        finally:
            connections.close_all()

    def end(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.longest_silence = max(self.longest_silence, time.monotonic() - self._last_report)
        self.longest_gap = max(self.longest_gap, time.monotonic() - self._last_write)


_current: ContextVar[Progress | None] = ContextVar("partydev_task_progress", default=None)


def in_task() -> bool:
    """True inside a background task (the worker), False for the same code run inline."""
    return _current.get() is not None


def report(percent: float, step: str | None = None) -> None:
    """Tell the person watching how far the work has got (0–100, the step in Vietnamese).
    Outside a task (the same code run inline) it does nothing."""
    progress = _current.get()
    if progress is not None:
        progress.report(percent, step)


def reporting(items: Iterable[T], total: int, step: str, *, start: float = 0, end: float = 100) -> Iterator[T]:
    """Iterate and report ``step.format(i=…, n=…)`` between ``start`` and ``end`` percent."""
    if _current.get() is None:
        yield from items
        return
    total = max(total, 1)
    for i, item in enumerate(items, start=1):
        if i == 1 or i % 200 == 0:
            report(
                start + (end - start) * i / total,
                step.format(i=f"{i:,}".replace(",", "."), n=f"{total:,}".replace(",", ".")),
            )
        yield item


# --- defining and starting tasks ------------------------------------------------------------

TITLES: dict[str, str] = {}


def background(*, title: str, queue_name: str = "default") -> Callable[[Callable[..., Outcome | None]], Task]:
    """Turn ``work(run, **kwargs) -> Outcome`` into a django-tasks ``Task`` that takes a run id."""

    def decorate(work: Callable[..., Outcome | None]) -> Task:
        def runner(run_id: str) -> str:
            return execute(run_id, work)

        # The backend finds the task again by its module path: the runner takes the work's name.
        runner.__module__ = work.__module__
        runner.__qualname__ = work.__qualname__
        runner.__name__ = work.__name__
        runner.__doc__ = work.__doc__
        t = task(queue_name=queue_name)(runner)
        TITLES[t.module_path] = title
        return t

    return decorate


def start(
    background_task: Task,
    *,
    user: Any = None,
    title: str = "",
    return_url: str = "",
    dedupe_key: str | None = None,
    **kwargs: Any,
) -> TaskRun:
    """Record a run and queue it; with ``dedupe_key``, the run already queued or running for
    that key is returned instead (the same upload confirmed twice runs once)."""
    if dedupe_key:
        existing = TaskRun.objects.filter(dedupe_key=dedupe_key, status__in=TaskRun.ACTIVE).first()
        if existing is not None:
            return existing
    same_database = isinstance(background_task.get_backend(), DatabaseBackend)
    try:
        with transaction.atomic():
            run = TaskRun.objects.create(
                user=user if user is not None and user.is_authenticated else None,
                task_path=background_task.module_path,
                title=(title or TITLES.get(background_task.module_path, ""))[:200],
                kwargs=kwargs,
                dedupe_key=(dedupe_key or "")[:200],
                return_url=return_url[:300],
            )
            if same_database:  # the queue is a table of this database: one commit for both
                _enqueue(run, background_task)
    except IntegrityError:
        return TaskRun.objects.get(dedupe_key=dedupe_key, status__in=TaskRun.ACTIVE)
    if not same_database:  # Redis: a worker must not see the id before the row exists
        transaction.on_commit(lambda: _enqueue(run, background_task))
    return run


def _enqueue(run: TaskRun, background_task: Task | None = None) -> None:
    background_task = background_task or import_string(run.task_path)
    result = background_task.enqueue(str(run.pk))
    TaskRun.objects.filter(pk=run.pk).update(backend_id=str(result.id)[:64])


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:120]


def execute(run_id: str, work: Callable[..., Outcome | None]) -> str:
    """Run ``work`` for one run, in the worker. Claims it first: a run taken by another worker,
    done, failed or reaped is left alone."""
    worker = worker_name()
    now = timezone.now()
    claimed = TaskRun.objects.filter(pk=run_id, status=TaskRun.Status.QUEUED).update(
        status=TaskRun.Status.RUNNING, attempts=F("attempts") + 1, started_at=now, worker=worker, error=""
    )
    if not claimed:
        return "skipped"
    run = TaskRun.objects.select_related("user").get(pk=run_id)
    progress = Progress(run.pk, worker)
    progress.begin("Đang bắt đầu")
    token = _current.set(progress)
    try:
        outcome = work(run, **run.kwargs)
    except TaskFailed as exc:
        _finish(run, progress, TaskRun.Status.FAILED, error=exc.message)
        return "failed"
    except Exception:
        logger.exception("task %s (%s) failed", run.pk, run.task_path)
        _finish(run, progress, TaskRun.Status.FAILED, error=GENERIC_FAILURE)
        raise
    finally:
        _current.reset(token)
    _finish(run, progress, TaskRun.Status.DONE, outcome=outcome)
    return "done"


def _finish(run: TaskRun, progress: Progress, status: str, *, outcome: Outcome | None = None, error: str = "") -> None:
    progress.end()
    run.status = status
    run.finished_at = timezone.now()
    run.percent = 100 if status == TaskRun.Status.DONE else progress.percent
    run.step = progress.step if status == TaskRun.Status.FAILED else "Đã xong"
    run.error = error
    if outcome is not None:
        if outcome.content is not None:
            run.result_file.save(outcome.filename or "ket-qua", ContentFile(outcome.content), save=False)
            run.result_name = (outcome.filename or "ket-qua")[:200]
        run.result_url = outcome.url[:300]
        run.result_summary = outcome.summary
    run.save()
    TaskProgress.objects.using(PROGRESS_DB).filter(run_id=run.pk).update(
        percent=run.percent,
        step=run.step,
        reported_at=timezone.now(),
        longest_gap_ms=int(progress.longest_gap * 1000),
        longest_silence_ms=int(progress.longest_silence * 1000),
    )


# --- reading ---------------------------------------------------------------------------------


def visible_runs(user: Any) -> QuerySet[TaskRun]:
    """A user's own runs of the last ``TASKS_KEEP_DAYS`` days; nobody else's."""
    if user is None or not user.is_authenticated:
        return TaskRun.objects.none()
    since = timezone.now() - datetime.timedelta(days=keep_days())
    return TaskRun.objects.filter(user=user, created_at__gte=since)


def live_progress(run: TaskRun) -> TaskRun:
    """``run`` with the percentage and step its worker reported, if it is running."""
    if run.status == TaskRun.Status.RUNNING:
        row = TaskProgress.objects.using(PROGRESS_DB).filter(run_id=run.pk).values("percent", "step").first()
        if row:
            run.percent, run.step = row["percent"], row["step"]
    return run


def run_url(run: TaskRun) -> str:
    return reverse("tasks:detail", args=[run.pk])


# --- the reaper ------------------------------------------------------------------------------


@dataclass
class ReapResult:
    retried: int = 0
    failed: int = 0
    requeued_lost: int = 0
    purged: int = 0


def reap(*, now: datetime.datetime | None = None, dead_after: float | None = None, purge: bool = True) -> ReapResult:
    """Runs left running by a dead worker: queued again once, failed the second time. Queued
    runs the backend no longer knows: queued again. Runs older than ``TASKS_KEEP_DAYS``: deleted
    with their files. Safe to run from several processes at once (conditional updates)."""
    now = now or timezone.now()
    cutoff = now - datetime.timedelta(seconds=dead_after if dead_after is not None else dead_after_seconds())
    result = ReapResult()
    running = list(TaskRun.objects.filter(status=TaskRun.Status.RUNNING, started_at__lt=cutoff))
    beats = dict(
        TaskProgress.objects.using(PROGRESS_DB)
        .filter(run_id__in=[r.pk for r in running])
        .values_list("run_id", "beat_at")
    )
    for run in running:
        beat = beats.get(run.pk)
        if beat is not None and beat >= cutoff:
            continue  # alive
        same = TaskRun.objects.filter(pk=run.pk, status=TaskRun.Status.RUNNING, attempts=run.attempts)
        if run.attempts < MAX_ATTEMPTS:
            if same.update(status=TaskRun.Status.QUEUED, step=RETRY_STEP, worker=""):
                logger.warning("task %s: worker %s stopped; queued again", run.pk, run.worker)
                _enqueue(run)
                result.retried += 1
        elif same.update(status=TaskRun.Status.FAILED, finished_at=now, error=DIED_TWICE):
            logger.error("task %s: worker %s stopped again; failed", run.pk, run.worker)
            result.failed += 1
    for run in TaskRun.objects.filter(status=TaskRun.Status.QUEUED, created_at__lt=cutoff).exclude(backend_id=""):
        try:
            import_string(run.task_path).get_backend().get_result(run.backend_id)
        except TaskResultDoesNotExist:
            logger.warning("task %s: lost by its backend; queued again", run.pk)
            _enqueue(run)
            result.requeued_lost += 1
        except Exception:  # the backend cannot say (Redis down): try next time
            logger.exception("task %s: backend unreachable", run.pk)
    if purge:
        result.purged = purge_runs(now=now)
    return result


def purge_runs(*, now: datetime.datetime | None = None) -> int:
    cutoff = (now or timezone.now()) - datetime.timedelta(days=keep_days())
    old = list(TaskRun.objects.filter(created_at__lt=cutoff).exclude(status__in=TaskRun.ACTIVE))
    for run in old:
        if run.result_file:
            run.result_file.delete(save=False)
    ids = [r.pk for r in old]
    if ids:
        TaskProgress.objects.using(PROGRESS_DB).filter(run_id__in=ids).delete()
        TaskRun.objects.filter(pk__in=ids).delete()
    return len(ids)


# --- the progress connection -----------------------------------------------------------------


class ProgressRouter:
    """``TaskProgress`` lives on the ``progress`` alias (on SQLite a file of its own); nothing
    else does. The table is also created on ``default`` (on PostgreSQL both aliases are the same
    database: the second alias is only a second connection)."""

    def _is_progress(self, model: type[Model]) -> bool:
        return model._meta.app_label == "partydev" and model._meta.model_name == "taskprogress"

    def db_for_read(self, model: type[Model], **hints: Any) -> str | None:
        return PROGRESS_DB if self._is_progress(model) else None

    def db_for_write(self, model: type[Model], **hints: Any) -> str | None:
        return PROGRESS_DB if self._is_progress(model) else None

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool | None:
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool | None:
        if db == PROGRESS_DB:
            return app_label == "partydev" and model_name == "taskprogress"
        return None
