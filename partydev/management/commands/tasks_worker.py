"""``python manage.py tasks_worker``: one worker for the configured backend (README "Background
tasks"). Runs the reaper first (runs a dead worker left running: queued again once, then
failed) and every ``TASKS_REAP_SECONDS`` beside the work, then hands over to the backend's own
worker: ``db_worker`` (django-tasks-db) or ``rqworker`` (django-rq, with django-tasks-rq's job
class). Start as many as needed, on as many machines, against the same database (and Redis)."""

import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connections

from partydev.tasks import reap


def _reap_forever(stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        try:
            reap()
        except Exception:  # the database is away for a moment: try again next time
            import logging

            logging.getLogger("partydev.tasks").exception("reaper")
        finally:
            connections.close_all()


class Command(BaseCommand):
    help = "Chạy một tiến trình xử lý việc nền (kèm dọn việc bị bỏ dở do tiến trình trước bị dừng)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reload", action="store_true", help="khởi động lại khi mã nguồn thay đổi (khi phát triển)"
        )
        parser.add_argument(
            "--interval", type=float, default=0.5, help="giây chờ giữa hai lần tìm việc (cơ sở dữ liệu)"
        )
        parser.add_argument("--no-reaper", action="store_true", help="không dọn việc bị bỏ dở trong tiến trình này")

    def handle(
        self,
        *args: Any,
        reload: bool = False,
        interval: float = 0.5,
        no_reaper: bool = False,
        verbosity: int = 1,
        **options: Any,
    ) -> None:
        stop = threading.Event()
        if not no_reaper:
            result = reap()
            if result.retried or result.failed or result.requeued_lost:
                self.stdout.write(
                    f"Việc bị bỏ dở: {result.retried} chạy lại, {result.failed} không thành công, "
                    f"{result.requeued_lost} xếp hàng lại."
                )
            threading.Thread(
                target=_reap_forever, args=(stop, settings.TASKS_REAP_SECONDS), name="reaper", daemon=True
            ).start()
        connections.close_all()  # a forking worker (RQ) must not share this process's connection
        try:
            if settings.TASKS_BACKEND == "rq":
                call_command(
                    "rqworker", "default", job_class="django_tasks_rq.Job", with_scheduler=False, verbosity=verbosity
                )
            else:
                call_command(
                    "db_worker",
                    queue_name="*",
                    interval=interval,
                    reload=reload,
                    startup_delay=False,
                    verbosity=verbosity,
                )
        finally:
            stop.set()
