"""Thin views of the pipeline: fetch through the scoped selectors (out of scope is 404), call a
service, render. Rules and checks live in ``rules`` and ``services``."""

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from organizations import permissions
from organizations.models import CELL_KINDS, GRASSROOTS_KINDS, Organization
from organizations.privacy import can_see_sensitive
from organizations.selectors import label_grassroots, user_roots, visible_uploads
from partydev import once
from partydev.excel import xlsx_response
from partydev.export_tasks import export_later
from partydev.forms import CanonicalForm, add_service_errors
from partydev.models import CalendarDay, Upload
from partydev.text import canonical_text
from partydev.upload_views import UploadFlow
from partydev.workdays import current_calendar

from . import calendar, rules, selectors, services
from .excel import pipeline_workbook
from .forms import CalendarDayForm, CandidateAddForm, CriterionForm, MoveForm, ReasonForm, ReturnForm, step_form_class
from .importers import CandidateBackfillImporter
from .importers import backfill_template as build_backfill_template
from .models import OPEN_STAGES, STEP_ACTS, Candidate, LocalCriterion, Stage


def _org_for_user(user: Any, code: str) -> Organization:
    return get_object_or_404(Organization.objects.for_user(user), code=code)


def _candidate_for_user(user: Any, pk: int, *, to_change: bool = False) -> Candidate:
    """The candidate for its page, or (``to_change``) for a write: its cell only. 404 out of scope."""
    try:
        if to_change:
            return selectors.get_candidate_to_change(user, pk)
        return selectors.get_candidate_for_user(user, pk)
    except Candidate.DoesNotExist:
        raise Http404("Không tìm thấy đối tượng trong phạm vi của bạn.") from None


def _default_org(user: Any) -> Organization | None:
    roots = list(user_roots(user)[:2])
    return roots[0] if len(roots) == 1 else None


@login_required
def worklist(request: HttpRequest) -> HttpResponse:
    """A cell secretary's home: overdue and due this month, grouped by cell."""
    code = request.GET.get("org", "").strip()
    org = _org_for_user(request.user, code) if code else None
    today = timezone.localdate()
    data = selectors.worklist(request.user, today, org)
    q = canonical_text(request.GET.get("q", ""))[:100]
    found = selectors.search_candidates(request.user, org, q) if q else []
    label_grassroots([cell for cell, _ in data.groups] + [c.cell for c in found])
    return render(
        request,
        "candidates/worklist.html",
        {
            "work": data,
            "q": q,
            "found": found[: selectors.SEARCH_LIMIT],
            "found_more": len(found) > selectors.SEARCH_LIMIT,
            "org": org,
            "today": today,
            "month_end": selectors.month_end(today),
            "board_org": org or _default_org(request.user),
        },
    )


@login_required
def board_home(request: HttpRequest) -> HttpResponse:
    org = _default_org(request.user)
    if org is None:
        return redirect("reports:browser")
    return redirect("candidates:board", code=org.code)


@login_required
def board(request: HttpRequest, code: str) -> HttpResponse:
    """The pipeline as columns by stage, with counts: constant queries whatever the size."""
    org = _org_for_user(request.user, code)
    grassroots = request.GET.get("grassroots", "").strip()
    if grassroots:  # the board of one grassroots organisation under this one
        return redirect("candidates:board", code=_org_for_user(request.user, grassroots).code)
    today = timezone.localdate()
    columns = selectors.board(org, request.user, today)
    q = canonical_text(request.GET.get("q", ""))[:100]
    found = selectors.search_candidates(request.user, org, q) if q else []
    label_grassroots([c.cell for c in found])
    return render(
        request,
        "candidates/board.html",
        {
            "q": q,
            "found": found[: selectors.SEARCH_LIMIT],
            "found_more": len(found) > selectors.SEARCH_LIMIT,
            "grassroots_choices": list(
                Organization.objects.subtree(org).filter(kind__in=GRASSROOTS_KINDS).exclude(pk=org.pk).order_by("name")
            )
            if org.depth < 4 and org.kind not in GRASSROOTS_KINDS
            else [],
            "board_go": reverse("candidates:board", args=["__code__"]).replace("__code__", "{code}"),
            "org": org,
            "columns": columns,
            "total": sum(c.count for c in columns),
            "today": today,
            "can_add": permissions.may_work_in_cell(request.user, org),
        },
    )


