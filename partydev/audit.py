"""The audit trail: who did what, when (UTC), from where.

Two halves:

* ``AuditEvent`` — logins (success and failure) and refused accesses (403/404 answered to a
  signed-in user). Append-only: the model refuses updates and deletes, the database refuses
  UPDATE (and, on PostgreSQL, DELETE) through a trigger, and the admin is read-only.
* Model history (django-simple-history): a model registers ``history =
  HistoricalRecords(bases=[HistoryBase])`` and every save or delete writes a dated copy of the
  row with the user and the IP address of the request. Bulk writes must go through
  ``simple_history.utils.bulk_create_with_history`` / ``bulk_update_with_history`` with
  ``custom_historical_attrs=history_attrs()``, or ``Model.history.bulk_history_create``.

This module imports no app, only Django and simple-history: every floor may use it.
"""

import logging
from collections.abc import Iterable
from typing import Any, ClassVar, NoReturn, Protocol

from django.conf import settings
from django.db import DatabaseError, models, transaction
from django.db.models.options import Options
from django.http import HttpRequest
from django.utils import timezone
from simple_history.models import HistoricalRecords

logger = logging.getLogger("partydev.audit")


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's IP address.

    Behind ``TRUSTED_PROXY_COUNT`` reverse proxies (each appending to X-Forwarded-For), the
    address the outermost trusted proxy saw; otherwise REMOTE_ADDR. Never trust the header
    without a proxy in front: anybody can send it.
    """
    if request is None:
        return None
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    if proxies:
        forwarded = [p.strip() for p in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if p.strip()]
        if len(forwarded) >= proxies:
            return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> NoReturn:
        raise PermissionError("Nhật ký kiểm tra chỉ được ghi thêm, không được sửa.")

    def delete(self) -> NoReturn:
        raise PermissionError("Nhật ký kiểm tra chỉ được ghi thêm, không được xóa.")


class AuditEvent(models.Model):
    class Kind(models.TextChoices):
        LOGIN = "login", "Đăng nhập thành công"
        LOGIN_FAILED = "login_failed", "Đăng nhập thất bại"
        LOGOUT = "logout", "Đăng xuất"
        ACCESS_REFUSED = "access_refused", "Truy cập bị từ chối"
        # An import answered "cannot be used here" for identifiers (national IDs, helpers, …):
        # ``detail`` holds the upload, the count and the rows; the hourly limit counts these.
        IMPORT_IDENTIFIER_REFUSED = "import_identifier_refused", "Tệp nhập: số định danh không dùng được"
        # Papers (documents/): an issue gives a number from the register; every download is kept.
        DOCUMENT_ISSUED = "document_issued", "Ban hành văn bản"
        DOCUMENT_DOWNLOADED = "document_downloaded", "Tải văn bản đã ban hành"
        DOCUMENT_TEMPLATE_CHANGED = "document_template_changed", "Thay đổi mẫu văn bản"
        STATISTICS_DOWNLOADED = "statistics_downloaded", "Tải biểu thống kê"

    at = models.DateTimeField("thời điểm (UTC)", default=timezone.now, db_index=True, editable=False)
    kind = models.CharField("sự kiện", max_length=32, choices=Kind.choices, editable=False)
    # No foreign-key constraint: the trail outlives the account, and rows are never updated.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="người dùng",
    )
    username = models.CharField("tên đăng nhập", max_length=150, blank=True, db_index=True, editable=False)
    ip = models.GenericIPAddressField("địa chỉ IP", null=True, blank=True, editable=False)
    method = models.CharField("phương thức", max_length=8, blank=True, editable=False)
    path = models.CharField("đường dẫn", max_length=500, blank=True, editable=False)
    status = models.PositiveSmallIntegerField("mã trả lời", null=True, blank=True, editable=False)
    user_agent = models.CharField("trình duyệt", max_length=255, blank=True, editable=False)
    detail = models.JSONField("chi tiết", default=dict, blank=True, editable=False)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        app_label = "partydev"
        verbose_name = "sự kiện kiểm tra"
        verbose_name_plural = "nhật ký kiểm tra"
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["username", "at"], name="audit_username_at")]
        default_permissions = ("view",)

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.get_kind_display()} {self.username}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("Nhật ký kiểm tra chỉ được ghi thêm, không được sửa.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError("Nhật ký kiểm tra chỉ được ghi thêm, không được xóa.")


def record(
    kind: str,
    request: HttpRequest | None = None,
    *,
    user: Any = None,
    username: str = "",
    status: int | None = None,
    **detail: Any,
) -> AuditEvent | None:
    """Append one event. ``request`` gives the IP, method, path and user agent.

    Written in its own short transaction (a savepoint when called inside one): the refused
    accesses are written by the middleware after the view has returned, outside the view's
    transaction. A row that cannot be written (another process holding SQLite's write lock past
    the busy timeout) is logged, and the answer goes on: the audit never turns a read into a 500.
    """
    try:
        with transaction.atomic():
            return _append(kind, request, user=user, username=username, status=status, **detail)
    except DatabaseError:
        logger.exception("audit event %s not written (%s)", kind, getattr(request, "path", ""))
        return None


def _append(
    kind: str, request: HttpRequest | None, *, user: Any, username: str, status: int | None, **detail: Any
) -> AuditEvent:
    if user is None and request is not None:
        candidate = getattr(request, "user", None)
        if candidate is not None and candidate.is_authenticated:
            user = candidate
    if user is not None and not username:
        username = user.get_username()
    meta = getattr(request, "META", {}) if request is not None else {}
    return AuditEvent.objects.create(
        kind=kind,
        user=user,
        username=(username or "")[:150],
        ip=client_ip(request),
        method=getattr(request, "method", "") or "",
        path=(getattr(request, "path", "") or "")[:500],
        status=status,
        user_agent=meta.get("HTTP_USER_AGENT", "")[:255],
        detail=detail,
    )


# --- model history -----------------------------------------------------------------------


class HistoryBase(models.Model):
    """Extra columns of every historical table: the IP address the change came from."""

    history_ip = models.GenericIPAddressField("địa chỉ IP", null=True, blank=True)

    class Meta:
        abstract = True


class Historied(Protocol):
    """A model class with simple-history's ``history`` manager (``HistoricalRecords``)."""

    history: Any  # simple-history ships no type stubs
    _meta: ClassVar[Options[Any]]


