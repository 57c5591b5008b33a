"""Recompute every stored deadline that counts working days under the calendar in force now
(the ``holidays`` package and the days the provincial office declared). Run after upgrading the
``holidays`` package; the calendar page runs it itself for the days it changes."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from candidates.calendar import recompute_deadlines


class Command(BaseCommand):
    help = "Tính lại thời hạn (ngày làm việc) đã lưu của các hồ sơ kết nạp theo lịch làm việc hiện hành."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--from", dest="since", help="chỉ các hạn từ ngày này (YYYY-MM-DD)")

    def handle(self, *args: Any, since: str | None = None, **options: Any) -> None:
        day = None
        if since:
            try:
                day = datetime.date.fromisoformat(since)
            except ValueError:
                raise CommandError(f"Ngày không hợp lệ: {since} (cần YYYY-MM-DD).") from None
        changed = recompute_deadlines(since=day)
        self.stdout.write(f"Đã tính lại: {changed} hồ sơ có thời hạn thay đổi.")
