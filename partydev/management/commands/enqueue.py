"""``python manage.py enqueue digests|nightly``: queue the scheduled tasks of that name
(``settings.TASKS_SCHEDULED``; README "Scheduling" gives the cron and systemd lines). A task of
the schedule still queued or running from the last time is not queued twice."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.module_loading import import_string

from partydev.tasks import start


class Command(BaseCommand):
    help = "Xếp hàng các việc nền theo lịch (digests: thư nhắc việc; nightly: việc hằng đêm)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="tên lịch: " + ", ".join(getattr(settings, "TASKS_SCHEDULED", {})))

    def handle(self, *args: Any, name: str, **options: Any) -> None:
        paths = getattr(settings, "TASKS_SCHEDULED", {}).get(name)
        if not paths:
            raise CommandError(f"Không có lịch «{name}» (TASKS_SCHEDULED).")
        for path in paths:
            run = start(import_string(path), dedupe_key=f"scheduled:{path}")
            self.stdout.write(
                f"{timezone.localtime():%d/%m/%Y %H:%M} {run.title}: {run.get_status_display()} ({run.pk})"
            )
