"""Report pages: dashboards with the achievement drill-down, quality of new members, coverage,
exits and projection. Thin: read the request, call a selector, render or export.

URL names for landing pages: ``reports:dashboard`` sends a user to the dashboard of the top
organisation of their scope (the province office to the province, district staff to their
district, a cell secretary to their cell); ``reports:dashboard-org`` is one organisation's.
"""

import datetime
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Exists, Max, OuterRef, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode

from candidates.models import OPEN_STAGES, STAGE_LABELS
from members.quotas.models import Quota
from organizations import rollup
from organizations.models import KIND_LABELS, Kind, Organization, local_level_kinds
from organizations.selectors import breadcrumbs, predecessors_of, user_roots
from partydev.export_tasks import export_later
from partydev.figures import PUBLISHED

from . import analytics, exports
from . import projection as projections
from .periods import Period, PeriodError, period_from_params
from .suppression import quality_for
from .tables import paged_table

DEFAULT_THRESHOLD = Decimal(100)
CHART_YEARS = 8
MAX_CHART_ROWS = 60
# The drill-down table on a page: the province's 152 communes on one, every cell of it on many.
DASHBOARD_PAGE_SIZE = 200
# Above this many organisations below it, a subtree's latest quota is looked for year by year.
LARGE_SUBTREE = 500


def scoped_org(user: Any, code: str) -> Organization:
    """The organisation ``code`` if the user may see it; 404 otherwise (existence does not leak)."""
    return get_object_or_404(Organization.objects.for_user(user), code=code)


def reporting_year(*orgs: Organization, today: datetime.date | None = None) -> int:
    """The year a dashboard opens on: the latest year, not after this one, with a quota in the
    subtree(s) (plans are made ahead; the last one planned is the one being worked on)."""
    today = today or datetime.date.today()
    under = Q(pk__in=[])
    for org in orgs:
        under |= Q(path__startswith=org.path)
    quotas = Quota.objects.filter(year__lte=today.year)
    if sum(sum(org.descendant_counts.values()) for org in orgs) > LARGE_SUBTREE:
        # A province: the latest quotas first, until one lies in it (the first one, as a rule).
        inside = Organization.objects.filter(under, pk=OuterRef("organization_id"))
        latest = quotas.filter(Exists(inside)).order_by("-year").values_list("year", flat=True).first()
    else:
        # A district, a commune, a cell: its organisations' quotas, by the index on each.
        in_subtree = Organization.objects.filter(under).values("id")
        latest = quotas.filter(organization__in=in_subtree).aggregate(y=Max("year"))["y"]
    return latest or today.year


def parse_kinds(params: Mapping[str, str]) -> list[str]:
    raw = params.getlist("kinds") if hasattr(params, "getlist") else [params.get("kinds", "")]
    kinds = [k.strip() for part in raw for k in part.split(",") if k.strip()]
    unknown = [k for k in kinds if k not in KIND_LABELS]
    if unknown:
        raise PeriodError(f"Cấp tổ chức “{', '.join(unknown)}” không có; dùng: {', '.join(KIND_LABELS)}.")
    return kinds


def parse_threshold(params: Mapping[str, str]) -> Decimal:
    text = (params.get("threshold") or "").strip().replace(",", ".")
    if not text:
        return DEFAULT_THRESHOLD
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise PeriodError(f"Ngưỡng “{params.get('threshold')}” không phải là một số.") from None
    if not value.is_finite() or value < 0:
        raise PeriodError("Ngưỡng phải là một số không âm.")
    return value


# ``as=then``: the tree as it stood in the period (the default); ``as=now``: history mapped onto
# today's organisations through the recorded successions.
TREES = {"then": rollup.THEN, "now": rollup.NOW}


