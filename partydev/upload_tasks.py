"""The dry run and the commit of a large upload, in a worker (see ``partydev.tasks``).

The flow (``partydev.upload_views.UploadFlow``) starts them for files above
``TASKS_UPLOAD_INLINE_MAX_BYTES``; smaller files stay inline. The commit is the same
``upload_commit`` as inline: one transaction, so a worker killed in the middle leaves nothing
half-written, and a committed upload refuses a second commit."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from .models import Upload
from .task_models import TaskRun
from .tasks import Outcome, TaskFailed, background, report
from .uploads import Importer, UploadRefused, upload_commit, upload_dry_run, uploads_purge


def inline_max_bytes() -> int:
    return int(getattr(settings, "TASKS_UPLOAD_INLINE_MAX_BYTES", 150 * 1024))


def _importer(path: str) -> type[Importer]:
    cls = import_string(path)
    if not (isinstance(cls, type) and issubclass(cls, Importer)):
        raise TaskFailed("Loại tệp tải lên không hợp lệ.")
    return cls


def _upload(upload_id: int) -> Upload:
    upload = Upload.objects.filter(pk=upload_id).first()
    if upload is None:
        raise TaskFailed("Tệp tải lên không còn trên hệ thống (đã bị xóa sau 24 giờ không xác nhận?). Hãy tải lên lại.")
    return upload


@background(title="Kiểm tra tệp tải lên")
def upload_check(run: TaskRun, *, upload_id: int, importer: str) -> Outcome:
    upload = _upload(upload_id)
    report(1, "Đang đọc tệp Excel")
    result = upload_dry_run(upload, _importer(importer), user=run.user)
    counts = result.counts
    summary = (
        f"{len(result.errors)} lỗi — chưa ghi gì."
        if result.errors
        else f"{counts['create']} thêm mới, {counts['change']} thay đổi, {counts['unchanged']} không đổi: chờ xác nhận."
    )
    return Outcome(url=run.return_url, summary=summary)


@background(title="Ghi tệp tải lên vào hệ thống")
def upload_write(run: TaskRun, *, upload_id: int, importer: str, done_url: str = "") -> Outcome:
    upload = _upload(upload_id)
    report(1, "Đang đối chiếu lại với dữ liệu hiện có")
    try:
        upload_commit(upload, _importer(importer), user=run.user)
    except UploadRefused as exc:
        raise TaskFailed(exc.message) from None
    upload.refresh_from_db()
    return Outcome(
        url=done_url or run.return_url,
        summary=f"Đã ghi: {upload.created} thêm mới, {upload.changed} thay đổi, {upload.unchanged} không đổi.",
    )


@background(title="Xóa tệp tải lên bỏ dở")
def purge_uploads(run: TaskRun) -> Outcome:
    result = uploads_purge()
    return Outcome(summary=f"Đã xóa {result.uploads} tệp tải lên bỏ dở, {result.files} tệp ({result.bytes} byte).")
