"""Year-end evaluation table, the province's thresholds, and the commend and remind lists."""

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from members.quotas.models import Quota
from organizations.models import Organization, user_roles
from partydev.excel import ExcelColumn, table_workbook, xlsx_response
from reports.periods import Period, PeriodError, period_from_params

from . import services
from .access import can_manage, can_rate
from .evaluation import commend_and_remind, evaluation_rows, province_of, thresholds_of
from .forms import RatingForm, ThresholdsForm
from .models import Level


def _scoped_org(user: Any, code: str) -> Organization:
    return get_object_or_404(Organization.objects.for_user(user), code=code)


def default_year(org: Organization, today: datetime.date) -> int:
    """The latest year, not after this one, with a quota in the subtree; else last year."""
    latest = Quota.objects.filter(organization__path__startswith=org.path, year__lte=today.year).aggregate(
        y=Max("year")
    )["y"]
    return latest or today.year - 1


def _year(request: HttpRequest, org: Organization, today: datetime.date) -> int:
    try:
        year = int(request.GET.get("year") or request.POST.get("year") or default_year(org, today))
    except ValueError:
        year = default_year(org, today)
    return year if 2000 <= year <= today.year else default_year(org, today)


def _pct(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


@login_required
def evaluation(request: HttpRequest, code: str) -> HttpResponse:
    org = _scoped_org(request.user, code)
    today = timezone.localdate()
    year = _year(request, org, today)
    rows, thresholds = evaluation_rows(org, Period.year(year), today)
    rateable = {row.org.code: row for row in rows if can_rate(request.user, row.org)}
    errors = []
    if request.method == "POST" and not rateable:
        raise PermissionDenied  # nothing here this user may rate
    if request.method == "POST":
        form = RatingForm(request.POST)
        if form.is_valid() and form.cleaned_data["organization"] in rateable:
            row = rateable[form.cleaned_data["organization"]]
            try:
                services.rating_record(
                    actor=request.user,
                    organization=row.org,
                    year=year,
                    level=form.cleaned_data["level"],
                    note=form.cleaned_data["note"],
                    proposed_level=row.proposed or "",
                    today=today,
                    early_reason=form.cleaned_data["early_reason"],
                )
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, f"Đã ghi xếp loại của {row.org.name} năm {year}.")
                return redirect(f"{reverse('followup:evaluation', args=[org.code])}?year={year}")
        else:
            errors = (
                [f"{form.errors.get('level', ['Chưa chọn mức xếp loại.'])[0]}"]
                if form.errors
                else ["Không có quyền xếp loại tổ chức này."]
            )
    if request.GET.get("format") == "xlsx":
        columns = [
            ExcelColumn("Mã", 14),
            ExcelColumn("Tổ chức", 40),
            ExcelColumn("Kết nạp", number=True),
            ExcelColumn("Chỉ tiêu", number=True),
            ExcelColumn("Tỷ lệ đạt (%)", number=True),
            ExcelColumn("Hạn đúng hạn", number=True),
            ExcelColumn("Hạn bị trễ", number=True),
            ExcelColumn("Số ngày bình quân từ bồi dưỡng đến quyết định", number=True),
            ExcelColumn("Kiểm tra hằng tháng (đã/phải)", 16),
            ExcelColumn("Giảm (xóa tên, ra Đảng, khai trừ, từ trần)", number=True),
            ExcelColumn("Trong đó dự bị", number=True),
            ExcelColumn("Mức đề xuất", 30),
            ExcelColumn("Căn cứ đề xuất", 50),
            ExcelColumn("Xếp loại", 30),
            ExcelColumn("Người xếp loại", 20),
        ]
        data = [
            [
                r.org.code,
                r.org.name,
                r.admitted,
                r.quota,
                _pct(r.rate),
                r.deadlines_met,
                r.deadlines_missed,
                r.average_days,
                r.checks_text,
                r.exits,
                r.exits_probationary,
                r.proposed_label,
                " ".join(r.reasons),
                r.rating.get_level_display() if r.rating else "",
                r.rating.rated_by.get_username() if r.rating else "",
            ]
            for r in rows
        ]
        content = table_workbook(
            columns,
            data,
            title=f"Đánh giá công tác phát triển đảng viên năm {year} — {org.name}",
            sheet_name=f"Đánh giá {year}",
        )
        return xlsx_response(content, f"danh-gia-{org.code}-{year}.xlsx")
    for row in rows:  # the rating form's options, worked out once here rather than in the template
        # Nothing chosen beforehand: a rating is permanent, the committee picks it (the proposal is shown beside).
        row.may_rate = row.org.code in rateable
        row.options = [(value, label, False) for value, label in Level.choices] if row.may_rate else []
    return render(
        request,
        "followup/evaluation.html",
        {
            "org": org,
            "year": year,
            "rows": rows,
            "thresholds": thresholds,
            "levels": Level.choices,
            "rateable": rateable,
            "errors": errors,
            "years": list(range(today.year, today.year - 8, -1)),
            "year_open": year >= today.year,
            "scope_code": org.code,
            "province": province_of(org),
            "manages": can_manage(request.user, org),
        },
    )


