"""Read-only JSON API of the reports: session login, scoped like every view (404 outside).
Rates are strings with a decimal point ("88.48"), or null where there is no quota."""

import datetime

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from organizations.models import Organization
from organizations.selectors import predecessors_of
from partydev.api import api_login_required
from partydev.text import canonical_text

from . import analytics
from .dashboards import TREES, parse_kinds, reporting_year, scoped_org
from .periods import Period, PeriodError, period_from_params, rate_text
from .suppression import quality_for


def _bad(message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=400)


def _tree(request: HttpRequest) -> str:
    """``as=then`` (the tree as it stood in the period: the default) or ``as=now`` (history
    mapped onto today's organisations through the recorded successions)."""
    value = request.GET.get("as", "").strip() or "then"
    if value not in TREES:
        raise PeriodError(
            f"Tham số “as” chỉ nhận “then” (cây tổ chức lúc đó) hoặc “now” (cây hiện nay), không phải “{value[:20]}”."
        )
    return value


def _history(org: Organization, period: Period, as_: str) -> dict[str, object]:
    """What every report says of the tree it read: ``as``, and with ``as=then`` for an
    organisation that began inside the period, its start and its predecessors (with links) for
    the time before it."""
    data: dict[str, object] = {"as": as_}
    if as_ == "then" and org.valid_from and org.valid_from > period.date_from:
        data["valid_from"] = org.valid_from.isoformat()
        data["predecessors"] = [
            {"code": p.code, "name": p.name, "url": reverse("organizations:api-detail", args=[p.code])}
            for p in predecessors_of(org)
        ]
    return data


def _org_and_period(request: HttpRequest) -> tuple[Organization, Period]:
    code = canonical_text(request.GET.get("org", ""))
    if not code:
        raise PeriodError("Thiếu tham số “org” (mã tổ chức).")
    org = scoped_org(request.user, code)
    if request.GET.get("from") or request.GET.get("to"):
        period = period_from_params(request.GET, Period.year(datetime.date.today().year))
    else:
        period = Period.year(reporting_year(org))
    return org, period


def _org_period_tree(request: HttpRequest) -> tuple[Organization, Period, str]:
    """The organisation, the period and the tree (``as``) a report is asked for."""
    org, period = _org_and_period(request)
    return org, period, _tree(request)


def _head(org: Organization, period: Period, as_: str) -> dict[str, object]:
    """What a report's answer begins with: the organisation, the period and the tree it read."""
    return {
        "org": org.code,
        "from": period.date_from.isoformat(),
        "to": period.date_to.isoformat(),
        **_history(org, period, as_),
    }


@require_GET
@api_login_required
def achievement(request: HttpRequest) -> JsonResponse:
    try:
        org, period = _org_and_period(request)
        kinds = parse_kinds(request.GET)
        as_ = _tree(request)
    except PeriodError as e:
        return _bad(str(e))
    result = analytics.achievement(org, period, kinds=kinds, tree=TREES[as_])
    t = result.totals
    return JsonResponse(
        {
            "org": org.code,
            "name": org.name,
            "from": period.date_from.isoformat(),
            "to": period.date_to.isoformat(),
            **_history(org, period, as_),
            "kinds": kinds,
            "admitted": t.admitted,
            "quota": t.quota,
            "children_quota": result.children_quota,
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
                    "admitted": r.figures.admitted,
                    "quota": r.figures.quota,
                    "rate": rate_text(r.figures.rate),
                    "previous_admitted": r.figures.prev_admitted,
                    "previous_rate": rate_text(r.figures.prev_rate),
                }
                for r in result.rows
            ],
        }
    )


@require_GET
@api_login_required
def new_members(request: HttpRequest) -> JsonResponse:
    try:
        org, period, as_ = _org_period_tree(request)
    except PeriodError as e:
        return _bad(str(e))
    result = quality_for(request.user, analytics.new_member_quality(org, period, tree=TREES[as_]))
    data = {
        **_head(org, period, as_),
        "total": result.total,
        "previous_total": result.prev_total,
    }
    for group in result.groups:
        data[group.key] = group.as_dict()
    data["highlights"] = {i.key: {"count": i.count, "share": rate_text(i.share)} for i in result.highlights}
    return JsonResponse(data)


@require_GET
@api_login_required
def exits(request: HttpRequest) -> JsonResponse:
    try:
        org, period, as_ = _org_period_tree(request)
    except PeriodError as e:
        return _bad(str(e))
    result = analytics.exits(org, period, tree=TREES[as_])
    now = result.now
    return JsonResponse(
        {
            **_head(org, period, as_),
            "exits": {line.kind: {"total": line.total, "probationary": line.probationary} for line in result.lines},
            "total": result.total,
            "removed": result.removed,
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
                "removed": result.prev_removed,
                "admitted": result.prev_admitted,
                "net_growth": result.prev["net_growth"],
            },
        }
    )
