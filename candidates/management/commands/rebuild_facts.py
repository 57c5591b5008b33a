"""``python manage.py rebuild_facts [--org CODE] [--dry-run]``: recompute the facts the reports read
from the events (members.facts, candidates.facts) and the heirs scope reads from the successions
(organizations.heirs, whatever ``--org``) and say what changed. On a healthy database
nothing changes; after a change made around the services (raw SQL, a restore) the facts of the
organisations concerned are repaired. Here, on the candidates floor, because it knows both apps."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from candidates import facts as candidate_facts
from members import facts as member_facts
from organizations import ancestry, heirs
from organizations.models import Organization


class Command(BaseCommand):
    help = "Tính lại các bảng số liệu tổng hợp từ các sự kiện; cho biết đã sửa gì."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", default="", help="chỉ tính lại cho tổ chức này và các tổ chức trực thuộc (mã)")
        parser.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không ghi")

    def handle(self, org: str, dry_run: bool, **options: Any) -> None:
        node = None
        if org:
            node = Organization.objects.filter(code=org.strip()).first()
            if node is None:
                raise CommandError(f"Không có tổ chức đảng mã «{org}».")
        with transaction.atomic():
            changed = {**member_facts.rebuild(node, dry_run=dry_run), **candidate_facts.rebuild(node, dry_run=dry_run)}
            # Scope's table of where succeeded organisations' work lies: small, rebuilt whole.
            wrong_heirs = heirs.rebuild(dry_run=dry_run)
            if wrong_heirs:
                changed["organisation heirs"] = wrong_heirs
        problems = ancestry.current_problems()
        for problem in problems:
            self.stdout.write(f"Cây tổ chức theo ngày: {problem}")
        if not changed:
            self.stdout.write("Không có gì thay đổi: số liệu tổng hợp khớp với các sự kiện.")
            return
        verb = "sai (chưa sửa, --dry-run)" if dry_run else "đã sửa"
        for what, n in changed.items():
            self.stdout.write(f"{what}: {n} {verb}")
