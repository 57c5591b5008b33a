"""Days the provincial office declares in the working-day calendar (``partydev.workdays``).

The ``holidays`` package knows the public holidays and the swaps decreed so far; a row here wins
over it: a day off declared in the year (e.g. a new national day), or a Saturday or Sunday given
as a working day in exchange. Every row names the decree or notice it comes from."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from simple_history.models import HistoricalRecords

from .audit import HistoryBase


class CalendarDay(models.Model):
    class Kind(models.TextChoices):
        DAY_OFF = "day_off", "Ngày nghỉ"
        WORKING_DAY = "working_day", "Ngày làm việc"

    date = models.DateField("ngày", unique=True)
    kind = models.CharField("loại ngày", max_length=16, choices=Kind.choices)
    decree_number = models.CharField("số văn bản (quyết định, thông báo)", max_length=64)
    name = models.CharField("nội dung", max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[HistoryBase])

    class Meta:
        verbose_name = "ngày trong lịch làm việc"
        verbose_name_plural = "lịch làm việc: ngày điều chỉnh"
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(decree_number=""), name="calendar_day_has_decree"),
        ]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} — {self.get_kind_display()} ({self.decree_number})"

    def clean(self) -> None:
        self.decree_number = (self.decree_number or "").strip()
        if not self.decree_number:
            raise ValidationError({"decree_number": "Cần ghi số văn bản (quyết định, thông báo) quy định ngày này."})
