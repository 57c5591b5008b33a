"""``python manage.py reap_tasks``: what ``tasks_worker`` does every ``TASKS_REAP_SECONDS``, once
(for cron, or after a crash of every worker): runs left running by a dead worker are queued
again once, then failed with their reason; runs older than ``TASKS_KEEP_DAYS`` are deleted."""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from partydev.tasks import reap


class Command(BaseCommand):
    help = "Dọn việc nền bị bỏ dở do tiến trình xử lý bị dừng; xóa việc cũ hơn 7 ngày."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dead-after", type=float, help="giây không có tín hiệu thì coi tiến trình đã dừng")

    def handle(self, *args: Any, dead_after: float | None = None, **options: Any) -> None:
        r = reap(dead_after=dead_after)
        self.stdout.write(
            f"Chạy lại {r.retried}, không thành công {r.failed}, xếp hàng lại {r.requeued_lost}, đã xóa {r.purged} việc cũ."
        )
