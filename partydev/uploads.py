"""Spreadsheet imports, built once: store → dry run → confirm → all-or-nothing commit → history.

How to plug a new import in (members, candidates, …)
====================================================

1. Subclass ``Importer`` in your app (e.g. ``members/imports.py``)::

       class MemberImporter(Importer):
           kind = "members"                      # stored on every Upload; one history per kind
           title = "Danh sách đảng viên"
           sheet_name = "Đảng viên"              # read this sheet if present, else the first
           key = "national_id"                   # duplicate keys are refused with both rows
           columns = [Column("national_id", "Số CCCD"), Column("full_name", "Họ và tên"), ...]

           def parse_row(self, row):             # one SheetRow → a dict of clean values
               ...  # raise RowError(column_label, message) (or RowError.many([...])) for bad cells
           def plan(self, rows):                 # all parsed rows → Plan(items, errors)
               ...  # one query for the existing records; PlanItem(action=CREATE/CHANGE/UNCHANGED)
           def apply(self, items, upload):       # write the CREATE and CHANGE items; runs inside
               ...  # the commit's transaction: raise ValidationError to roll everything back

   ``self.user``, ``self.scope`` (the organisation the upload is for) and ``self.params`` are
   set by the flow. ``parse_row`` and ``plan`` must not write. Keep ``plan`` to a fixed number
   of queries (load the existing rows for all keys at once). Set ``max_rows``.

   Lookups see only what the uploader may see. Every record the plan finds by an identifier
   (national ID, card number, helper, introducer) must lie in the uploader's subtree, and where
   the identifier is a sensitive field, in a cell whose sensitive fields the uploader may read
   (``organizations.privacy.can_see_sensitive``). Anything else — out of scope, not readable,
   not there, not the right kind of record — is answered by ``self.refuse_identifier(plan, row,
   column, value)``: one message for every case, never a name, a birth date, a cell or whether
   the person is a member or a candidate. Those answers are counted per user and written to the
   audit trail; past ``IMPORT_REFUSED_IDENTIFIERS_PER_HOUR`` in an hour the file is refused
   whole and further uploads of such kinds (``looks_up_identifiers = True``) are refused for
   the rest of the hour. An importer never changes a record the uploader may not see, nor a
   field they may not read.
2. Views: subclass ``partydev.upload_views.UploadFlow`` (scope, permissions, URL names) and
   route its four views; the generic templates ``templates/uploads/*.html`` render the form,
   the history, the preview and the errors. Or call the services below from your own views.
3. Tests: generate real files with openpyxl; the guard's own tests are in ``tests/uploads``.

The services
============
``upload_store`` stores the file (sha256, uploader, time, scope) before anything is read;
``upload_dry_run`` reads it through the guard (``partydev.spreadsheets.read_table``), parses and
plans it, and saves the counts, the errors (each with its Excel row number) and the preview on
the Upload; ``upload_commit`` re-runs the plan inside one transaction, refuses if the data
changed since the preview, applies it, and marks the Upload committed: all or nothing.
Re-uploading the same file yields only "unchanged" items, so committing it changes nothing.
``uploads_purge`` (the ``purge_uploads`` command) deletes refused files and abandoned previews
after ``UPLOAD_KEEP_UNCOMMITTED_HOURS`` (24); committed files stay, as the audit needs them.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import Storage, default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import audit
from .models import AuditEvent, Upload
from .spreadsheets import Column, Sheet, SheetRow, SpreadsheetError, read_table
from .tasks import report, reporting

__all__ = [
    "Column",
    "Importer",
    "Plan",
    "PlanItem",
    "RowError",
    "Change",
    "UploadRefused",
    "upload_store",
    "upload_dry_run",
    "upload_commit",
    "DryRun",
    "uploads_purge",
]

CREATE, CHANGE, UNCHANGED = "create", "change", "unchanged"

# The one answer for an identifier an import may not use: the same whether the number belongs to
# somebody outside the uploader's scope, to somebody whose sensitive fields they may not read, to
# a record of the wrong kind, or to nobody at all.
UNUSABLE_IDENTIFIER = (
    "không dùng được trong tệp của bạn: số này không khớp với hồ sơ nào mà tài khoản của bạn được "
    "đối chiếu (ngoài phạm vi quản lý, hoặc bạn không được xem số định danh của người đó). "
    "Hãy kiểm tra lại số, hoặc nhờ cấp đang quản lý hồ sơ đó."
)

DEFAULT_REFUSED_IDENTIFIERS_PER_HOUR = 20


def refused_identifier_limit() -> int:
    return getattr(settings, "IMPORT_REFUSED_IDENTIFIERS_PER_HOUR", DEFAULT_REFUSED_IDENTIFIERS_PER_HOUR)


def rate_limited_message() -> str:
    return (
        "Tệp bị từ chối: tài khoản của bạn đã gặp quá nhiều số định danh (CCCD, số thẻ, người giúp đỡ, "
        f"người giới thiệu) không dùng được trong phạm vi của mình — tối đa {refused_identifier_limit()} lần "
        "trong một giờ. Hãy kiểm tra lại các số trong tệp rồi thử lại sau một giờ, hoặc liên hệ quản trị hệ thống."
    )


def refused_identifiers_last_hour(user: Any) -> int:
    """How many unusable-identifier answers ``user`` was given in the last hour (from the audit trail)."""
    if user is None or not getattr(user, "is_authenticated", False):
        return 0
    since = timezone.now() - datetime.timedelta(hours=1)
    details = AuditEvent.objects.filter(
        kind=AuditEvent.Kind.IMPORT_IDENTIFIER_REFUSED, user=user, at__gte=since
    ).values_list("detail", flat=True)
    return sum(int((d or {}).get("count", 0)) for d in details)


def identifier_lookups_blocked(user: Any) -> bool:
    return refused_identifiers_last_hour(user) >= refused_identifier_limit()


class UploadRefused(Exception):
    """The upload cannot go on; ``message`` is for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class RowError(Exception):
    """Problems in one row: a list of (column label or "", message)."""

    def __init__(self, column: str = "", message: str = "", *, problems: list[tuple[str, str]] | None = None) -> None:
        self.problems = problems if problems is not None else [(column, message)]
        super().__init__("; ".join(m for _, m in self.problems))

    @classmethod
    def many(cls, problems: list[tuple[str, str]]) -> RowError:
        return cls(problems=problems)


