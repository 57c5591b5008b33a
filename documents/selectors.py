"""Reads: the issued papers a user may see, the register of an issuer, the papers of a candidate."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from candidates.models import Candidate
from organizations.models import Organization

from . import kinds as k
from .models import IssuedDocument
from .permissions import may_issue


def documents_for_user(user: Any) -> QuerySet[IssuedDocument]:
    """Papers of candidates the user may see (the candidate's file), and cell lists of cells in scope."""
    return IssuedDocument.objects.filter(
        Q(candidate__in=Candidate.objects.for_user(user).values("id"))
        | Q(candidate__isnull=True, cell__in=Organization.objects.for_user(user).values("id"))
    )


def register(issuer: Organization, year: int) -> QuerySet[IssuedDocument]:
    """The issuer's outgoing papers of the year, in the order of their numbers."""
    return (
        IssuedDocument.objects.filter(issuer=issuer, year=year)
        .select_related("candidate__person", "issued_by", "replaces")
        .defer("content")
        .order_by("number", "id")
    )


def register_years(issuer: Organization) -> list[int]:
    return list(
        IssuedDocument.objects.filter(issuer=issuer).order_by("-year").values_list("year", flat=True).distinct()
    )


def candidate_papers(candidate: Candidate, user: Any) -> list[dict[str, Any]]:
    """Each paper of the steps the candidate has reached: the issued one in force (if any), its
    earlier versions, and whether this user may issue (or correct) it. One query."""
    issued: dict[str, list[IssuedDocument]] = {}
    for doc in IssuedDocument.objects.filter(candidate=candidate).defer("content").order_by("id"):
        issued.setdefault(doc.kind, []).append(doc)
    out = []
    for kind in k.available_kinds(candidate):
        versions = issued.get(kind.key, [])
        out.append(
            {
                "kind": kind,
                "current": versions[-1] if versions else None,
                "earlier": versions[:-1],
                "may_issue": may_issue(user, kind, candidate.cell, candidate),
                "asks_date": kind.date_field is None,
            }
        )
    return out