@login_required
def candidate_add(request: HttpRequest) -> HttpResponse:
    scope = Organization.objects.for_user(request.user)
    code = request.GET.get("org", "")
    if code:
        scope = scope.subtree(_org_for_user(request.user, code))
    cells = scope.filter(kind__in=CELL_KINDS).order_by("path")
    initial: dict[str, object] = {"effective_date": timezone.localdate()}
    first_two = list(cells[:2])
    if len(first_two) == 1:
        initial["cell"] = first_two[0]
    initial[once.FIELD] = once.new_token()
    form = CandidateAddForm(request.POST or None, cells=cells, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data

        def create() -> str:
            candidate = services.candidate_create(
                person_fields=form.person_fields(),
                cell=data["cell"],
                source_kind=data["source_kind"],
                effective_date=data["effective_date"],
                user=request.user,
                namesake_check=not data["confirm_namesake"],
            )
            return reverse("candidates:detail", args=[candidate.pk])

        try:
            url, replayed = once.run_once(request, create)
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            if replayed:
                messages.info(request, "Biểu mẫu này đã được ghi ở lần gửi trước; đây là hồ sơ đã ghi.")
            else:
                messages.success(request, f"Đã đưa {data['full_name']} vào nguồn.")
                for warning in form.warnings:
                    messages.warning(request, warning)
            return redirect(url)
    return render(request, "candidates/add.html", {"form": form})


def _detail_context(
    request: HttpRequest,
    candidate: Candidate,
    step_form: CanonicalForm | None = None,
    failures: list[rules.Failure] | None = None,
    can_override: bool = False,
) -> dict[str, Any]:
    today = timezone.localdate()
    stage = services.next_stage(candidate) if candidate.is_open else None
    can_step = False
    if stage:
        decided_by = rules.grassroots_of(candidate.cell) if stage == Stage.DECISION else None
        if decided_by is not None and not decided_by.can_decide_admission:
            decided_by = None
        can_step = rules.may_record_step(request.user, candidate.cell, stage, decided_by)
        if step_form is None and can_step:
            step_form = step_form_class(candidate, stage)(initial={"version": candidate.version, "stage": stage})
    failed_votes = candidate.failed_votes() if stage in rules.VOTE_RULES else []
    can_cell = permissions.may_work_in_cell(request.user, candidate.cell)
    open_before_admission = candidate.stage in OPEN_STAGES
    return {
        "failed_votes": failed_votes,
        "is_vote": stage in rules.VOTE_RULES,
        "report_upward": bool(failed_votes) and failed_votes[-1].data.get("report_upward", False),
        "c": candidate,
        "person": candidate.person,
        "next_stage": stage,
        "next_stage_label": STEP_ACTS[stage] if stage else "",
        "next_stage_state": Stage(stage).label if stage else "",
        "step_form": step_form,
        "can_step": can_step,
        "failures": failures or [],
        "can_override": can_override,
        "step_who": rules.STEP_CAPABILITY[stage].who if stage else "",
        "checklist": selectors.checklist(candidate),
        "criteria": selectors.local_criteria(candidate),
        "deadlines": selectors.deadlines(candidate, today),
        "history": selectors.history(candidate),
        "certificate_warning": rules.certificate_expiring(candidate, today),
        "can_cell": can_cell and open_before_admission,
        "drop_form": ReasonForm(initial={"version": candidate.version, "effective_date": today}, prefix="drop"),
        "return_form": ReturnForm(
            initial={"version": candidate.version, "effective_date": today}, candidate=candidate, prefix="ret"
        ),
        "can_strike_off": candidate.stage in (Stage.PROBATIONARY, Stage.RECOGNITION_PROPOSED)
        and rules.may_record_step(request.user, candidate.cell, Stage.STRUCK_OFF),
        "strike_form": ReasonForm(initial={"version": candidate.version, "effective_date": today}, prefix="strike"),
        "move_form": MoveForm(initial={"version": candidate.version, "effective_date": today}, prefix="move"),
        "criterion_form": CriterionForm(initial={"met_on": today}),
        "today": today,
        "sensitive": can_see_sensitive(request.user, candidate.cell),
    }


@login_required
def candidate_detail(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate_for_user(request.user, pk)
    return render(request, "candidates/detail.html", _detail_context(request, candidate))


@login_required
@require_POST
def candidate_step(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate_for_user(request.user, pk, to_change=True)
    stage = request.POST.get("stage", "")
    if stage not in services.STEP_FIELDS:
        raise Http404
    form = step_form_class(candidate, stage)(request.POST)
    failures: list[rules.Failure] = []
    can_override = False
    if form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("override_reason", "version", "stage")}
        if request.POST.get("vote_failed"):
            return _record_failed_vote(request, candidate, stage, form, data)
        try:
            services.candidate_advance(
                candidate.pk,
                stage,
                data=data,
                user=request.user,
                override_reason=form.cleaned_data["override_reason"],
                expected_version=form.cleaned_data["version"],
            )
        except services.RuleFailed as e:
            failures, can_override = e.failures, e.can_override
        except ValidationError as e:
            add_service_errors(form, e)
        else:
            messages.success(request, f"Đã ghi nhận: {Stage(stage).label}.")
            return redirect("candidates:detail", pk=candidate.pk)
    candidate = _candidate_for_user(request.user, pk)
    context = _detail_context(request, candidate, step_form=form, failures=failures, can_override=can_override)
    return render(request, "candidates/detail.html", context, status=400)


def _record_failed_vote(
    request: HttpRequest, candidate: Candidate, stage: str, form: CanonicalForm, data: dict[str, Any]
) -> HttpResponse:
    try:
        event = services.candidate_record_failed_vote(
            candidate.pk, stage, data=data, user=request.user, expected_version=form.cleaned_data["version"]
        )
    except ValidationError as e:
        add_service_errors(form, e)
        context = _detail_context(request, _candidate_for_user(request.user, candidate.pk), step_form=form)
        return render(request, "candidates/detail.html", context, status=400)
    message = f"Đã ghi nhận lần biểu quyết thứ {event.data['attempt']} chưa đạt 2/3."
    if event.data["report_upward"]:
        message += " Báo cáo cấp ủy cấp trên xem xét, quyết định."
    messages.warning(request, message)
    return redirect("candidates:detail", pk=candidate.pk)


def _simple_action(
    request: HttpRequest,
    target: Candidate,
    form_class: type[ReasonForm | MoveForm],
    prefix: str,
    service: Callable[..., Candidate],
    done_message: str,
    passed: tuple[str, ...] = (),
    **form_kwargs: Any,
) -> HttpResponse:
    """A dated action with a reason on one candidate, ``target`` (drop, return, strike off, move),
    read once by the view: the form's date, reason and version, and the fields named in
    ``passed``, go to ``service``. (Not ``candidate``: the return form takes that keyword.)"""
    form = form_class(request.POST, prefix=prefix, **form_kwargs)
    if form.is_valid():
        d = form.cleaned_data
        try:
            service(
                target.pk,
                effective_date=d["effective_date"],
                reason=d["reason"],
                user=request.user,
                expected_version=d["version"],
                **{name: d[name] for name in passed},
            )
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(request, done_message)
    else:
        # An ErrorList iterates as texts (the stubs say errors or texts): str() keeps them as they are.
        messages.error(
            request,
            " ".join(
                f"{form.fields[f].label if f in form.fields else ''}: {' '.join(map(str, v))}"
                for f, v in form.errors.items()
            ),
        )
    return redirect("candidates:detail", pk=target.pk)


@login_required
@require_POST
def candidate_drop(request: HttpRequest, pk: int) -> HttpResponse:
    return _simple_action(
        request,
        _candidate_for_user(request.user, pk, to_change=True),
        ReasonForm,
        "drop",
        services.candidate_drop,
        "Đã dừng theo dõi đối tượng.",
    )


@login_required
@require_POST
def candidate_return(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate_for_user(request.user, pk, to_change=True)
    return _simple_action(
        request,
        candidate,
        ReturnForm,
        "ret",
        services.candidate_return,
        "Đã trả về giai đoạn trước.",
        passed=("to_stage",),
        candidate=candidate,
    )


@login_required
@require_POST
def candidate_strike_off(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate_for_user(request.user, pk, to_change=True)
    # In scope, but only the deciding committee strikes off: 403 before the form is read.
    permissions.require(request.user, rules.STEP_CAPABILITY[Stage.STRUCK_OFF], candidate.cell)
    return _simple_action(
        request,
        candidate,
        ReasonForm,
        "strike",
        services.candidate_strike_off,
        "Đã xóa tên đảng viên dự bị (không công nhận chính thức).",
    )


@login_required
@require_POST
def candidate_move(request: HttpRequest, pk: int) -> HttpResponse:
    cells = Organization.objects.for_user(request.user).filter(kind__in=CELL_KINDS)
    return _simple_action(
        request,
        _candidate_for_user(request.user, pk, to_change=True),
        MoveForm,
        "move",
        services.candidate_move,
        "Đã chuyển chi bộ.",
        passed=("to_cell",),
        cells=cells,
    )


@login_required
@require_POST
def criterion_check(request: HttpRequest, pk: int) -> HttpResponse:
    candidate = _candidate_for_user(request.user, pk, to_change=True)
    form = CriterionForm(request.POST)
    if form.is_valid():
        criterion = get_object_or_404(
            LocalCriterion, pk=form.cleaned_data["criterion"], organization__path__in=candidate.cell.ancestor_paths
        )
        try:
            services.criterion_check(candidate, criterion, met_on=form.cleaned_data["met_on"], user=request.user)
        except ValidationError as e:
            messages.error(request, " ".join(e.messages))
        else:
            messages.success(request, f"Đã ghi nhận tiêu chí: {criterion.label}.")
    return redirect("candidates:detail", pk=candidate.pk)


@login_required
def export(request: HttpRequest, code: str) -> HttpResponse:
    org = _org_for_user(request.user, code)
    size = type(org).objects.get_descendant_count(org)
    if later := export_later(request, size=size, unit="orgs", title=f"Xuất danh sách kết nạp — {org.name}"):
        return later  # a whole district or province: written by a worker
    content = pipeline_workbook(org, request.user, timezone.localdate())
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="ket-nap-{org.code}.xlsx"'
    return response


class BackfillUploadFlow(UploadFlow):
    """Back-fill through the shared upload flow: stored file, dry run, confirm, all or nothing."""

    namespace = "candidates"
    title = "Nhập bổ sung đối tượng đang trong quy trình kết nạp"

    importer_class = CandidateBackfillImporter
    upload_template = "candidates/upload.html"

    def upload_scope(self, request: HttpRequest) -> Organization:
        org = _default_org(request.user)
        if org is None and request.user.is_superuser:
            org = Organization.objects.filter(depth=1).first()
        if org is None:
            raise PermissionDenied("Tài khoản này không nhập bổ sung đối tượng kết nạp.")
        permissions.require(
            request.user,
            permissions.may_work_in_cell,
            org,
            message="Tài khoản này không nhập bổ sung đối tượng kết nạp.",
        )
        return org

    def visible_uploads(self, request: HttpRequest) -> QuerySet[Upload]:
        return visible_uploads(request.user, personal_data=True)  # national IDs and ethnicity

    def extra_context(self, request: HttpRequest) -> dict[str, Any]:
        return {"template_url": reverse("candidates:backfill-template")}

    def done_url(self, upload: Upload) -> str:
        return reverse("candidates:board", args=[upload.scope.code]) if upload.scope else reverse("candidates:worklist")


backfill_flow = BackfillUploadFlow()


@login_required
def backfill_template(request: HttpRequest) -> HttpResponse:
    return xlsx_response(build_backfill_template(), "mau-nhap-bo-sung-doi-tuong-ket-nap.xlsx")


@login_required
def exception_routes(request: HttpRequest, code: str) -> HttpResponse:
    """How many admissions used each written exception, per organisation and year."""
    org = _org_for_user(request.user, code)
    return render(
        request,
        "candidates/exception_routes.html",
        {"org": org, "rows": selectors.exception_routes(request.user, org), "routes": rules.EXCEPTION_ROUTES},
    )


@login_required
def calendar_page(request: HttpRequest) -> HttpResponse:
    """The working-day calendar of a year: what the package says, the days the provincial office
    declared; the office declares and withdraws days here (deadlines follow at once)."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    year = min(max(year, 2000), 2100)
    can_edit = permissions.may_edit_calendar(request.user)
    form = CalendarDayForm(request.POST or None, initial={"date": today})
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied
        try:
            if request.POST.get("remove"):
                calendar.calendar_day_remove(int(request.POST["remove"]), user=request.user)
                messages.success(request, "Đã bỏ ngày điều chỉnh; thời hạn đã được tính lại.")
                return redirect(f"{reverse('candidates:calendar')}?year={year}")
            if form.is_valid():
                day = calendar.calendar_day_declare(user=request.user, **form.cleaned_data)
                messages.success(request, f"Đã ghi {day}; thời hạn đã được tính lại.")
                return redirect(f"{reverse('candidates:calendar')}?year={day.date.year}")
        except (ValueError, ValidationError) as e:
            if isinstance(e, ValidationError):
                add_service_errors(form, e)
            else:
                form.add_error(None, "Yêu cầu không hợp lệ.")
    work_calendar = current_calendar()
    declared = list(CalendarDay.objects.filter(date__year=year).select_related("recorded_by"))
    declared_dates = {d.date for d in declared}
    days = [
        (day, name, work_calendar.is_working_day(day))
        for day, name in work_calendar.days_off(year)
        if day not in declared_dates
    ]
    return render(
        request,
        "candidates/calendar.html",
        {"year": year, "days": days, "declared": declared, "form": form, "can_edit": can_edit},
        status=400 if request.method == "POST" else 200,
    )
