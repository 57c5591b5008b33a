"""Whole-scope exports in a worker: the export's own view, run again by the worker for the same
user with the same query, so the file holds exactly what the inline download would (scope,
hidden fields, small groups) — one code path, no second copy of any rule.

A view asks at its top::

    if later := export_later(request, size=rows.count(), title="Danh sách đảng viên"):
        return later      # a redirect to the task's page, which shows its progress

Below ``TASKS_EXPORT_INLINE_MAX_ROWS`` (rows) or ``TASKS_EXPORT_INLINE_MAX_ORGS`` (organisations,
``unit="orgs"``) the view goes on inline. The same export asked for again while it is queued
or running is the same run (``dedupe_key``). Exports read; a GET starting one writes only the
run, visible to that user alone."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import resolve
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string

from .task_models import TaskRun
from .tasks import Outcome, TaskFailed, background, report, run_url, start

FILENAME = re.compile(r"filename\*?=(?:utf-8'')?\"?([^\";]+)\"?", re.IGNORECASE)


def inline_max(unit: str) -> int:
    if unit == "orgs":
        return int(getattr(settings, "TASKS_EXPORT_INLINE_MAX_ORGS", 300))
    return int(getattr(settings, "TASKS_EXPORT_INLINE_MAX_ROWS", 3000))


def export_later(request: HttpRequest, *, size: int, title: str, unit: str = "rows") -> HttpResponse | None:
    """Start the export in a worker if it is large; None to go on inline."""
    if getattr(request, "in_background", False) or size <= inline_max(unit):
        return None
    referer = request.META.get("HTTP_REFERER", "")
    back = ""
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        parts = urlsplit(referer)
        back = parts.path + (f"?{parts.query}" if parts.query else "")
    run = start(
        export_view,
        user=request.user,
        title=title,
        return_url=back,
        dedupe_key=f"export:{request.user.pk}:{request.get_full_path()}"[:200],
        path=request.path,
        query=request.GET.urlencode(),
    )
    return redirect(run_url(run))


@background(title="Xuất tệp")
def export_view(run: TaskRun, *, path: str, query: str) -> Outcome:
    if run.user is None or not run.user.is_active:
        raise TaskFailed("Tài khoản đã bắt đầu việc này không còn hoạt động.")
    match = resolve(path)
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = path
    request.GET = QueryDict(query)
    request.META = {"SERVER_NAME": "worker", "SERVER_PORT": "80", "REMOTE_ADDR": "127.0.0.1", "QUERY_STRING": query}
    request.user = run.user
    request.session = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    request.in_background = True  # type: ignore[attr-defined]
    report(1, "Đang chuẩn bị dữ liệu")
    response = match.func(request, *match.args, **match.kwargs)
    if response.status_code != 200:
        text = response.content.decode("utf-8", "replace")[:300] if response.status_code == 400 else ""
        raise TaskFailed(text or f"Không xuất được tệp (mã {response.status_code}): hãy mở lại trang rồi thử lại.")
    report(99, "Đang lưu tệp")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    found = FILENAME.search(response.get("Content-Disposition", ""))
    return Outcome(content=content, filename=unquote(found.group(1)) if found else "ket-qua.xlsx")
