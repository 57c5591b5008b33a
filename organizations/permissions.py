"""Who may do what to the tree. One function per capability, checked by the services."""

from django.core.exceptions import PermissionDenied

from .models import Organization, Role, role_kinds_over

RESTRUCTURING_ROLES = frozenset({Role.Kind.PROVINCE_OFFICE, Role.Kind.ADMIN})


def can_restructure(user, organization: Organization) -> bool:
    """Restructuring the tree (create, rename, move, merge, split, dissolve, change of kind) is the
    provincial office's work (the organisation department), or an administrator's, over their subtree."""
    if user is None or not user.is_authenticated:
        return False
    return bool(role_kinds_over(user, organization) & RESTRUCTURING_ROLES)


def check_can_restructure(user, organizations) -> None:
    """Raise PermissionDenied unless ``user`` may restructure every one of ``organizations``.
    ``user`` None: a command or the demo seed, outside a request."""
    if user is None:
        return
    for org in organizations:
        if not can_restructure(user, org):
            raise PermissionDenied(f"Chỉ Ban Tổ chức Tỉnh ủy hoặc quản trị hệ thống được sắp xếp «{org.name}».")
