"""E-mail each scoped user the overdue items of the admission pipeline in their scope.

Other parts of the product may add their own section to the same e-mail without this app
importing them (the floors above import the ones below, never the reverse): list callables in
``settings.DIGEST_SECTIONS`` as dotted paths. Each is called with the user and returns an object
that is false when there is nothing to say and has ``title`` (optional) and ``lines()``.
"""

import datetime
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mass_mail
from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone
from django.utils.module_loading import import_string

from candidates.models import Candidate
from candidates.selectors import overdue_for_user


class Section(Protocol):
    """What a ``DIGEST_SECTIONS`` callable returns: false when there is nothing to say, its
    ``lines()`` otherwise (and an optional ``title``, read with ``getattr``)."""

    def __bool__(self) -> bool: ...
    def lines(self) -> list[str]: ...


def pipeline_lines(items: Sequence[Candidate], today: datetime.date) -> list[str]:
    lines = [f"Quy trình kết nạp: {len(items)} việc đã quá hạn", ""]
    current: int | None = None
    for c in items:
        if c.cell_id != current:
            current = c.cell_id
            lines.append(f"{c.cell.name} ({c.cell.code})")
        assert c.next_due is not None  # overdue: a deadline before today (overdue_for_user)
        lines.append(
            f"  - {c.person.full_name}: {c.get_due_kind_display()} {c.next_due:%d/%m/%Y}, "
            f"quá hạn {(today - c.next_due).days} ngày"
        )
    return lines


def digest_text(user: Any, items: Sequence[Candidate], sections: Sequence[Section], today: datetime.date) -> str:
    lines = [
        f"Chào {user.get_full_name() or user.get_username()},",
        "",
        f"Những việc cần làm trong phạm vi của bạn, ngày {today:%d/%m/%Y}:",
        "",
    ]
    if items:
        lines += pipeline_lines(items, today) + [""]
    for section in sections:
        title = getattr(section, "title", "")
        if title:
            lines.append(title)
        lines += [f"  - {line}" for line in section.lines()] + [""]
    lines.append("Xem và ghi nhận tại trang Việc cần làm của hệ thống Phát triển đảng viên.")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Gửi thư nhắc việc quá hạn (quy trình kết nạp) cho từng người dùng theo phạm vi của họ."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="chỉ đếm, không gửi")

    def handle(self, dry_run: bool, **options: Any) -> None:
        today = timezone.localdate()
        hooks: list[Callable[[Any], Section]] = [
            import_string(path) for path in getattr(settings, "DIGEST_SECTIONS", ())
        ]
        users = (
            get_user_model()
            .objects.filter(is_active=True, roles__isnull=False)
            .exclude(email="")
            .distinct()
            .order_by("username")
        )
        messages = []
        for user in users:
            items = overdue_for_user(user, today)
            sections = [s for s in (hook(user) for hook in hooks) if s]
            if items or sections:
                subject = (
                    f"[Phát triển đảng viên] {len(items)} việc kết nạp quá hạn"
                    if items
                    else "[Phát triển đảng viên] Việc cần làm"
                )
                messages.append(
                    (subject, digest_text(user, items, sections, today), settings.DEFAULT_FROM_EMAIL, [user.email])
                )
        if not dry_run:
            send_mass_mail(messages, fail_silently=False)
        self.stdout.write(f"Đã {'chuẩn bị' if dry_run else 'gửi'} {len(messages)} thư nhắc việc.")