class ReportRequest:
    """What every report page reads from the query string."""

    def __init__(self, request: HttpRequest, org: Organization, default_period: Period) -> None:
        self.request = request
        self.org = org
        self.errors: list[str] = []
        params = request.GET
        try:
            self.period = period_from_params(params, default_period)
        except PeriodError as e:
            self.errors.append(str(e))
            self.period = default_period
        try:
            self.kinds = parse_kinds(params)
        except PeriodError as e:
            self.errors.append(str(e))
            self.kinds = []
        try:
            self.threshold = parse_threshold(params)
        except PeriodError as e:
            self.errors.append(str(e))
            self.threshold = DEFAULT_THRESHOLD
        self.as_ = (params.get("as") or "").strip() or "then"
        if self.as_ not in TREES:
            self.errors.append(
                f"Tham số “as” chỉ nhận “then” (cây tổ chức lúc đó) hoặc “now” (cây hiện nay), không phải “{self.as_[:20]}”."
            )
            self.as_ = "then"
        self.tree = TREES[self.as_]
        self.all_levels = params.get("levels") == "all"
        self.sort = params.get("sort", "name")
        self.descending = params.get("dir") == "desc"
        self.export = params.get("format") == "xlsx"

    def params(self, **changes: str) -> dict[str, str]:
        base = {
            "from": self.period.date_from.isoformat(),
            "to": self.period.date_to.isoformat(),
            "kinds": ",".join(self.kinds),
            "threshold": str(self.threshold) if self.threshold != DEFAULT_THRESHOLD else "",
            "levels": "all" if self.all_levels else "",
            "sort": self.sort if self.sort != "name" else "",
            "dir": "desc" if self.descending else "",
            "as": "now" if self.as_ == "now" else "",
        }
        base.update(changes)
        return {k: v for k, v in base.items() if v not in ("", None)}

    def query(self, **changes: str) -> str:
        return urlencode(self.params(**changes))


def _context(rr: ReportRequest, **extra: Any) -> dict[str, Any]:
    org = rr.org
    context = {
        "base_query": rr.query(kinds="", levels="", sort="", dir="", threshold=""),
        "org": org,
        "rr": rr,
        "period": rr.period,
        "errors": rr.errors,
        "query": rr.query(),
        **extra,
    }
    if "crumbs" not in context:
        context["crumbs"] = breadcrumbs(org, rr.request.user)
    if rr.as_ == "then" and org.valid_from and org.valid_from > rr.period.date_from:
        # Founded inside the period: it reports from its start; the time before is its predecessors'.
        context["began"] = org.valid_from
        context["predecessors"] = predecessors_of(org)
    return context


@login_required
def dashboard_home(request: HttpRequest) -> HttpResponse:
    """Land on the dashboard of the top organisation of the user's scope; a user whose scope
    holds several (an administrator, a national office) gets all of them on one page."""
    roots = list(user_roots(request.user).order_by("path"))
    if not roots:
        raise Http404("Tài khoản chưa được gán tổ chức.")
    if len(roots) == 1:
        return redirect("reports:dashboard-org", code=roots[0].code)
    default = Period.year(reporting_year(*roots))
    try:
        period, errors = period_from_params(request.GET, default), []
    except PeriodError as e:
        period, errors = default, [str(e)]
    result = analytics.national(roots, period)
    chart_last = period.date_to.year
    years = period.years if len(period.years) > 1 else list(range(chart_last - CHART_YEARS + 1, chart_last + 1))
    by_year = analytics.achievement_by_year(roots[0], years, result.group_q, group_ids=[r.id for r in roots])
    charts = {"years": [{"label": str(y["year"]), "admitted": y["admitted"], "quota": y["quota"]} for y in by_year]}
    if len(result.rows) <= MAX_CHART_ROWS:
        charts["children"] = [
            {"label": r.org.name, "admitted": r.figures.admitted, "quota": r.figures.quota} for r in result.rows
        ]
    return render(
        request,
        "reports/national.html",
        {"result": result, "period": period, "errors": errors, "charts": charts, "by_year": by_year},
    )


