"""E-mail each scoped user the overdue items of the admission pipeline in their scope."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.core.management.base import BaseCommand
from django.utils import timezone

from candidates.selectors import overdue_for_user


def digest_text(user, items, today) -> str:
    lines = [f"Chào {user.get_full_name() or user.get_username()},", "",
             f"Ngày {today:%d/%m/%Y}, trong phạm vi của bạn có {len(items)} việc kết nạp đảng viên đã quá hạn:", ""]
    current = None
    for c in items:
        if c.cell_id != current:
            current = c.cell_id
            lines.append(f"{c.cell.name} ({c.cell.code})")
        lines.append(f"  - {c.person.full_name}: {c.get_due_kind_display()} {c.next_due:%d/%m/%Y}, "
                     f"quá hạn {(today - c.next_due).days} ngày")
    lines += ["", "Xem và ghi nhận tại trang Việc cần làm của hệ thống Phát triển đảng viên."]
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Gửi thư nhắc việc quá hạn (quy trình kết nạp) cho từng người dùng theo phạm vi của họ."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="chỉ đếm, không gửi")

    def handle(self, dry_run, **options):
        today = timezone.localdate()
        users = get_user_model().objects.filter(is_active=True, roles__isnull=False).exclude(email="").distinct().order_by("username")
        messages = []
        for user in users:
            items = overdue_for_user(user, today)
            if items:
                subject = f"[Phát triển đảng viên] {len(items)} việc kết nạp quá hạn"
                messages.append((subject, digest_text(user, items, today), settings.DEFAULT_FROM_EMAIL, [user.email]))
        if not dry_run:
            send_mass_mail(messages, fail_silently=False)
        self.stdout.write(f"Đã {'chuẩn bị' if dry_run else 'gửi'} {len(messages)} thư nhắc việc quá hạn.")
