"""The papers partydev issues: each issuing body's register of outgoing numbers per year, the
issued documents stored as issued, and the templates the provincial office put in place of the
defaults.

An ``IssuedDocument`` is never changed: re-printing reads its stored file; a correction is a new
document (with a new number) that names the one it replaces.
"""

from django.conf import settings
from django.db import models

from candidates.models import Candidate
from organizations.models import Organization


class RegisterCounter(models.Model):
    """The last number given by one issuing body in one year (locked while a number is taken)."""

    issuer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+")
    year = models.PositiveIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "year"], name="register_counter_unique")]


class IssuedDocument(models.Model):
    kind = models.CharField("loại văn bản", max_length=24)
    form = models.CharField("mẫu", max_length=16)
    issuer = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name="nơi ban hành")
    # The name the issuer had on the paper's date (after a restructuring, the old name).
    issuer_name = models.CharField("tên nơi ban hành trên văn bản", max_length=255)
    year = models.PositiveIntegerField("năm")
    number = models.PositiveIntegerField("số", null=True, blank=True)  # None: a list, not numbered
    symbol = models.CharField("ký hiệu", max_length=32, blank=True)
    document_date = models.DateField("ngày văn bản")
    candidate = models.ForeignKey(Candidate, on_delete=models.PROTECT, null=True, blank=True, related_name="documents")
    cell = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="+", verbose_name="chi bộ")
    title = models.CharField("trích yếu", max_length=255)
    regulation = models.CharField("văn bản hướng dẫn áp dụng", max_length=32)
    template_sha256 = models.CharField(max_length=64)
    content = models.BinaryField("tệp .docx đã ban hành")
    sha256 = models.CharField(max_length=64)
    replaces = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="replaced_by", verbose_name="thay thế"
    )
    correction_reason = models.TextField("lý do đính chính", blank=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    issued_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "văn bản đã ban hành"
        verbose_name_plural = "văn bản đã ban hành"
        ordering = ["issuer", "year", "number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "year", "number"],
                condition=models.Q(number__isnull=False),
                name="issued_document_number_unique",
            ),
        ]
        indexes = [models.Index(fields=["candidate", "kind"])]

    @property
    def number_symbol(self) -> str:
        return f"{self.number}-{self.symbol}" if self.number else ""

    @property
    def filename(self) -> str:
        who = self.candidate_id or self.cell_id
        stem = f"{self.form}-{self.number or 'ds'}-{self.year}-{who}"
        return f"{stem}.docx"


class TemplateOverride(models.Model):
    """The provincial office's own version of a template; the newest active one is used."""

    kind = models.CharField("loại văn bản", max_length=24)
    content = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    filename = models.CharField(max_length=255)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["kind", "active"])]