@login_required
def thresholds(request: HttpRequest, code: str) -> HttpResponse:
    # Everyone working in the province may read its thresholds; only its office sets them.
    province = get_object_or_404(Organization, code=code, depth=1)
    if not (request.user.is_superuser or any(path.startswith(province.path) for path, _ in user_roles(request.user))):
        raise Http404
    current = thresholds_of(province)
    may_edit = can_manage(request.user, province)
    initial = {f: getattr(current, f) for f in ThresholdsForm.base_fields}
    form = ThresholdsForm(initial=initial)
    errors = []
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        form = ThresholdsForm(request.POST)
        if form.is_valid():
            try:
                services.thresholds_update(actor=request.user, province=province, **form.cleaned_data)
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, "Đã lưu ngưỡng đề xuất xếp loại.")
                return redirect("followup:thresholds", code=province.code)
    return render(
        request,
        "followup/thresholds.html",
        {
            "org": province,
            "form": form,
            "current": current,
            "may_edit": may_edit,
            "errors": errors,
            "scope_code": province.code,
        },
    )


@login_required
def commend_remind(request: HttpRequest, code: str) -> HttpResponse:
    org = _scoped_org(request.user, code)
    today = timezone.localdate()
    errors = []
    default = Period.year(default_year(org, today))
    try:
        period = period_from_params(request.GET, default)
    except PeriodError as exc:
        errors, period = [str(exc)], default
    rows, thresholds = evaluation_rows(org, period, today)
    commend, remind = commend_and_remind(rows, thresholds)
    if request.GET.get("format") == "xlsx":
        columns = [
            ExcelColumn("Danh sách", 12),
            ExcelColumn("Mã", 14),
            ExcelColumn("Tổ chức", 40),
            ExcelColumn("Kết nạp", number=True),
            ExcelColumn("Chỉ tiêu", number=True),
            ExcelColumn("Tỷ lệ đạt (%)", number=True),
            ExcelColumn("Lý do", 70),
        ]
        data = [
            [
                list_name,
                i.row.org.code,
                i.row.org.name,
                i.row.admitted,
                i.row.quota,
                _pct(i.row.rate),
                "; ".join(i.reasons),
            ]
            for list_name, items in (("Biểu dương", commend), ("Nhắc nhở", remind))
            for i in items
        ]
        content = table_workbook(
            columns, data, title=f"Biểu dương, nhắc nhở {period.label} — {org.name}", sheet_name="Biểu dương, nhắc nhở"
        )
        return xlsx_response(content, f"bieu-duong-nhac-nho-{org.code}-{period.label.replace('/', '-')}.xlsx")
    return render(
        request,
        "followup/lists.html",
        {
            "org": org,
            "period": period,
            "commend": commend,
            "remind": remind,
            "thresholds": thresholds,
            "errors": errors,
            "scope_code": org.code,
            "query": period.query(),
            "manages": can_manage(request.user, org),
        },
    )