@dataclass
class Change:
    field: str  # label, in Vietnamese
    old: Any
    new: Any


@dataclass
class PlanItem:
    row: int
    key: str
    label: str
    action: str  # CREATE, CHANGE or UNCHANGED
    changes: list[Change] = field(default_factory=list)
    values: dict = field(default_factory=dict)  # shown in the preview ("field label" → value)
    data: Any = None  # whatever apply() needs; never stored

    def as_json(self) -> dict:
        return {
            "row": self.row,
            "key": self.key,
            "label": self.label,
            "action": self.action,
            "changes": [asdict(c) for c in self.changes],
            "values": self.values,
        }


@dataclass
class Plan:
    items: list[PlanItem] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"row", "column", "message"}

    def error(self, row: int | None, column: str, message: str) -> None:
        self.errors.append({"row": row, "column": column, "message": message})


@dataclass
class ParsedRow:
    number: int
    values: dict


class Importer:
    """The row logic of one kind of import. See the module docstring."""

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    columns: ClassVar[list[Column]] = []
    key: ClassVar[str | None] = None
    sheet_name: ClassVar[str | None] = None
    max_rows: ClassVar[int | None] = None
    looks_up_identifiers: ClassVar[bool] = False  # finds people by national ID and the like

    # ``scope``: an organizations.Organization (partydev, the floor below the apps, imports none).
    def __init__(self, *, user: Any, scope: Any = None, params: dict | None = None) -> None:
        self.user = user
        self.scope = scope
        self.params = dict(params or {})
        self.notices: list[str] = []
        self.refused_identifiers: list[dict] = []

    def refuse_identifier(self, plan: Plan, row: int, column: str, value: object) -> None:
        """Answer an identifier this uploader may not use, with the one message for every case."""
        plan.error(row, column, f"{column} “{value}” {UNUSABLE_IDENTIFIER}")
        self.refused_identifiers.append({"row": row, "column": column, "value": str(value)})

    def begin(self, sheet: Sheet) -> None:
        """Read what the header says (e.g. the year). Raise SpreadsheetError to refuse the file."""

    def parse_row(self, row: SheetRow) -> dict:
        return dict(row.values)

    def plan(self, rows: list[ParsedRow]) -> Plan:
        raise NotImplementedError

    def apply(self, items: list[PlanItem], upload: Upload) -> None:
        raise NotImplementedError

    def key_label(self) -> str:
        return next((c.label for c in self.columns if c.key == self.key), self.key or "")


