"""What the worker tests run in processes of their own (``python -c`` with the scratch database in
the environment): set-up, the test tasks a real worker executes, and reads of the database.

``main(name, json_args)`` prints one line ``RESULT <json>``."""

import io
import json
import os
import sys
import time
from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from members.imports import SPEC, MemberImporter
from partydev.tasks import Outcome, background, report


def _marker(name: str) -> Path:
    return Path(os.environ["PARTYDEV_TEST_MARKERS"]) / name


def _stall(name: str) -> None:
    """Say "I am here" (a file the test waits for), then wait to be killed."""
    _marker(name).write_text(str(os.getpid()))
    time.sleep(300)


class StallingMemberImporter(MemberImporter):
    """The members import, stopping for good once every row is written but before the commit."""

    def apply(self, items, upload):
        super().apply(items, upload)
        report(95, "Đã ghi hết các dòng, chưa kết thúc giao dịch")
        _stall("in-commit")


@background(title="Việc thử: chết lần đầu")
def dies_once(run, *, marker: str = "dies-once") -> Outcome:
    if run.attempts == 1:
        _stall(marker)
    return Outcome(summary=f"xong ở lần chạy thứ {run.attempts}")


@background(title="Việc thử: báo tiến độ")
def counts_slowly(run, *, steps: int = 5) -> Outcome:
    for i in range(steps):
        report(100 * i / steps, f"Bước {i + 1}/{steps}")
        time.sleep(0.2)
    return Outcome(content=b"noi dung", filename="ket-qua.txt", summary="đã đếm")


def members_sheet(cell_codes: list[str], n: int) -> bytes:
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Đảng viên")
    ws.append(["DANH SÁCH ĐẢNG VIÊN"])
    ws.append([])
    ws.append([label for _, label, _, _ in SPEC])
    for i in range(n):
        ws.append(
            [i + 1, f"Bùi Văn Thử {i}", "Nam", f"{1 + i % 28:02d}/03/1980", "Mường", "Không", f"0880{i:08d}"]
            + ["tỉnh Hòa Bình", "Trung học phổ thông", "Đại học", "Sơ cấp", "Nông dân", "Không"]
            + [cell_codes[i % len(cell_codes)], "Chính thức", "02/09/2010", f"{i}-QĐ/HU", None, None, None, None]
        )
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --- the steps the tests call ----------------------------------------------------------------


def previewed_upload(rows: int = 300) -> dict:
    """A district's members file of ``rows`` rows, stored and dry-run (previewed)."""
    from django.contrib.auth import get_user_model

    from organizations.models import CELL_KINDS, Organization
    from partydev.uploads import upload_dry_run, upload_store

    user = get_user_model().objects.get(username="district")
    city = Organization.objects.get(code="HB.TP")
    codes = list(
        Organization.objects.filter(path__startswith=city.path, kind__in=CELL_KINDS).values_list("code", flat=True)[:20]
    )
    upload = upload_store(
        file=SimpleUploadedFile("thu.xlsx", members_sheet(codes, rows)),
        importer_class=MemberImporter,
        user=user,
        scope=city,
    )
    result = upload_dry_run(upload, MemberImporter, user=user)
    assert not result.errors, result.errors[:3]
    return {"upload": upload.pk}


def start_commit(upload: int, importer: str = "tests.tasks.scenario.StallingMemberImporter", times: int = 1) -> dict:  # noqa: E501
    """Confirm the upload ``times`` times (a double click) through the flow's task."""
    from django.contrib.auth import get_user_model

    from partydev import tasks, upload_tasks

    user = get_user_model().objects.get(username="district")
    ids = [
        str(
            tasks.start(
                upload_tasks.upload_write,
                user=user,
                dedupe_key=f"upload-write:{upload}",
                upload_id=upload,
                importer=importer,
            ).pk
        )
        for _ in range(times)
    ]
    return {"runs": ids}


def start_task(path: str, kwargs: dict | None = None, again: bool = False) -> dict:
    """Start a task by its path; ``again``: the backend delivers the same run a second time."""
    from django.contrib.auth import get_user_model
    from django.utils.module_loading import import_string

    from partydev import tasks

    user = get_user_model().objects.get(username="district")
    run = tasks.start(import_string(path), user=user, **(kwargs or {}))
    if again:
        tasks._enqueue(run)
    return {"run": str(run.pk)}


def start_export(code: str = "HB") -> dict:
    """The province's register, asked for by the provincial office, through the view."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    client = Client()
    client.force_login(get_user_model().objects.get(username="province"))
    response = client.get("/members/export.xlsx", {"org": code})
    assert response.status_code == 302, response.status_code
    return {"run": response["Location"].rstrip("/").rsplit("/", 1)[-1]}


def state(run: str | None = None, upload: int | None = None) -> dict:
    from members.models import Person
    from partydev.models import TaskProgress, TaskRun, Upload

    out: dict = {"people": Person.objects.filter(full_name__startswith="Bùi Văn Thử").count()}
    if run:
        r = TaskRun.objects.get(pk=run)
        out["run"] = {
            "status": r.status,
            "attempts": r.attempts,
            "error": r.error,
            "summary": r.result_summary,
            "file": r.result_name,
            "size": r.result_file.size if r.result_file else 0,
        }
        p = TaskProgress.objects.using("progress").filter(run_id=run).first()
        out["progress"] = {"percent": p.percent, "step": p.step, "gap_ms": p.longest_gap_ms} if p else None
    if upload:
        u = Upload.objects.get(pk=upload)
        out["upload"] = {"status": u.status, "created": u.created}
    out["runs"] = TaskRun.objects.count()
    return out


def reap(dead_after: float = 0) -> dict:
    from partydev import tasks

    r = tasks.reap(dead_after=dead_after)
    return {"retried": r.retried, "failed": r.failed, "requeued_lost": r.requeued_lost}


def main(name: str, args: str) -> None:
    """Called after ``django.setup()`` (this module imports the apps)."""
    result = globals()[name](**json.loads(args or "{}"))
    sys.stdout.write("RESULT " + json.dumps(result, ensure_ascii=False, default=str) + "\n")
