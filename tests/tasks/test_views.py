"""The task framework in one process: the pages (scoped, polled by htmx), the upload flow and the
exports sent to a worker above their thresholds, the reaper. The worker is called in-process here
(``Task.call``); ``test_worker.py`` runs a real one."""

import datetime
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from openpyxl import load_workbook

from members.models import Person
from partydev import tasks, upload_tasks
from partydev.export_tasks import export_view
from partydev.models import TaskProgress, TaskRun, Upload
from tests.members.factories import official
from tests.members.test_import import row, workbook

BOTH = ["default", "progress"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)


def _run_of(response) -> TaskRun:
    assert response.status_code == 302, response.status_code
    assert response["Location"].startswith("/tasks/")
    return TaskRun.objects.get(pk=response["Location"].split("/")[2])


def _cells(content: bytes) -> list:
    ws = load_workbook(io.BytesIO(content), read_only=True).worksheets[0]
    return [list(r) for r in ws.iter_rows(values_only=True)]


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_whole_scope_export_goes_to_a_worker_and_holds_what_the_inline_file_holds(settings, users, tree, login):
    for i in range(3):
        official(cell=tree.CXA, full_name=f"Đinh Văn Xuất {i}")
    official(cell=tree.CYA, full_name="Hà Thị Khác")
    client = login(users.district_x)
    inline = client.get("/members/export.xlsx", {"org": "T.X"})
    assert inline.status_code == 200

    settings.TASKS_EXPORT_INLINE_MAX_ROWS = settings.TASKS_EXPORT_INLINE_MAX_ORGS = 2
    run = _run_of(client.get("/members/export.xlsx", {"org": "T.X"}))
    assert run.status == "queued" and run.user == users.district_x and run.title.startswith("Xuất danh sách đảng viên")
    assert DBTaskResult.objects.filter(task_path="partydev.export_tasks.export_view").count() == 1
    # Asked again while queued: the same run.
    assert _run_of(client.get("/members/export.xlsx", {"org": "T.X"})).pk == run.pk
    page = client.get(f"/tasks/{run.pk}/")
    assert b'hx-trigger="every 1s"' in page.content and "Đang chờ" in page.content.decode()

    assert export_view.call(str(run.pk)) == "done"
    run.refresh_from_db()
    assert run.status == "done" and run.percent == 100 and run.attempts == 1
    progress = TaskProgress.objects.using("progress").get(run_id=run.pk)
    assert progress.step == "Đã xong" and progress.longest_gap_ms < 2000
    status = client.get(f"/tasks/{run.pk}/status/")
    assert b"hx-get" not in status.content and b'data-testid="task-result"' in status.content
    downloaded = client.get(f"/tasks/{run.pk}/file/")
    content = b"".join(downloaded.streaming_content)
    assert _cells(content) == _cells(inline.content)
    assert "Hà Thị Khác" not in str(_cells(content))  # the other district, as inline
    # A second delivery of the same run does nothing.
    assert export_view.call(str(run.pk)) == "skipped"

    # Only its owner sees it: anyone else gets the 404 of an id that does not exist.
    other = login(users.district_y)
    for suffix in ("", "status/", "file/"):
        mine, missing = other.get(f"/tasks/{run.pk}/{suffix}"), other.get(f"/tasks/{uuid.uuid4()}/{suffix}")
        assert mine.status_code == missing.status_code == 404
        assert mine.content == missing.content
    assert run.title not in other.get("/tasks/").content.decode()
    assert run.title in login(users.district_x).get("/tasks/").content.decode()


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_large_upload_is_checked_and_written_by_a_worker_confirmed_twice_once(settings, users, tree, login):
    settings.TASKS_UPLOAD_INLINE_MAX_BYTES = 0
    client = login(users.district_x)
    data = workbook([row(1), row(2), row(3)])
    answer = client.post("/members/import/", {"file": SimpleUploadedFile("dv.xlsx", data)})
    upload = Upload.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/members/import/{upload.pk}/"
    assert upload.status == "uploaded"
    check = TaskRun.objects.get(dedupe_key=f"upload-check:{upload.pk}")
    preview = client.get(answer["Location"]).content.decode()
    assert f'hx-get="/tasks/{check.pk}/status/?refresh=1"' in preview and "Xác nhận ghi" not in preview

    assert upload_tasks.upload_check.call(str(check.pk)) == "done"
    check.refresh_from_db()
    assert check.status == "done" and check.result_summary.startswith("3 thêm mới")
    assert client.get(f"/tasks/{check.pk}/status/?refresh=1")["HX-Refresh"] == "true"
    upload.refresh_from_db()
    assert upload.status == "previewed" and upload.created == 3
    assert "Xác nhận ghi" in client.get(answer["Location"]).content.decode()

    first = client.post(f"/members/import/{upload.pk}/confirm/")
    second = client.post(f"/members/import/{upload.pk}/confirm/")
    assert first["Location"] == second["Location"] == f"/members/import/{upload.pk}/"
    (write,) = TaskRun.objects.filter(dedupe_key=f"upload-write:{upload.pk}")
    assert Person.objects.count() == 0
    assert upload_tasks.upload_write.call(str(write.pk)) == "done"
    write.refresh_from_db()
    assert write.result_summary == "Đã ghi: 3 thêm mới, 0 thay đổi, 0 không đổi."
    assert write.result_url == "/members/?org=T.X"
    assert Person.objects.count() == 3
    # Confirmed once more after the write: refused, nothing queued, nothing written twice.
    client.post(f"/members/import/{upload.pk}/confirm/")
    assert TaskRun.objects.filter(dedupe_key=f"upload-write:{upload.pk}").count() == 1
    assert Person.objects.count() == 3


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_failing_task_says_why_in_vietnamese(users, login):
    upload = tasks.start(upload_tasks.upload_write, user=users.district_x, upload_id=999999, importer="x")
    assert upload_tasks.upload_write.call(str(upload.pk)) == "failed"
    upload.refresh_from_db()
    assert upload.status == "failed" and "Tệp tải lên không còn trên hệ thống" in upload.error
    page = login(users.district_x).get(f"/tasks/{upload.pk}/").content.decode()
    assert 'data-testid="task-error"' in page and "Tệp tải lên không còn" in page


