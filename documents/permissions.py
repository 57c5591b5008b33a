"""Who may issue a paper and who may change the templates: the one place that decides."""

from __future__ import annotations

from candidates import rules
from candidates.models import Candidate
from organizations.models import Organization, Role, role_kinds_over, user_roles

from .kinds import DocKind

TEMPLATE_ROLES = frozenset({Role.Kind.PROVINCE_OFFICE, Role.Kind.ADMIN})


def issuing_roles(kind: DocKind, candidate: Candidate | None) -> frozenset:
    """The roles that act at the paper's step (candidates.rules decides who records each step)."""
    return rules.step_roles(kind.stage, candidate.decided_by if candidate is not None else None)


def may_issue(user, kind: DocKind, cell: Organization, candidate: Candidate | None = None) -> bool:
    return bool(role_kinds_over(user, cell) & issuing_roles(kind, candidate))


def may_change_templates(user) -> bool:
    return user.is_authenticated and (user.is_superuser or any(kind in TEMPLATE_ROLES for _, kind in user_roles(user)))
