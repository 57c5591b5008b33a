"""Spreadsheet uploads (see ``partydev.uploads``). ``partydev`` imports no app: the
organisation is referenced by string."""

from django.conf import settings
from django.db import models
from django.utils import timezone


def upload_path(instance: "Upload", filename: str) -> str:
    return f"uploads/{instance.kind}/{timezone.now():%Y/%m}/{instance.sha256}.xlsx"


class Upload(models.Model):
    """A spreadsheet as it was uploaded, stored before anything is read from it, and what
    became of it: the dry run's counts and errors, then the commit. See ``partydev.uploads``."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Đã tải lên"
        PREVIEWED = "previewed", "Đã kiểm tra, chờ xác nhận"
        COMMITTED = "committed", "Đã ghi vào hệ thống"
        FAILED = "failed", "Có lỗi, không ghi"

    kind = models.CharField("loại", max_length=32, db_index=True)
    scope = models.ForeignKey(
        "organizations.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="phạm vi",
    )
    file = models.FileField("tệp", upload_to=upload_path, max_length=255)
    original_name = models.CharField("tên tệp", max_length=255)
    size = models.PositiveIntegerField("dung lượng (byte)")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    params = models.JSONField("tham số", default=dict, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="người tải lên"
    )
    uploaded_at = models.DateTimeField("thời điểm tải lên", default=timezone.now)
    status = models.CharField("trạng thái", max_length=16, choices=Status.choices, default=Status.UPLOADED)
    sheet_name = models.CharField("trang tính đã đọc", max_length=64, blank=True)
    created = models.PositiveIntegerField("thêm mới", default=0)
    changed = models.PositiveIntegerField("thay đổi", default=0)
    unchanged = models.PositiveIntegerField("không đổi", default=0)
    error_count = models.PositiveIntegerField("số lỗi", default=0)
    errors = models.JSONField("lỗi", default=list, blank=True)  # [{"row": 7, "column": "…", "message": "…"}]
    notices = models.JSONField("ghi chú", default=list, blank=True)
    preview = models.JSONField("xem trước", default=list, blank=True)  # the planned items, for display
    plan_digest = models.CharField(max_length=64, blank=True)
    sheet = models.JSONField("bảng đã đọc", default=dict, blank=True, editable=False)  # reused by the commit
    committed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="người xác nhận",
    )
    committed_at = models.DateTimeField("thời điểm ghi", null=True, blank=True)

    class Meta:
        verbose_name = "tệp tải lên"
        verbose_name_plural = "tệp tải lên"
        ordering = ["-uploaded_at", "-id"]
        indexes = [models.Index(fields=["kind", "scope", "-uploaded_at"])]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.uploaded_at:%d/%m/%Y %H:%M})"

    @property
    def is_committed(self) -> bool:
        return self.status == self.Status.COMMITTED
