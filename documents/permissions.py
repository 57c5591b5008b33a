"""Who may issue a paper and who may change the templates, in the words of the documents: both
are capabilities of ``organizations.permissions`` (a paper is issued by whoever records its step)."""

from __future__ import annotations

from typing import Any

from candidates import rules
from candidates.models import Candidate
from organizations import permissions
from organizations.models import Organization

from .kinds import DocKind


def may_issue(user: Any, kind: DocKind, cell: Organization, candidate: Candidate | None = None) -> bool:
    """The roles that act at the paper's step (``candidates.rules.STEP_CAPABILITY``)."""
    return rules.may_record_step(user, cell, kind.stage, candidate.decided_by if candidate is not None else None)


def may_change_templates(user: Any) -> bool:
    return permissions.may_edit_templates(user)
