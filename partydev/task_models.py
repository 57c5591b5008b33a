"""Background tasks as a person sees them (see ``partydev.tasks``). ``partydev`` imports no app."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class TaskRun(models.Model):
    """One piece of long work a user (or the scheduler) started: its state, its result, its
    reason for failing. The backend (database or Redis) only carries ``id`` to a worker."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Đang chờ"
        RUNNING = "running", "Đang chạy"
        DONE = "done", "Đã xong"
        FAILED = "failed", "Không thành công"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người bắt đầu",
    )
    task_path = models.CharField("việc", max_length=200)
    title = models.CharField("tên", max_length=200)
    kwargs = models.JSONField("tham số", default=dict, blank=True)
    dedupe_key = models.CharField(max_length=200, blank=True, db_index=True)
    status = models.CharField("trạng thái", max_length=16, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField("số lần chạy", default=0)
    backend_id = models.CharField(max_length=64, blank=True)
    worker = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField("bắt đầu lúc", default=timezone.now, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    percent = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=200, blank=True)
    return_url = models.CharField(max_length=300, blank=True)  # the page that started it
    result_file = models.FileField(upload_to="tasks/%Y/%m/", max_length=255, blank=True)
    result_name = models.CharField(max_length=200, blank=True)
    result_url = models.CharField(max_length=300, blank=True)
    result_summary = models.TextField(blank=True)
    error = models.TextField("lý do", blank=True)

    class Meta:
        verbose_name = "việc chạy nền"
        verbose_name_plural = "việc chạy nền"
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "-created_at"]), models.Index(fields=["status"])]
        constraints = [
            # The same work (an upload's commit, one export) is queued or running once at most.
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(status__in=["queued", "running"]) & ~Q(dedupe_key=""),
                name="taskrun_one_active_per_key",
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE


class TaskProgress(models.Model):
    """How far a running task has got, and when its worker last showed it was alive. Written
    through a connection of its own (the ``progress`` alias: on SQLite a file of its own), so a
    task inside a long transaction still reports, and the page reads it while the work runs."""

    run_id = models.UUIDField(primary_key=True)
    percent = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=200, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    beat_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=120, blank=True)
    longest_gap_ms = models.PositiveIntegerField(default=0)  # between two progress writes (make bench)
    longest_silence_ms = models.PositiveIntegerField(default=0)  # between two reports of the work itself

    class Meta:
        verbose_name = "tiến độ việc chạy nền"