def current_request() -> HttpRequest | None:
    """The request being answered, if any (simple-history's middleware keeps it), so a service
    can write the caller's IP and path into the trail."""
    return getattr(HistoricalRecords.context, "request", None)


def history_attrs() -> dict:
    """Extra values for bulk history writes: the IP of the current request, if any."""
    return {"history_ip": client_ip(current_request())}


def history_user() -> Any:
    """The signed-in user of the current request, if any: the author of bulk history rows."""
    user = getattr(current_request(), "user", None)
    return user if user is not None and user.is_authenticated else None


def bulk_history(
    model: type[Historied], objs: Iterable[models.Model], *, update: bool = True, reason: str = "", user: Any = None
) -> None:
    """Write history rows for ``objs`` changed by a bulk write (``queryset.update``, raw SQL,
    treebeard moves, ``bulk_create``: ``update=False``), with the current request's IP and its
    user (or ``user``, the author a service was given, when it runs outside a request)."""
    objs = list(objs)
    if not objs:
        return
    model.history.bulk_history_create(
        objs,
        update=update,
        default_user=user if user is not None and getattr(user, "is_authenticated", False) else history_user(),
        default_change_reason=reason,
        custom_historical_attrs=history_attrs(),
    )


# --- receivers (connected in PartydevConfig.ready) ---------------------------------------


def on_logged_in(sender: object, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record(AuditEvent.Kind.LOGIN, request, user=user)


def on_logged_out(sender: object, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(AuditEvent.Kind.LOGOUT, request, user=user)


def on_login_failed(
    sender: object, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # ``credentials`` is already cleansed by Django: the password is never stored.
    username = str(credentials.get("username", ""))
    locked = bool(getattr(request, "axes_locked_out", False)) if request is not None else False
    record(AuditEvent.Kind.LOGIN_FAILED, request, user=None, username=username, locked_out=locked)


def on_pre_create_historical_record(sender: object, history_instance: Any, **kwargs: Any) -> None:
    if hasattr(history_instance, "history_ip") and history_instance.history_ip is None:
        history_instance.history_ip = client_ip(getattr(HistoricalRecords.context, "request", None))
