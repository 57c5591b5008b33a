"""The four pages of an upload flow, shared by every import (see ``partydev.uploads``).

An app subclasses ``UploadFlow``, says who may upload and for which organisation, and routes::

    flow = QuotaUploadFlow()
    urlpatterns = [
        path("quotas/upload/", flow.upload_view, name="upload"),
        path("quotas/upload/<int:pk>/", flow.preview_view, name="upload-preview"),
        path("quotas/upload/<int:pk>/confirm/", flow.confirm_view, name="upload-confirm"),
        path("quotas/upload/<int:pk>/file/", flow.file_view, name="upload-file"),
    ]

Scoping stays with the app (``partydev`` imports none): ``visible_uploads`` must return only the
uploads of organisations in the user's subtree (out of scope: 404), ``upload_scope`` the
organisation a new upload is for, raising PermissionDenied (403) for users who may not upload.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.views.decorators.http import require_POST

from . import tasks, upload_tasks
from .excel import XLSX_CONTENT_TYPE
from .models import TaskRun, Upload
from .uploads import (
    CHANGE,
    CREATE,
    UNCHANGED,
    Importer,
    UploadRefused,
    keep_uncommitted_hours,
    upload_commit,
    upload_dry_run,
    upload_store,
)


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Tệp Excel (.xlsx)",
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
        error_messages={"required": "Hãy chọn một tệp .xlsx.", "empty": "Tệp rỗng (0 byte)."},
    )


class UploadFlow:
    importer_class: type[Importer]
    namespace: str = ""
    title: str = "Tải lên tệp Excel"
    upload_template = "uploads/upload.html"
    preview_template = "uploads/preview.html"
    history_size = 50

    # --- what the app decides ----------------------------------------------------------

    def upload_scope(self, request: HttpRequest) -> Any:
        """The organisation a new upload is for; PermissionDenied if the user may not upload.

        (An organizations.Organization: partydev, the floor below the apps, imports none.)"""
        raise NotImplementedError

    def may_upload(self, request: HttpRequest) -> bool:
        try:
            self.upload_scope(request)
        except PermissionDenied:
            return False
        return True

    def visible_uploads(self, request: HttpRequest) -> QuerySet[Upload]:
        """This kind's uploads that the user may see (scoped to their subtree)."""
        raise NotImplementedError

    def upload_params(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    def extra_context(self, request: HttpRequest) -> dict[str, Any]:
        return {}

    def done_url(self, upload: Upload) -> str:
        return self.url("upload")

    # --- plumbing ------------------------------------------------------------------------

    def url(self, name: str, *args: object) -> str:
        return reverse(f"{self.namespace}:{name}", args=args)

    def _context(self, request: HttpRequest, **extra: Any) -> dict[str, Any]:
        return {
            "flow_title": self.title,
            "flow_ns": self.namespace,
            "upload_url": self.url("upload"),
            "importer": self.importer_class,
            "may_upload": self.may_upload(request),
            "keep_uncommitted_hours": keep_uncommitted_hours(),
            **self.extra_context(request),
            **extra,
        }

    def importer_path(self) -> str:
        return f"{self.importer_class.__module__}.{self.importer_class.__qualname__}"

    def in_background(self, upload: Upload) -> bool:
        """Large files are read and written by a worker (``TASKS_UPLOAD_INLINE_MAX_BYTES``)."""
        return upload.size > upload_tasks.inline_max_bytes()

    def latest_run(self, upload: Upload) -> TaskRun | None:
        keys = [f"upload-check:{upload.pk}", f"upload-write:{upload.pk}"]
        return TaskRun.objects.filter(dedupe_key__in=keys).order_by("-created_at").first()

    def _get(self, request: HttpRequest, pk: int) -> Upload:
        return get_object_or_404(
            self.visible_uploads(request).filter(kind=self.importer_class.kind).defer("sheet"), pk=pk
        )

    # --- views ---------------------------------------------------------------------------

    @method_decorator(login_required)
    def upload_view(self, request: HttpRequest) -> HttpResponse:
        scope = self.upload_scope(request)  # 403 for users who may not upload
        form = UploadForm()
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES)
            if form.is_valid():
                try:
                    upload = upload_store(
                        file=form.cleaned_data["file"],
                        importer_class=self.importer_class,
                        user=request.user,
                        scope=scope,
                        params=self.upload_params(request),
                    )
                except UploadRefused as exc:
                    form.add_error("file", exc.message)
                else:
                    preview_url = self.url("upload-preview", upload.pk)
                    if self.in_background(upload):
                        tasks.start(
                            upload_tasks.upload_check,
                            user=request.user,
                            title=f"Kiểm tra tệp {upload.original_name}",
                            return_url=preview_url,
                            dedupe_key=f"upload-check:{upload.pk}",
                            upload_id=upload.pk,
                            importer=self.importer_path(),
                        )
                    else:
                        upload_dry_run(upload, self.importer_class, user=request.user)
                    return redirect(preview_url)
        history = (
            self.visible_uploads(request)
            .filter(kind=self.importer_class.kind)
            .select_related("uploaded_by", "committed_by", "scope")
            .defer("preview", "errors", "sheet")[: self.history_size]
        )
        return render(request, self.upload_template, self._context(request, form=form, history=history))

    @method_decorator(login_required)
    def preview_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        upload = self._get(request, pk)
        groups: dict[str, list[dict[str, Any]]] = {CREATE: [], CHANGE: [], UNCHANGED: []}
        for item in upload.preview:
            groups[item["action"]].append(item)
        run = self.latest_run(upload)
        if run is not None and run.user_id != request.user.pk:
            run = None  # another person's task: the upload's status says enough
        return render(
            request,
            self.preview_template,
            self._context(
                request,
                upload=upload,
                to_create=groups[CREATE],
                to_change=groups[CHANGE],
                unchanged=groups[UNCHANGED],
                confirm_url=self.url("upload-confirm", upload.pk),
                file_url=self.url("upload-file", upload.pk),
                run=tasks.live_progress(run) if run is not None else None,
                run_active=run is not None and run.is_active,
            ),
        )

    @method_decorator(login_required)
    @method_decorator(require_POST)
    def confirm_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        upload = self._get(request, pk)
        if not self.may_upload(request):
            raise PermissionDenied
        if self.in_background(upload) and upload.status == Upload.Status.PREVIEWED:
            # Confirmed twice (two tabs, a double click): the run already queued is returned.
            tasks.start(
                upload_tasks.upload_write,
                user=request.user,
                title=f"Ghi tệp {upload.original_name}",
                return_url=self.url("upload-preview", upload.pk),
                dedupe_key=f"upload-write:{upload.pk}",
                upload_id=upload.pk,
                importer=self.importer_path(),
                done_url=self.done_url(upload),
            )
            return redirect(self.url("upload-preview", upload.pk))
        try:
            upload_commit(upload, self.importer_class, user=request.user)
        except UploadRefused as exc:
            messages.error(request, exc.message)
            return redirect(self.url("upload-preview", upload.pk))
        upload.refresh_from_db()
        messages.success(
            request, f"Đã ghi: {upload.created} thêm mới, {upload.changed} thay đổi, {upload.unchanged} không đổi."
        )
        return redirect(self.done_url(upload))

    @method_decorator(login_required)
    def file_view(self, request: HttpRequest, pk: int) -> FileResponse:
        upload = self._get(request, pk)
        try:
            fh = upload.file.open("rb")
        except (FileNotFoundError, OSError):
            raise Http404("Tệp không còn trên máy chủ.")
        return FileResponse(fh, as_attachment=True, filename=upload.original_name, content_type=XLSX_CONTENT_TYPE)