def _period_links(rr: ReportRequest, year: int) -> list[tuple[str, str]]:
    """Quick choices: this year, its first half, last year, and the years before it together."""
    first = year - CHART_YEARS + 1
    choices = [
        (f"Năm {year}", Period.year(year)),
        (f"6 tháng đầu năm {year}", Period(datetime.date(year, 1, 1), datetime.date(year, 6, 30))),
        (f"Năm {year - 1}", Period.year(year - 1)),
        (f"Giai đoạn {first}–{year - 1}", Period.years_range(first, year - 1)),
    ]
    return [(label, rr.query(**{"from": p.date_from.isoformat(), "to": p.date_to.isoformat()})) for label, p in choices]


def _sort_links(rr: ReportRequest) -> dict[str, str]:
    links = {}
    for key in analytics.SORT_KEYS:
        desc = not (rr.sort == key and rr.descending) if key != "name" else (rr.sort == key and not rr.descending)
        links[key] = rr.query(sort=key, dir="desc" if desc else "")
    return links


def _export_later(request: HttpRequest, org: Organization) -> HttpResponse | None:
    """A whole-scope table (many organisations) is written by a worker (partydev.export_tasks)."""
    return export_later(
        request, size=type(org).objects.get_descendant_count(org), unit="orgs", title=f"Xuất bảng báo cáo — {org.name}"
    )


@login_required
def dashboard(request: HttpRequest, code: str) -> HttpResponse:
    org = scoped_org(request.user, code)
    year = reporting_year(org)
    rr = ReportRequest(request, org, Period.year(year))
    if rr.export and (later := _export_later(request, org)):
        return later
    if rr.export:
        return exports.achievement_xlsx(_achievement(org, rr))
    # Computed from the facts on every request (members.facts, candidates.facts): no memo.
    figures = _dashboard_figures(org, rr, year)
    html = render_to_string(
        "reports/dashboard_body.html", _context(rr, crumbs=breadcrumbs(org, request.user), **figures)
    )
    return render(request, "reports/dashboard.html", {"org": org, "body": html})


def _achievement(org: Organization, rr: ReportRequest, **paging: Any) -> analytics.Achievement:
    return analytics.achievement(
        org,
        rr.period,
        kinds=rr.kinds,
        all_levels=rr.all_levels,
        threshold=rr.threshold,
        sort=rr.sort,
        descending=rr.descending,
        tree=rr.tree,
        **paging,
    )


def _dashboard_figures(org: Organization, rr: ReportRequest, year: int) -> dict[str, Any]:
    # One page of the drill-down (sorted whole by the query's sort); the Excel export stays whole.
    result = _achievement(org, rr, per_page=DASHBOARD_PAGE_SIZE, page=rr.request.GET.get("page"))
    chart_last = rr.period.date_to.year
    chart_years = (
        rr.period.years if len(rr.period.years) > 1 else list(range(chart_last - CHART_YEARS + 1, chart_last + 1))
    )
    # Rows that add up to the organisation (every cell): their admissions are its own (one
    # anchor rather than thousands); the quotas stay the rows' own. Otherwise summed in SQL.
    admitted_under = [org.id] if analytics.lists_whole(rr.kinds, rr.all_levels) else None
    by_year = analytics.achievement_by_year(org, chart_years, result.group_q, group_ids=admitted_under)
    charts = {"years": [{"label": str(y["year"]), "admitted": y["admitted"], "quota": y["quota"]} for y in by_year]}
    if result.row_count <= MAX_CHART_ROWS:  # then the page holds them all
        charts["children"] = [
            {"label": r.org.name, "admitted": r.figures.admitted, "quota": r.figures.quota} for r in result.rows
        ]
    pipeline = _pipeline(org, rr.period.date_to.year) if not org.numchild else None
    child_kinds = sorted(set(result.listed_kinds) | set(rr.kinds), key=list(KIND_LABELS).index)
    return dict(
        result=result,
        by_year=by_year,
        charts=charts,
        year=year,
        period_links=_period_links(rr, year),
        sort_links=_sort_links(rr),
        kind_choices=[(k, KIND_LABELS[k], rr.query(kinds=k, levels="")) for k in child_kinds],
        kinds_label=", ".join(KIND_LABELS[k].lower() for k in rr.kinds),
        children_query=rr.query(kinds="", levels=""),
        district_level=rr.query(kinds=",".join(_local_level(rr)), levels=""),
        local_level_label=_local_level_label(rr),
        all_cells=rr.query(kinds="cell", levels="all"),
        lagging=result.lagging,
        lagging_more=result.lagging_count - len(result.lagging),
        pipeline=pipeline,
        rows_page=result.rows_page,
        rows_html=exports.achievement_rows_html(
            result, rr.query(kinds="", levels="", sort="", dir=""), reverse("reports:dashboard")
        ),
        lines=_both_lines(org, rr, result),
        published=_published(org) if org.code == PUBLISHED_FOR else [],
    )


