"""Issuing papers (a number from the issuer's register, the file stored as issued), correcting
them, and the provincial office's templates. Every issue, correction, download and template
change is written to the audit trail (``partydev.audit``)."""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.http import HttpRequest

from candidates import rules
from candidates.models import Candidate, Stage
from candidates.services import candidate_renumber_decision
from organizations.models import Organization
from partydev.audit import AuditEvent, record
from partydev.text import canonical_text

from . import kinds as k
from .guard import check_docx
from .models import IssuedDocument, RegisterCounter, TemplateOverride
from .permissions import may_change_templates, may_issue
from .render import check_placeholders, current_template, render, sha256, try_template

ISSUED = AuditEvent.Kind.DOCUMENT_ISSUED
DOWNLOADED = AuditEvent.Kind.DOCUMENT_DOWNLOADED
TEMPLATE_CHANGED = AuditEvent.Kind.DOCUMENT_TEMPLATE_CHANGED


def _next_number(issuer: Organization, year: int) -> int:
    """The next number of the issuer's register for the year: the counter row is locked until the
    transaction ends, so two issues at the same moment never get the same number."""
    RegisterCounter.objects.bulk_create([RegisterCounter(issuer=issuer, year=year)], ignore_conflicts=True)
    RegisterCounter.objects.filter(issuer=issuer, year=year).update(last_number=F("last_number") + 1)
    return RegisterCounter.objects.select_for_update().get(issuer=issuer, year=year).last_number


def _signer(kind: k.DocKind, signer_name: str, signer_position: str) -> dict:
    name = canonical_text(signer_name or "").strip()
    if not name:
        raise ValidationError({"signer_name": "Hãy nhập họ tên người ký văn bản."})
    position = signer_position if signer_position in k.POSITIONS else k.POSITIONS[0]
    return {"signer_title": k.SIGNERS[kind.signer], "signer_position": position, "signer_name": name}


def _issue(
    *,
    kind: k.DocKind,
    user: Any,
    issuer: Organization,
    cell: Organization,
    candidate: Candidate | None,
    document_date: datetime.date,
    facts: dict,
    signer: dict,
    replaces: IssuedDocument | None,
    reason: str,
    request: HttpRequest | None = None,
) -> IssuedDocument:
    template, override = current_template(kind)
    check_placeholders(kind, template)
    issuer_name = k.name_on(issuer, document_date)
    superior = Organization.objects.get_parent(issuer) if issuer.depth > 1 else None
    guidance = k.guidance_on(document_date)
    number = _next_number(issuer, document_date.year) if kind.numbered else None
    symbol = f"{kind.doc_type}/{k.ISSUER_ABBREVIATIONS.get(issuer.kind, 'ĐU')}" if kind.numbered else ""
    context = {
        "superior_name": k.name_on(superior, document_date) if superior else "",
        "issuer_name": issuer_name,
        "number_symbol": f"{number}-{symbol}" if number else "",
        "place": k.place_of(rules.grassroots_of(cell) or issuer) if issuer.depth > 1 else k.place_of(issuer),
        "date_words": k.date_words(document_date),
        "title": kind.title,
        "guidance": f"Hướng dẫn số {guidance}",
        "cell_name": k.name_on(cell, document_date),
        "replaces": f"văn bản số {replaces.number_symbol or replaces.pk} ngày {k.d(replaces.document_date)}"
        if replaces
        else "",
        **signer,
        **facts,
    }
    content = render(kind, template, context)
    doc = IssuedDocument.objects.create(
        kind=kind.key,
        form=kind.form,
        issuer=issuer,
        issuer_name=issuer_name,
        year=document_date.year,
        number=number,
        symbol=symbol,
        document_date=document_date,
        candidate=candidate,
        cell=cell,
        title=kind.title,
        regulation=guidance,
        template_sha256=sha256(template),
        content=content,
        sha256=sha256(content),
        replaces=replaces,
        correction_reason=reason,
        issued_by=user,
    )
    record(
        ISSUED,
        request,
        user=user,
        document=doc.pk,
        document_kind=kind.key,
        number=doc.number_symbol,
        issuer=issuer.code,
        candidate=candidate.pk if candidate else None,
        replaces=replaces.pk if replaces else None,
        template="office" if override else "default",
    )
    return doc


def current_document(candidate: Candidate, kind_key: str) -> IssuedDocument | None:
    """The paper of this kind in force for the candidate (the last of its corrections)."""
    return (
        IssuedDocument.objects.filter(candidate=candidate, kind=kind_key, replaced_by__isnull=True)
        .order_by("-id")
        .first()
    )