@pytest.mark.django_db(databases=BOTH)
def test_the_reaper_retries_a_dead_workers_run_once_then_fails_it(users):
    long_ago = timezone.now() - datetime.timedelta(minutes=10)

    def running(attempts, beat=None):
        run = TaskRun.objects.create(
            user=users.district_x,
            task_path="candidates.tasks.rebuild_facts",
            title="t",
            status="running",
            attempts=attempts,
            started_at=long_ago,
        )
        if beat:
            TaskProgress.objects.using("progress").create(run_id=run.pk, beat_at=beat)
        return run

    dead_once, dead_twice, alive = running(1), running(2), running(1, beat=timezone.now())
    lost = TaskRun.objects.create(
        task_path="candidates.tasks.rebuild_facts", title="t", created_at=long_ago, backend_id=str(uuid.uuid4())
    )
    result = tasks.reap()
    assert (result.retried, result.failed, result.requeued_lost) == (1, 1, 1)
    for run in (dead_once, dead_twice, alive, lost):
        run.refresh_from_db()
    assert dead_once.status == "queued" and dead_once.step == tasks.RETRY_STEP
    assert dead_twice.status == "failed" and dead_twice.error == tasks.DIED_TWICE
    assert alive.status == "running"
    assert DBTaskResult.objects.filter(args_kwargs__args=[str(dead_once.pk)]).exists()
    assert DBTaskResult.objects.filter(args_kwargs__args=[str(lost.pk)]).exists()


@pytest.mark.django_db(databases=BOTH)
def test_runs_are_kept_for_seven_days(users, login):
    old = TaskRun.objects.create(
        user=users.district_x,
        task_path="x",
        title="cũ",
        status="done",
        created_at=timezone.now() - datetime.timedelta(days=8),
    )
    recent = TaskRun.objects.create(user=users.district_x, task_path="x", title="mới", status="done")
    assert list(tasks.visible_runs(users.district_x)) == [recent]
    assert login(users.district_x).get(f"/tasks/{old.pk}/").status_code == 404
    assert tasks.purge_runs() == 1 and not TaskRun.objects.filter(pk=old.pk).exists()


@pytest.mark.django_db
def test_scheduled_tasks_are_queued_once_by_the_command(capsys):
    from django.core.management import call_command

    call_command("enqueue", "digests")
    call_command("enqueue", "digests")
    (run,) = TaskRun.objects.all()
    assert run.task_path == "candidates.tasks.send_digests" and run.user is None and run.status == "queued"


@pytest.mark.django_db(transaction=True, databases=BOTH)
@pytest.mark.parametrize(
    "url",
    [
        "/dashboard/T.X/?format=xlsx",
        "/reports/T.X/new-members/?format=xlsx&year=2019",
        "/candidates/export/T.X.xlsx",
        "/documents/statistics/T.X/new-members.xlsx?year=2019",
        "/documents/statistics/T.X/admissions.xlsx?year=2019",
        "/quotas/template?year=2024",
    ],
)
def test_every_whole_scope_export_is_the_inline_file_when_a_worker_writes_it(settings, users, tree, login, url):
    official(cell=tree.CXA, full_name="Đinh Văn Xuất", admitted=datetime.date(2019, 3, 2))
    client = login(users.district_x)
    inline = client.get(url)
    assert inline.status_code == 200, inline.status_code
    settings.TASKS_EXPORT_INLINE_MAX_ORGS = 0
    run = _run_of(client.get(url))
    assert export_view.call(str(run.pk)) == "done"
    downloaded = client.get(f"/tasks/{run.pk}/file/")
    assert _cells(b"".join(downloaded.streaming_content)) == _cells(inline.content)
    assert TaskRun.objects.get(pk=run.pk).result_name.endswith(".xlsx")
