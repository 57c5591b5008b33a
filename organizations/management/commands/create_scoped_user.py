import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from organizations.models import Organization, Role


class Command(BaseCommand):
    help = "Tạo (hoặc cập nhật) một tài khoản gắn với một tổ chức và một vai trò."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--role", required=True, help="|".join(Role.Kind.values))
        parser.add_argument("--org", required=True, help="mã tổ chức")
        parser.add_argument("--password")

    def handle(self, username: str, role: str, org: str, password: str | None = None, **options: object) -> None:
        if role not in Role.Kind.values:
            raise CommandError(f"Vai trò không hợp lệ: {role!r}. Chọn một trong: {', '.join(Role.Kind.values)}.")
        organization = Organization.objects.filter(code=org).first()
        if organization is None:
            raise CommandError(f"Không có tổ chức mã {org!r}.")
        if password is None:
            password = getpass.getpass("Mật khẩu: ")
            if password != getpass.getpass("Nhập lại mật khẩu: "):
                raise CommandError("Hai lần nhập mật khẩu không khớp.")
        User = get_user_model()
        try:
            validate_password(password, User(username=username))
        except ValidationError as exc:
            raise CommandError("Mật khẩu không đạt: " + " ".join(exc.messages)) from exc
        with transaction.atomic():
            user, _ = User.objects.get_or_create(username=username)
            user.set_password(password)
            user.is_staff = role == Role.Kind.ADMIN
            user.is_superuser = role == Role.Kind.ADMIN
            user.save()
            Role.objects.get_or_create(user=user, organization=organization, kind=role)
        self.stdout.write(
            f"Đã tạo tài khoản {username}: {Role.Kind(role).label}, {organization.name} ({organization.code})."
        )
