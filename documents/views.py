"""Thin views of the papers: fetch through the scoped selectors (out of scope is 404), call a
service, answer. Who may issue and what a paper holds live in ``permissions``, ``kinds`` and
``services``."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from candidates.models import Candidate
from organizations.models import Organization
from partydev.audit import AuditEvent, record
from partydev.excel import xlsx_response
from partydev.export_tasks import export_later
from reports.periods import Period, PeriodError, period_from_params

from . import kinds, pdf, selectors, services, statistics
from .forms import IssueForm, TemplateUploadForm
from .models import TemplateOverride
from .permissions import may_change_templates, may_issue
from .render import current_template

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _file(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    disposition = content_disposition_header(True, filename)
    assert disposition is not None  # None only for an inline file without a name
    response["Content-Disposition"] = disposition
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _messages(e: ValidationError) -> str:
    return " ".join(e.messages)


@login_required
@require_POST
def issue(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Issue (or correct) one paper of a candidate, then send it."""
    candidate = get_object_or_404(Candidate.objects.for_user(request.user), pk=pk)
    if kind not in kinds.CANDIDATE_KINDS:
        raise Http404
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Hãy nhập họ tên người ký văn bản.")
        return redirect("candidates:detail", pk=candidate.pk)
    typed_before = candidate.decision_number
    try:
        doc = services.document_issue(
            kind_key=kind, candidate_pk=candidate.pk, user=request.user, request=request, **form.cleaned_data
        )
    except Candidate.DoesNotExist:
        raise Http404 from None
    except ValidationError as e:
        messages.error(request, _messages(e))
        return redirect("candidates:detail", pk=candidate.pk)
    messages.success(request, f"Đã ban hành {doc.form} {doc.number_symbol}.".replace("  ", " "))
    note = services.decision_number_note(doc, typed_before)
    if note:
        messages.info(request, note)
    return redirect("candidates:detail", pk=candidate.pk)


@login_required
def download(request: HttpRequest, pk: int, fmt: str = "docx") -> HttpResponse:
    doc = get_object_or_404(selectors.documents_for_user(request.user), pk=pk)
    if fmt == "pdf":
        if pdf.converter() is None:
            messages.error(request, "Máy chủ chưa cài LibreOffice nên chưa xuất được PDF; hãy tải tệp .docx.")
            return redirect("candidates:detail", pk=doc.candidate_id) if doc.candidate_id else redirect("home")
        try:
            content, content_type = pdf.docx_to_pdf(bytes(doc.content)), "application/pdf"
        except (OSError, pdf.subprocess.SubprocessError):
            messages.error(request, "LibreOffice không chuyển được văn bản sang PDF; hãy tải tệp .docx.")
            return redirect("candidates:detail", pk=doc.candidate_id) if doc.candidate_id else redirect("home")
    else:
        content, content_type = bytes(doc.content), DOCX
    services.document_downloaded(doc, request.user, request=request, fmt=fmt)
    return _file(content, doc.filename.replace(".docx", f".{fmt}"), content_type)


@login_required
def download_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    return download(request, pk, fmt="pdf")


@login_required
def register(request: HttpRequest, code: str) -> HttpResponse:
    issuer = get_object_or_404(Organization.objects.for_user(request.user), code=code)
    years = selectors.register_years(issuer)
    try:
        year = int(request.GET.get("year") or (years[0] if years else timezone.localdate().year))
    except ValueError:
        year = timezone.localdate().year
    return render(
        request,
        "documents/register.html",
        {"issuer": issuer, "year": year, "years": years, "documents": selectors.register(issuer, year)},
    )


@login_required
def cultivation_list(request: HttpRequest, code: str) -> HttpResponse:
    """GET: the form; POST: issue the cell's cultivation list and send it."""
    cell = get_object_or_404(Organization.objects.for_user(request.user), code=code)
    form = IssueForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                doc = services.cultivation_list_issue(
                    cell=cell,
                    user=request.user,
                    signer_name=data["signer_name"],
                    signer_position=data["signer_position"],
                    document_date=data["document_date"],
                    request=request,
                )
            except ValidationError as e:
                form.add_error(None, e.messages)
            else:
                services.document_downloaded(doc, request.user, request=request)
                return _file(bytes(doc.content), doc.filename, DOCX)
        status = 400
    elif not may_issue(request.user, kinds.CULTIVATION_LIST, cell):
        raise PermissionDenied
    lists = selectors.documents_for_user(request.user).filter(kind=kinds.CULTIVATION_LIST.key, cell=cell)
    return render(
        request,
        "documents/cultivation_list.html",
        {"cell": cell, "form": form, "lists": lists.defer("content").order_by("-id")[:20]},
        status=status,
    )


