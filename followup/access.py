"""Who may do what in the follow-up. Seeing follows ``for_user``; these decide the actions."""

from organizations.models import Role, role_kinds_over, user_roles

MANAGER_KINDS = {Role.Kind.DISTRICT_STAFF, Role.Kind.PROVINCE_OFFICE, Role.Kind.ADMIN}


def can_manage(user, organization) -> bool:
    """District staff manage the follow-up in their district, the provincial office at its level."""
    return bool(role_kinds_over(user, organization) & MANAGER_KINDS)


def can_rate(user, organization) -> bool:
    """A collective is rated by the committee above it: a manager's role on a strict ancestor."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(
        kind in MANAGER_KINDS and organization.path.startswith(path) and organization.path != path
        for path, kind in user_roles(user)
    )


def is_assignee(user, assignment) -> bool:
    return user.is_authenticated and assignment.committee_member.user_id == user.pk


def can_record_check(user, assignment) -> bool:
    """The assigned committee member records their own checks (an administrator may correct them)."""
    return is_assignee(user, assignment) or user.is_superuser
