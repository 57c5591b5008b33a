"""Annual admission quotas (chỉ tiêu kết nạp) per organisation, and their append-only history."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from organizations.models import Organization, ScopedQuerySet
from partydev.audit import HistoryBase

MIN_YEAR, MAX_YEAR = 2000, 2100
MAX_QUOTA = 100_000


class QuotaQuerySet(ScopedQuerySet):
    """Quotas of the organisations in the user's subtrees."""

    scope_field = "organization"


class Quota(models.Model):
    """The quota of one organisation for one year: a target and an optional minimum.

    Set by the committee above (the province for its committees, a district for its grassroots
    organisations, a grassroots committee for its cells), by hand or from an upload."""

    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="quotas", verbose_name="tổ chức"
    )
    year = models.PositiveSmallIntegerField(
        "năm",
        validators=[
            MinValueValidator(MIN_YEAR, "Năm phải từ %(limit_value)s."),
            MaxValueValidator(MAX_YEAR, "Năm phải đến %(limit_value)s."),
        ],
    )
    target = models.PositiveIntegerField(
        "chỉ tiêu", validators=[MaxValueValidator(MAX_QUOTA, "Chỉ tiêu tối đa %(limit_value)s.")]
    )
    minimum = models.PositiveIntegerField("tối thiểu", null=True, blank=True)
    note = models.CharField("ghi chú", max_length=255, blank=True)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người giao",
    )
    set_at = models.DateTimeField("thời điểm giao", default=timezone.now)
    upload = models.ForeignKey(
        "partydev.Upload",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="từ tệp tải lên",
    )

    # Every change, with who, when and from where (partydev.audit).
    history = HistoricalRecords(bases=[HistoryBase])

    objects = QuotaQuerySet.as_manager()

    class Meta:
        verbose_name = "chỉ tiêu kết nạp"
        verbose_name_plural = "chỉ tiêu kết nạp"
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "year"],
                name="quota_unique_org_year",
                violation_error_message="Tổ chức này đã có chỉ tiêu năm đó.",
            ),
            models.CheckConstraint(
                condition=Q(minimum__isnull=True) | Q(minimum__lte=F("target")),
                name="quota_minimum_lte_target",
                violation_error_message="Chỉ tiêu tối thiểu không được lớn hơn chỉ tiêu.",
            ),
        ]
        indexes = [models.Index(fields=["year", "organization"])]

    def __str__(self) -> str:
        return f"{self.organization} — {self.year}: {self.target}"

    def clean(self) -> None:
        if self.minimum is not None and self.target is not None and self.minimum > self.target:
            raise ValidationError(
                {"minimum": f"Tối thiểu ({self.minimum}) không được lớn hơn chỉ tiêu ({self.target})."}
            )


class QuotaChangeQuerySet(ScopedQuerySet):
    """The history of those quotas."""

    scope_field = "organization"


class QuotaChange(models.Model):
    """One setting of a quota, old and new values: append-only, never updated."""

    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name="tổ chức")
    year = models.PositiveSmallIntegerField("năm")
    old_target = models.PositiveIntegerField("chỉ tiêu cũ", null=True, blank=True)
    new_target = models.PositiveIntegerField("chỉ tiêu mới")
    old_minimum = models.PositiveIntegerField("tối thiểu cũ", null=True, blank=True)
    new_minimum = models.PositiveIntegerField("tối thiểu mới", null=True, blank=True)
    note = models.CharField("ghi chú", max_length=255, blank=True)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField(default=timezone.now)
    upload = models.ForeignKey("partydev.Upload", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    history = HistoricalRecords(bases=[HistoryBase])

    objects = QuotaChangeQuerySet.as_manager()

    class Meta:
        verbose_name = "lịch sử chỉ tiêu"
        verbose_name_plural = "lịch sử chỉ tiêu"
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["organization", "year"])]
