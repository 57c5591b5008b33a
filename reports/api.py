"""Read-only JSON API of the reports: session login, scoped like every view (404 outside).
Rates are strings with a decimal point ("88.48"), or null where there is no quota."""

import datetime

from django.http import JsonResponse
from django.views.decorators.http import require_GET

from partydev.api import api_login_required

from . import analytics
from .dashboards import parse_kinds, reporting_year, scoped_org
from .periods import Period, PeriodError, period_from_params, rate_text


def _bad(message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=400)


def _org_and_period(request):
    code = request.GET.get("org", "").strip()
    if not code:
        raise PeriodError("Thiếu tham số “org” (mã tổ chức).")
    org = scoped_org(request.user, code)
    if request.GET.get("from") or request.GET.get("to"):
        period = period_from_params(request.GET, Period.year(datetime.date.today().year))
    else:
        period = Period.year(reporting_year(org))
    return org, period


@require_GET
@api_login_required
def achievement(request):
    try:
        org, period = _org_and_period(request)
        kinds = parse_kinds(request.GET)
    except PeriodError as e:
        return _bad(str(e))
    result = analytics.achievement(org, period, kinds=kinds)
    t = result.totals
    return JsonResponse(
        {
            "org": org.code,
            "name": org.name,
            "from": period.date_from.isoformat(),
            "to": period.date_to.isoformat(),
            "kinds": kinds,
            "admitted": t.admitted,
            "quota": t.quota,
            "rate": rate_text(t.rate),
            "previous": {
                "from": result.previous.date_from.isoformat(),
                "to": result.previous.date_to.isoformat(),
                "admitted": t.prev_admitted,
                "quota": t.prev_quota,
                "rate": rate_text(t.prev_rate),
                "change": t.change,
                "change_percent": rate_text(t.change_percent),
                "rate_change_points": rate_text(t.rate_change_points),
            },
            "members_at_start": t.members_at_start,
            "members_at_end": result.members_end,
            "share_of_members": rate_text(t.share_of_members),
            "grassroots": {
                "total": result.grassroots_total,
                "admitting": result.grassroots_admitting,
                "share": rate_text(result.grassroots_share),
            },
            "children": [
                {
                    "org": r.org.code,
                    "name": r.org.name,
                    "kind": r.org.kind,
                    "admitted": r.admitted,
                    "quota": r.quota,
                    "rate": rate_text(r.rate),
                    "previous_admitted": r.prev_admitted,
                    "previous_rate": rate_text(r.prev_rate),
                }
                for r in result.rows
            ],
        }
    )


@require_GET
@api_login_required
def new_members(request):
    try:
        org, period = _org_and_period(request)
    except PeriodError as e:
        return _bad(str(e))
    result = analytics.new_member_quality(org, period)
    data = {
        "org": org.code,
        "from": period.date_from.isoformat(),
        "to": period.date_to.isoformat(),
        "total": result.total,
        "previous_total": result.prev_total,
    }
    for group in result.groups:
        data[group.key] = group.as_dict()
    data["highlights"] = {i.key: {"count": i.count, "share": rate_text(i.share)} for i in result.highlights}
    return JsonResponse(data)


@require_GET
@api_login_required
def exits(request):
    try:
        org, period = _org_and_period(request)
    except PeriodError as e:
        return _bad(str(e))
    result = analytics.exits(org, period)
    now = result.now
    return JsonResponse(
        {
            "org": org.code,
            "from": period.date_from.isoformat(),
            "to": period.date_to.isoformat(),
            "exits": {line.kind: {"total": line.total, "probationary": line.probationary} for line in result.lines},
            "total": result.total,
            "probationary": result.probationary,
            "admitted": result.admitted,
            "transferred_in": now["transferred_in"],
            "transferred_out": now["transferred_out"],
            "members_before": now["members_before"],
            "members_after": now["members_after"],
            "net_growth": now["net_growth"],
            "previous": {
                "exits": {
                    line.kind: {"total": line.prev_total, "probationary": line.prev_probationary}
                    for line in result.lines
                },
                "total": result.prev_total,
                "admitted": result.prev_admitted,
                "net_growth": result.prev["net_growth"],
            },
        }
    )