# The province partydev.figures.PUBLISHED holds the figures of (the demo's Hòa Bình).
PUBLISHED_FOR = "HB"
# The published terms and years (until 2022) are on the district-level committees' basis.
DIRECTLY_ABOVE_GRASSROOTS = "district,city"


def _local_level(rr: ReportRequest) -> list[str]:
    return local_level_kinds(rr.period.date_from, rr.period.date_to)


def _local_level_label(rr: ReportRequest) -> str:
    kinds = _local_level(rr)
    if kinds == [Kind.COMMUNE]:
        return "các đảng bộ xã, phường (từ 01/07/2025)"
    if Kind.COMMUNE in kinds:
        return "các đảng bộ cấp huyện (đến 30/06/2025) và xã, phường (từ 01/07/2025)"
    return "các đảng bộ cấp huyện"


def _both_lines(org: Organization, rr: ReportRequest, result: analytics.Achievement) -> list[dict[str, Any]]:
    """For a province: its figures on the two bases side by side, the committees directly above
    the grassroots (the published basis of the terms and years) and the whole province (the
    published basis of 2023's half-year), whichever the page shows."""
    if org.depth != 1:
        return []
    # The whole subtree's basis is the page's own figures (``result.own``); the basis of the
    # level above the grassroots is read whatever the page lists (two small queries), so that
    # the page runs the same queries on every view; the one the page shows is marked.
    above_kinds = _local_level(rr)
    whole = analytics.lists_whole(rr.kinds, rr.all_levels)
    whole_totals = result.own or analytics.basis_totals(org, rr.period, tree=rr.tree)
    above_totals = analytics.basis_totals(org, rr.period, kinds=above_kinds, tree=rr.tree)
    return [
        {
            "label": f"Các đảng bộ trực tiếp cấp trên cơ sở: {_local_level_label(rr)}",
            "admitted": above_totals.admitted,
            "quota": above_totals.quota,
            "rate": above_totals.rate,
            "current": not rr.all_levels and sorted(rr.kinds) == sorted(above_kinds),
            "query": rr.query(kinds=",".join(above_kinds), levels=""),
        },
        {
            "label": f"Toàn {org.name}",
            "admitted": whole_totals.admitted,
            "quota": whole_totals.quota,
            "rate": whole_totals.rate,
            "current": whole,
            "query": rr.query(kinds="", levels=""),
        },
    ]