@transaction.atomic
def document_issue(
    *,
    kind_key: str,
    candidate_pk: int,
    user: Any,
    signer_name: str,
    signer_position: str = "",
    document_date: datetime.date | None = None,
    correction_of: int | None = None,
    correction_reason: str = "",
    request: HttpRequest | None = None,
) -> IssuedDocument:
    """Issue the paper ``kind_key`` of a candidate (or a correction of an issued one).

    Refused, with nothing issued: a candidate outside the user's scope (``Candidate.DoesNotExist``),
    a role that does not act at the step (``PermissionDenied``), a step not reached, missing facts,
    a paper already issued (re-print it, or correct it), a template that does not fit.
    """
    kind = k.CANDIDATE_KINDS.get(kind_key)
    if kind is None:
        raise ValidationError("Không có loại văn bản này.")
    # The candidate's row is locked: two issues of the same paper at once give one paper.
    candidate = (
        Candidate.objects.for_user(user)
        .select_for_update(of=("self",))
        .select_related(
            "person", "cell", "decided_by", "helper__person", "introducer_1__person", "introducer_2__person"
        )
        .get(pk=candidate_pk)
    )
    if not may_issue(user, kind, candidate.cell, candidate):
        raise PermissionDenied(f"Tài khoản này không có quyền ban hành {kind.form}.")
    k.check_ready(kind, candidate)
    existing = current_document(candidate, kind.key)
    replaces = None
    reason = canonical_text(correction_reason or "").strip()
    if correction_of is not None:
        if existing is None or existing.pk != correction_of:
            raise ValidationError("Chỉ đính chính được văn bản đang có hiệu lực (bản mới nhất).")
        if not reason:
            raise ValidationError({"correction_reason": "Hãy ghi lý do đính chính."})
        replaces = existing
    elif existing is not None:
        raise ValidationError(
            f"{kind.form} của {candidate.person.full_name} đã ban hành (số {existing.number_symbol or existing.pk}, "
            f"ngày {k.d(existing.document_date)}): hãy tải lại bản đã ban hành, hoặc đính chính."
        )
    issuer = k.issuer_for(kind, candidate, candidate.cell)
    if issuer is None:
        raise ValidationError(f"Chưa thể lập {kind.form}: chưa xác định được cấp ủy ban hành.")
    day = k.document_date_of(kind, candidate, document_date)
    doc = _issue(
        kind=kind,
        user=user,
        issuer=issuer,
        cell=candidate.cell,
        candidate=candidate,
        document_date=day,
        facts=k.candidate_facts(kind, candidate, user, day),
        signer=_signer(kind, signer_name, signer_position),
        replaces=replaces,
        reason=reason,
        request=request,
    )
    if kind.key == DECISION_KIND:
        renumbered = candidate_renumber_decision(candidate, doc.number_symbol, user=user, reason=_issued_as(doc))
        candidate.decision_number, candidate.version = renumbered.decision_number, renumbered.version
    return doc


# The admission decision has one number: the one the deciding body's register gives it when the
# paper is issued (issue 20: "a document gets the next number when it is issued"; README,
# "Documents"). The number typed at the decision step was written before the paper existed: once
# 9-KNĐ is issued here (or corrected), the candidate's ``decision_number`` becomes the register's,
# and so does the membership's ``admission_decision_number`` when the ceremony has already made
# one, so the candidate page, the member page and the later papers show the number the paper bears.
DECISION_KIND = "9-knd"


def _issued_as(doc: IssuedDocument) -> str:
    """The paper that gave the decision its number, as the records' history says it (short: the
    history's reason is a column of 100 characters)."""
    said = f"{doc.form} số {doc.number_symbol}"
    if doc.replaces is not None:  # the reason of the correction is the paper's own (the register)
        said += f", đính chính số {doc.replaces.number_symbol or doc.replaces.pk}"
    return said


def issued_decision_number(candidate: Candidate) -> str:
    """The number of the candidate's admission decision in force (its last correction), "" if
    none was issued here: what ``candidates.rules`` holds the decision step to when it is entered
    again after a return."""
    doc = current_document(candidate, DECISION_KIND)
    return doc.number_symbol if doc is not None else ""


