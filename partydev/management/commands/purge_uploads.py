from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from partydev.uploads import uploads_purge


class Command(BaseCommand):
    help = (
        "Xóa các tệp tải lên không được ghi vào hệ thống (bị từ chối, hoặc xem trước rồi bỏ dở) sau 24 giờ "
        "(UPLOAD_KEEP_UNCOMMITTED_HOURS); giữ các tệp đã ghi. Chạy định kỳ, ví dụ mỗi giờ."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=int, help="xóa những tệp cũ hơn số giờ này (mặc định 24)")
        parser.add_argument("--dry-run", action="store_true", help="chỉ đếm, không xóa gì")

    def handle(self, *args: Any, hours: int | None = None, dry_run: bool = False, **options: Any) -> None:
        result = uploads_purge(hours=hours, dry_run=dry_run)
        size = f"{result.bytes / 1048576:.1f}".replace(".", ",")
        verb = "Sẽ xóa" if dry_run else "Đã xóa"
        self.stdout.write(
            f"{verb} {result.uploads} lần tải lên không được ghi và {result.files} tệp ({size} MB); "
            f"giữ {result.kept} lần tải lên đã ghi."
        )