@login_required
def templates_page(request: HttpRequest) -> HttpResponse:
    """The provincial office's page: each template, its placeholders; upload a replacement."""
    if not may_change_templates(request.user):
        raise PermissionDenied
    form = TemplateUploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                services.template_upload(
                    kind_key=form.cleaned_data["kind"],
                    data=upload.read(),
                    filename=upload.name,
                    user=request.user,
                    request=request,
                )
            except ValidationError as e:
                form.add_error(None, e.messages)
            else:
                messages.success(request, "Đã thay mẫu văn bản.")
                return redirect("documents:templates")
        status = 400
    active = {o.kind: o for o in TemplateOverride.objects.filter(active=True).defer("content").order_by("id")}
    rows = [
        {
            "kind": kind,
            "override": active.get(key),
            "placeholders": sorted(kinds.placeholders_of(kind).items()),
            "required": kinds.required_placeholders(kind),
        }
        for key, kind in kinds.ALL_KINDS.items()
    ]
    return render(request, "documents/templates.html", {"rows": rows, "form": form}, status=status)


@login_required
def template_file(request: HttpRequest, kind: str) -> HttpResponse:
    """The template in use (the office's, or the default) as a .docx to edit."""
    if not may_change_templates(request.user):
        raise PermissionDenied
    doc_kind = kinds.ALL_KINDS.get(kind)
    if doc_kind is None:
        raise Http404
    data, _ = current_template(doc_kind)
    return _file(data, f"mau-{doc_kind.key}.docx", DOCX)


@login_required
@require_POST
def template_revert(request: HttpRequest, kind: str) -> HttpResponse:
    try:
        services.template_revert(kind_key=kind, user=request.user, request=request)
    except ValidationError as e:
        messages.error(request, _messages(e))
    else:
        messages.success(request, "Đã dùng lại mẫu mặc định.")
    return redirect("documents:templates")


def _stat_org(request: HttpRequest, code: str) -> Organization:
    return get_object_or_404(Organization.objects.for_user(request.user), code=code)


def _stat_later(request: HttpRequest, org: Organization) -> HttpResponse | None:
    """A whole district's or province's form is written by a worker (partydev.export_tasks)."""
    return export_later(
        request, size=type(org).objects.get_descendant_count(org), unit="orgs", title=f"Xuất biểu thống kê — {org.name}"
    )


@login_required
def statistics_new_members(request: HttpRequest, code: str) -> HttpResponse:
    """?from=&to= (or ?year=): the new members of the period in the basic statistics layout."""
    org = _stat_org(request, code)
    if later := _stat_later(request, org):
        return later
    try:
        period = period_from_params(request.GET, Period.year(timezone.localdate().year))
    except PeriodError as e:
        return HttpResponseBadRequest(str(e), content_type="text/plain; charset=utf-8")
    content, filename = statistics.new_members_form(org, period, request.user)
    record(AuditEvent.Kind.STATISTICS_DOWNLOADED, request, form="new-members", org=org.code, period=period.label)
    return xlsx_response(content, filename)


@login_required
def statistics_admissions(request: HttpRequest, code: str) -> HttpResponse:
    """?year=&part=q1|q2|q3|q4|h1|h2|year: admissions against the year's quota."""
    org = _stat_org(request, code)
    if later := _stat_later(request, org):
        return later
    try:
        year = int(request.GET.get("year") or timezone.localdate().year)
        content, filename = statistics.admissions_form(org, year, request.GET.get("part") or "year")
    except (ValueError, PeriodError) as e:
        message = str(e) if isinstance(e, PeriodError) else "Năm báo cáo phải là một số, ví dụ 2026."
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
    record(AuditEvent.Kind.STATISTICS_DOWNLOADED, request, form="admissions", org=org.code, year=year)
    return xlsx_response(content, filename)