def decision_number_note(doc: IssuedDocument, typed_before: str) -> str:
    """What the secretary is told when issuing 9-KNĐ replaced the number typed at the decision
    step (empty when nothing was replaced)."""
    typed = (typed_before or "").strip()
    if doc.kind != DECISION_KIND or not typed or typed == doc.number_symbol:
        return ""
    return (
        f"Số quyết định kết nạp ghi ở bước quyết định («{typed}») đã được thay bằng số của sổ đăng ký "
        f"văn bản ({doc.number_symbol}): một quyết định chỉ có một số."
    )


def cultivation_rows(cell: Organization, day: datetime.date) -> list[dict]:
    candidates = (
        Candidate.objects.filter(cell=cell, cultivation_date__isnull=False, cultivation_date__lte=day)
        .exclude(stage__in=[Stage.SOURCE, Stage.DROPPED, Stage.STRUCK_OFF, Stage.OFFICIAL])
        .exclude(stage__in=[Stage.PROBATIONARY, Stage.RECOGNITION_PROPOSED])
        .select_related("person", "helper__person")
        .order_by("cultivation_date", "person__full_name", "id")
    )
    return [
        {
            "no": i,
            "full_name": c.person.full_name,
            "date_of_birth": k.d(c.person.date_of_birth),
            "helper": c.helper.person.full_name if c.helper else "",
            "since": k.d(c.cultivation_date),
        }
        for i, c in enumerate(candidates, start=1)
    ]


@transaction.atomic
def cultivation_list_issue(
    *,
    cell: Organization,
    user: Any,
    signer_name: str,
    signer_position: str = "",
    document_date: datetime.date | None = None,
    request: HttpRequest | None = None,
) -> IssuedDocument:
    kind = k.CULTIVATION_LIST
    if not Organization.objects.for_user(user).filter(pk=cell.pk).exists():
        raise Organization.DoesNotExist
    if not k.is_cell(cell):
        raise ValidationError("Danh sách đối tượng bồi dưỡng lập cho một chi bộ.")
    if not may_issue(user, kind, cell):
        raise PermissionDenied("Tài khoản này không có quyền lập danh sách đối tượng bồi dưỡng.")
    if document_date is None:
        raise ValidationError({"document_date": "Hãy nhập ngày của danh sách."})
    rows = cultivation_rows(cell, document_date)
    if not rows:
        raise ValidationError(f"{cell.name} chưa có đối tượng bồi dưỡng nào đến ngày {k.d(document_date)}.")
    return _issue(
        kind=kind,
        user=user,
        issuer=cell,
        cell=cell,
        candidate=None,
        document_date=document_date,
        facts={"rows": rows},
        signer=_signer(kind, signer_name, signer_position),
        replaces=None,
        reason="",
        request=request,
    )


def document_downloaded(
    doc: IssuedDocument, user: Any, *, request: HttpRequest | None = None, fmt: str = "docx"
) -> None:
    record(
        DOWNLOADED, request, user=user, document=doc.pk, document_kind=doc.kind, number=doc.number_symbol, format=fmt
    )


# --- the office's templates ---------------------------------------------------------------------


@transaction.atomic
def template_upload(
    *, kind_key: str, data: bytes, filename: str, user: Any, request: HttpRequest | None = None
) -> TemplateOverride:
    if not may_change_templates(user):
        raise PermissionDenied("Chỉ Văn phòng, Ban Tổ chức Tỉnh ủy thay được mẫu văn bản.")
    kind = k.ALL_KINDS.get(kind_key)
    if kind is None:
        raise ValidationError("Không có loại văn bản này.")
    check_docx(data, filename)
    check_placeholders(kind, data)
    try_template(kind, data)
    TemplateOverride.objects.filter(kind=kind.key, active=True).update(active=False)
    override = TemplateOverride.objects.create(
        kind=kind.key, content=data, sha256=sha256(data), filename=filename[:255], uploaded_by=user
    )
    record(TEMPLATE_CHANGED, request, user=user, document_kind=kind.key, action="upload", sha256=override.sha256)
    return override


@transaction.atomic
def template_revert(*, kind_key: str, user: Any, request: HttpRequest | None = None) -> None:
    if not may_change_templates(user):
        raise PermissionDenied("Chỉ Văn phòng, Ban Tổ chức Tỉnh ủy thay được mẫu văn bản.")
    if kind_key not in k.ALL_KINDS:
        raise ValidationError("Không có loại văn bản này.")
    TemplateOverride.objects.filter(kind=kind_key, active=True).update(active=False)
    record(TEMPLATE_CHANGED, request, user=user, document_kind=kind_key, action="revert")
