"""``/tasks/``: a user's own background tasks (see ``partydev.tasks``). Anyone else's task is a
404, answered exactly like an id that does not exist."""

import uuid

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from . import tasks
from .task_models import TaskRun


def _run(request: HttpRequest, pk: uuid.UUID) -> TaskRun:
    return tasks.live_progress(get_object_or_404(tasks.visible_runs(request.user), pk=pk))


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    runs = [tasks.live_progress(r) for r in tasks.visible_runs(request.user).select_related(None)[:100]]
    return render(request, "tasks/list.html", {"runs": runs, "keep_days": tasks.keep_days()})


@login_required
def task_detail(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    return render(request, "tasks/detail.html", {"run": _run(request, pk)})


@login_required
def task_status(request: HttpRequest, pk: uuid.UUID) -> HttpResponse:
    """The status fragment, polled by htmx while the task is queued or running."""
    run = _run(request, pk)
    response = render(request, "tasks/_status.html", {"run": run, "refresh": request.GET.get("refresh") == "1"})
    if request.GET.get("refresh") == "1" and not run.is_active:
        response["HX-Refresh"] = "true"  # the page that started it shows the result itself
    return response


@login_required
def task_file(request: HttpRequest, pk: uuid.UUID) -> FileResponse:
    run = _run(request, pk)
    if run.status != run.Status.DONE or not run.result_file:
        raise Http404("Việc này không có tệp kết quả.")
    try:
        fh = run.result_file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404("Tệp kết quả không còn trên máy chủ.")
    return FileResponse(fh, as_attachment=True, filename=run.result_name)