@dataclass
class DryRun:
    items: list[PlanItem]
    errors: list[dict]
    notices: list[str]
    sheet_name: str = ""
    sheet: Sheet | None = None

    @property
    def counts(self) -> dict[str, int]:
        counts = {CREATE: 0, CHANGE: 0, UNCHANGED: 0}
        for item in self.items:
            counts[item.action] += 1
        return counts

    def digest(self) -> str:
        payload = json.dumps([i.as_json() for i in self.items], sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(payload.encode()).hexdigest()


def _read(upload: Upload) -> bytes:
    with upload.file.open("rb") as fh:
        return fh.read(getattr(settings, "UPLOAD_MAX_BYTES", 5 * 1024 * 1024) + 1)


def sheet_to_json(sheet: Sheet) -> dict:
    """The table read from a file, as JSON (dates tagged), so a commit need not read the file again."""

    def encode(value: object) -> object:
        if isinstance(value, datetime.datetime):
            return {"$dt": value.isoformat()}
        if isinstance(value, datetime.date):
            return {"$d": value.isoformat()}
        if isinstance(value, datetime.time):
            return {"$t": value.isoformat()}
        if isinstance(value, datetime.timedelta):
            return {"$td": value.total_seconds()}
        return value

    return {
        "name": sheet.name,
        "header_row": sheet.header_row,
        "headers": sheet.headers,
        "header_groups": sheet.header_groups,
        "notices": sheet.notices,
        "rows": [[r.number, {k: encode(v) for k, v in r.values.items()}] for r in sheet.rows],
    }


def sheet_from_json(data: dict) -> Sheet:
    def decode(value: object) -> object:
        if isinstance(value, dict):
            ((tag, raw),) = value.items()
            decoders: dict[str, Callable[[Any], object]] = {
                "$dt": datetime.datetime.fromisoformat,
                "$d": datetime.date.fromisoformat,
                "$t": datetime.time.fromisoformat,
                "$td": lambda s: datetime.timedelta(seconds=s),
            }
            return decoders[tag](raw)
        return value

    return Sheet(
        name=data["name"],
        header_row=data["header_row"],
        headers=data["headers"],
        header_groups=data["header_groups"],
        notices=list(data["notices"]),
        rows=[SheetRow(n, {k: decode(v) for k, v in values.items()}) for n, values in data["rows"]],
    )


def run_importer(data: bytes | Sheet, importer: Importer) -> DryRun:
    """Guard, parse and plan; writes nothing. ``data``: the file, or the Sheet already read from it."""
    try:
        if isinstance(data, Sheet):
            sheet = data
        else:
            report(3, "Đang đọc tệp Excel")
            sheet = read_table(data, importer.columns, sheet_name=importer.sheet_name, max_rows=importer.max_rows)
        importer.begin(sheet)
    except SpreadsheetError as exc:
        return DryRun(items=[], errors=[{"row": None, "column": "", "message": exc.message}], notices=[])
    errors: list[dict] = []
    parsed: list[ParsedRow] = []
    seen: dict[Any, int] = {}
    key_label = importer.key_label()
    for row in reporting(sheet.rows, len(sheet.rows), "Đang kiểm tra dòng {i}/{n}", start=10, end=80):
        try:
            values = importer.parse_row(row)
        except RowError as exc:
            errors.extend({"row": row.number, "column": c, "message": m} for c, m in exc.problems)
            continue
        if importer.key:
            key = values.get(importer.key)
            if key in seen:
                errors.append(
                    {
                        "row": row.number,
                        "column": key_label,
                        "message": f"{key_label} “{key}” xuất hiện hai lần: dòng {seen[key]} và dòng {row.number}. Mỗi mã chỉ được ghi một dòng.",
                    }
                )
                continue
            seen[key] = row.number
        parsed.append(ParsedRow(row.number, values))
    report(82, f"Đang đối chiếu {len(parsed)} dòng với dữ liệu hiện có")
    plan = importer.plan(parsed)
    errors.extend(plan.errors)
    errors.sort(key=lambda e: e["row"] or 0)
    if not sheet.rows and not errors:
        errors.append(
            {
                "row": None,
                "column": "",
                "message": f"Trang “{sheet.name}” không có dòng dữ liệu nào dưới dòng tiêu đề {sheet.header_row}.",
            }
        )
    return DryRun(
        items=sorted(plan.items, key=lambda i: i.row),
        errors=errors,
        notices=sheet.notices + importer.notices,
        sheet_name=sheet.name,
        sheet=sheet,
    )


def upload_store(
    *, file: File, importer_class: type[Importer], user: Any, scope: Any = None, params: dict | None = None
) -> Upload:
    """Store the uploaded file with its sha256, uploader and time, before reading anything.

    Only the size and the extension are checked here (a huge body is never read into memory)."""
    max_bytes = getattr(settings, "UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
    name = (getattr(file, "name", "") or "tep.xlsx").rsplit("/", 1)[-1][:200]
    size = getattr(file, "size", None)
    if size is not None and size > max_bytes:
        raise UploadRefused(
            f"Tệp nặng {size / 1048576:.1f} MB, vượt giới hạn {max_bytes / 1048576:.1f} MB.".replace(".", ",")
        )
    if not name.lower().endswith(".xlsx"):
        raise UploadRefused(f"Chỉ nhận tệp Excel .xlsx; tệp “{name}” không phải .xlsx.")
    if importer_class.looks_up_identifiers and identifier_lookups_blocked(user):
        _audit_refusals(user, None, importer_class.kind, [], count=0, whole=True)
        raise UploadRefused(rate_limited_message())
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadRefused(f"Tệp vượt giới hạn {max_bytes / 1048576:.1f} MB.".replace(".", ","))
    digest = hashlib.sha256(data).hexdigest()
    upload = Upload(
        kind=importer_class.kind,
        scope=scope,
        original_name=name,
        size=len(data),
        sha256=digest,
        params=params or {},
        uploaded_by=user,
    )
    upload.file.save(name, ContentFile(data), save=False)
    upload.save()
    return upload


def _importer(importer_class: type[Importer], upload: Upload, user: Any) -> Importer:
    return importer_class(user=user, scope=upload.scope, params=upload.params)


def upload_dry_run(upload: Upload, importer_class: type[Importer], *, user: Any = None) -> DryRun:
    """Read and plan the stored file; save the preview, counts and errors on the Upload."""
    user = user or upload.uploaded_by
    importer = _importer(importer_class, upload, user)
    if importer_class.looks_up_identifiers and identifier_lookups_blocked(user):
        result = _refused_whole(upload, importer, count=0)
        _save_result(upload, result, Upload.Status.FAILED)
        return result
    result = _limit_refusals(upload, importer, run_importer(_read(upload), importer))
    same = (
        Upload.objects.filter(
            kind=upload.kind, scope=upload.scope, sha256=upload.sha256, status=Upload.Status.COMMITTED
        )
        .exclude(pk=upload.pk)
        .select_related("committed_by")
        .first()
    )
    if same:
        when = timezone.localtime(same.committed_at).strftime("%d/%m/%Y %H:%M")
        result.notices.append(
            f"Tệp này giống hệt tệp đã ghi lúc {when} (người xác nhận: {same.committed_by}); nhập lại sẽ không thay đổi gì."
        )
    upload.params = importer.params
    _save_result(upload, result, Upload.Status.FAILED if result.errors else Upload.Status.PREVIEWED)
    return result


def _audit_refusals(user: Any, upload_pk: int | None, kind: str, rows: list[dict], *, count: int, whole: bool) -> None:
    """One row of the audit trail per answer given (or file refused): the hourly count sums them."""
    audit.record(
        AuditEvent.Kind.IMPORT_IDENTIFIER_REFUSED,
        audit.current_request(),
        user=user,
        upload=upload_pk,
        upload_kind=kind,
        count=count,
        rows=rows[:200],
        refused_whole=whole,
    )


def _refused_whole(upload: Upload, importer: Importer, *, count: int) -> DryRun:
    """The file refused as a whole, past the hourly limit of unusable identifiers: audited, and
    answered without a word on any row."""
    _audit_refusals(importer.user, upload.pk, upload.kind, importer.refused_identifiers, count=count, whole=True)
    return DryRun(items=[], errors=[{"row": None, "column": "", "message": rate_limited_message()}], notices=[])


def _limit_refusals(upload: Upload, importer: Importer, result: DryRun) -> DryRun:
    """Count the unusable identifiers this plan answered, write them to the audit trail, and
    refuse the file whole if they take the user past the hourly limit. Call outside the commit's
    transaction, so a refused commit keeps its audit row."""
    count = len(importer.refused_identifiers)
    if not count:
        return result
    if refused_identifiers_last_hour(importer.user) + count > refused_identifier_limit():
        return _refused_whole(upload, importer, count=count)
    _audit_refusals(importer.user, upload.pk, upload.kind, importer.refused_identifiers, count=count, whole=False)
    return result


def _save_result(upload: Upload, result: DryRun, status: str) -> None:
    counts = result.counts
    upload.status = status
    upload.sheet_name = result.sheet_name[:64]
    upload.created, upload.changed, upload.unchanged = counts[CREATE], counts[CHANGE], counts[UNCHANGED]
    upload.error_count = len(result.errors)
    upload.errors = result.errors
    upload.notices = result.notices
    upload.preview = [i.as_json() for i in result.items] if not result.errors else []
    upload.plan_digest = result.digest() if not result.errors else ""
    upload.sheet = sheet_to_json(result.sheet) if result.sheet is not None and not result.errors else {}
    upload.save()


def upload_commit(upload: Upload, importer_class: type[Importer], *, user: Any) -> DryRun:
    """Apply a previewed upload in one transaction: everything or nothing.

    The plan is computed again under a row lock on the Upload; if it differs from what the user
    saw (someone changed the data meanwhile) nothing is written and the preview is refreshed."""
    stale = None
    try:
        with transaction.atomic():
            locked = Upload.objects.select_for_update().get(pk=upload.pk)
            if locked.status == Upload.Status.COMMITTED:
                raise UploadRefused("Tệp này đã được ghi vào hệ thống rồi; không ghi lại lần nữa.")
            if locked.status != Upload.Status.PREVIEWED:
                raise UploadRefused("Tệp có lỗi hoặc chưa được kiểm tra; không thể xác nhận.")
            importer = _importer(importer_class, locked, user)
            data = _read(locked)
            if hashlib.sha256(data).hexdigest() != locked.sha256:
                raise UploadRefused("Tệp đã lưu không còn khớp mã SHA-256 lúc tải lên; không ghi. Hãy tải tệp lên lại.")
            # The file is the one previewed: reuse the table read from it, re-plan against the
            # database as it is now, and refuse if the plan differs from the preview.
            result = run_importer(sheet_from_json(locked.sheet) if locked.sheet else data, importer)
            if result.errors or result.digest() != locked.plan_digest:
                stale = result
                raise UploadRefused(
                    "Dữ liệu đã thay đổi kể từ lúc xem trước; hãy xem lại bản xem trước mới rồi xác nhận."
                )
            writes = [i for i in result.items if i.action != UNCHANGED]
            report(90, f"Đang ghi {len(writes)} dòng vào hệ thống (tất cả hoặc không dòng nào)")
            importer.apply(writes, locked)
            counts = result.counts
            locked.status = Upload.Status.COMMITTED
            locked.committed_by = user
            locked.committed_at = timezone.now()
            locked.created, locked.changed, locked.unchanged = counts[CREATE], counts[CHANGE], counts[UNCHANGED]
            locked.save(update_fields=["status", "committed_by", "committed_at", "created", "changed", "unchanged"])
    except IntegrityError:
        # Another commit wrote the same rows between our plan and our write: nothing of ours stayed.
        raise UploadRefused("Dữ liệu vừa được người khác thay đổi; chưa ghi gì. Hãy tải tệp lên lại để xem trước.")
    except ValidationError as exc:
        upload.refresh_from_db()
        messages = exc.messages if hasattr(exc, "messages") else [str(exc)]
        upload.status = Upload.Status.FAILED
        upload.errors = [{"row": None, "column": "", "message": m} for m in messages]
        upload.error_count = len(upload.errors)
        upload.save(update_fields=["status", "errors", "error_count"])
        raise UploadRefused("Không ghi được: " + "; ".join(messages))
    except UploadRefused:
        if stale is not None:
            upload.refresh_from_db()
            stale = _limit_refusals(upload, importer, stale)
            _save_result(upload, stale, Upload.Status.FAILED if stale.errors else Upload.Status.PREVIEWED)
        raise
    upload.refresh_from_db()
    return result


# --- keeping only what is useful ------------------------------------------------------------

DEFAULT_KEEP_UNCOMMITTED_HOURS = 24
UPLOADS_DIR = "uploads"


def keep_uncommitted_hours() -> int:
    return getattr(settings, "UPLOAD_KEEP_UNCOMMITTED_HOURS", DEFAULT_KEEP_UNCOMMITTED_HOURS)


@dataclass
class PurgeResult:
    uploads: int = 0  # rows deleted (refused files, abandoned previews), with their files
    files: int = 0  # files deleted, including those no row refers to
    bytes: int = 0
    kept: int = 0  # committed uploads left alone


def uploads_purge(
    *, now: datetime.datetime | None = None, hours: int | None = None, dry_run: bool = False
) -> PurgeResult:
    """Delete every upload that was never committed (refused by the guard or a row check, or
    previewed and abandoned) once it is older than ``hours`` (``UPLOAD_KEEP_UNCOMMITTED_HOURS``,
    24 by default): the row, which holds the table read from it, and the stored file. Files under
    ``uploads/`` that no row names (a save cut short) go too, after the same delay. Committed
    uploads and their files are kept: the history of every import lets the file be downloaded."""
    hours = hours if hours is not None else keep_uncommitted_hours()
    cutoff = (now or timezone.now()) - datetime.timedelta(hours=hours)
    result = PurgeResult(kept=Upload.objects.filter(status=Upload.Status.COMMITTED).count())
    kept_names = set(Upload.objects.filter(status=Upload.Status.COMMITTED).values_list("file", flat=True))
    stale = list(
        Upload.objects.exclude(status=Upload.Status.COMMITTED)
        .filter(uploaded_at__lt=cutoff)
        .values_list("pk", "file", "size")
    )
    for _pk, name, size in stale:
        if name and name not in kept_names and default_storage.exists(name):
            result.files += 1
            result.bytes += size
            if not dry_run:
                default_storage.delete(name)
    result.uploads = len(stale)
    if stale and not dry_run:
        Upload.objects.filter(pk__in=[pk for pk, _, _ in stale]).delete()
    named = set(Upload.objects.values_list("file", flat=True))
    for name in _stored_files(default_storage, UPLOADS_DIR):
        if name in named or name in kept_names:
            continue
        try:
            modified = default_storage.get_modified_time(name)
        except (OSError, NotImplementedError):
            continue
        if modified < cutoff:
            result.files += 1
            result.bytes += default_storage.size(name)
            if not dry_run:
                default_storage.delete(name)
    return result


def _stored_files(storage: Storage, folder: str) -> Iterator[str]:
    try:
        folders, files = storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError, OSError):
        return
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _stored_files(storage, f"{folder}/{sub}")
