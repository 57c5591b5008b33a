"""The candidates floor's background tasks (``partydev.tasks``): the e-mailed digests and the
rebuild of the facts, each the management command of the same name run by a worker (queued by
``python manage.py enqueue digests|nightly``, see README "Scheduling")."""

import io
from typing import Any

from django.core.management import call_command

from partydev.models import TaskRun
from partydev.tasks import Outcome, background, report


def _command(name: str, step: str, **options: Any) -> Outcome:
    report(5, step)
    out = io.StringIO()
    call_command(name, stdout=out, **options)
    return Outcome(summary=out.getvalue().strip()[:2000])


@background(title="Gửi thư nhắc việc quá hạn")
def send_digests(run: TaskRun, *, dry_run: bool = False) -> Outcome:
    return _command("send_digests", "Đang soạn và gửi thư nhắc việc", dry_run=dry_run)


@background(title="Tính lại số liệu tổng hợp")
def rebuild_facts(run: TaskRun, *, org: str = "", dry_run: bool = False) -> Outcome:
    return _command("rebuild_facts", "Đang tính lại số liệu tổng hợp từ các sự kiện", org=org, dry_run=dry_run)