def _published(org: Organization) -> list[dict]:
    """The figures published for the province, each with the query that shows it here."""
    out = []
    for f in PUBLISHED.get("admissions_district_level_committees", []):
        first, _, last = f["period"].partition("-")
        last = last or first
        query = urlencode({"from": f"{first}-01-01", "to": f"{last}-12-31", "kinds": DIRECTLY_ABOVE_GRASSROOTS})
        period = f"{first}–{last}" if last != first else first
        basis = "các đảng bộ cấp huyện"
        out.append({**f, "period": period, "basis": basis, "query": query, "rate": f["rate"].replace(".", ",")})
    for f in PUBLISHED.get("admissions_province_wide", []):
        start, _, end = f["period"].partition("..")
        query = urlencode({"from": start, "to": end})
        d_from, d_to = datetime.date.fromisoformat(start), datetime.date.fromisoformat(end)
        out.append(
            {
                "period": f"{d_from:%d/%m/%Y}–{d_to:%d/%m/%Y}",
                "basis": "toàn tỉnh, so với chỉ tiêu cả năm",
                "admitted": f["admitted"],
                "quota": f.get("annual_quota"),
                "rate": f["rate"].replace(".", ","),
                "query": query,
            }
        )
    return out


def _pipeline(cell: Organization, year: int) -> dict:
    """A cell's candidates at each stage before the ceremony, next to its quota for the year."""
    counts = analytics.pipeline_by_cell(cell, OPEN_STAGES, cells=[cell.id]).get(cell.id, {})
    labels = STAGE_LABELS
    stages = OPEN_STAGES
    quota = analytics.quota_for(analytics.quotas_by_org([cell.id], [year]), cell.id, [year])
    return {
        "year": year,
        "quota": quota,
        "total": sum(counts.values()),
        "stages": [(labels[s], counts.get(s, 0)) for s in stages],
    }


def _report(request: HttpRequest, code: str, year: int | None = None) -> tuple[ReportRequest, HttpResponse | None]:
    """A report page's organisation (404 outside the user's scope) and query, its period the
    ``year`` (by default the reporting year); with the response that hands a whole scope's
    export to a worker, if that is what is asked."""
    org = scoped_org(request.user, code)
    rr = ReportRequest(request, org, Period.year(reporting_year(org) if year is None else year))
    return rr, _export_later(request, org) if rr.export else None


@login_required
def new_members(request: HttpRequest, code: str) -> HttpResponse:
    rr, later = _report(request, code)
    if later is not None:
        return later
    result = quality_for(request.user, analytics.new_member_quality(rr.org, rr.period, tree=rr.tree))
    if rr.export:
        return exports.quality_xlsx(result)
    charts = {
        g.key: [{"label": i.label, "value": i.count} for i in g.items]
        for g in result.groups
        if g.key in ("professional_qualification", "age_band", "sector")
    }
    group_rows = exports.quality_rows_html(result)
    return render(
        request, "reports/new_members.html", _context(rr, result=result, charts=charts, group_rows=group_rows)
    )


@login_required
def coverage(request: HttpRequest, code: str) -> HttpResponse:
    rr, later = _report(request, code)
    if later is not None:
        return later
    result = analytics.coverage(rr.org, rr.period)
    if rr.export:
        return exports.coverage_xlsx(result, request.GET.get("table", "cells"))
    tables = exports.coverage_tables(result)
    paged = [paged_table(table, key, request.GET) for key, table in tables.items()]
    return render(request, "reports/coverage.html", _context(rr, result=result, tables=paged))


@login_required
def exits(request: HttpRequest, code: str) -> HttpResponse:
    rr, later = _report(request, code)
    if later is not None:
        return later
    result = analytics.exits(rr.org, rr.period, tree=rr.tree)
    if rr.export:
        return exports.exits_xlsx(result)
    return render(request, "reports/exits.html", _context(rr, result=result))


@login_required
def projection(request: HttpRequest, code: str) -> HttpResponse:
    rr, later = _report(request, code, year=datetime.date.today().year)
    if later is not None:
        return later
    result = projections.projection(rr.org, kinds=rr.kinds)
    if rr.export:
        return exports.projection_xlsx(result)
    return render(
        request,
        "reports/projection.html",
        _context(
            rr,
            result=result,
            stages=result.history,
            kind_choices=[],
            lookback=projections.LOOKBACK_YEARS,
            rows_html=exports.projection_rows_html(result, reverse("reports:projection", args=["__code__"])),
        ),
    )
