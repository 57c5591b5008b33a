from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from organizations.models import CELL_KINDS, PART, Organization, readable_extent
from organizations.permissions import may_restructure
from organizations.selectors import breadcrumbs, label_grassroots, user_roots
from partydev.text import canonical_text

from .exports import browser_rows_html
from .selectors import browser_rows


@login_required
def browser(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """The organisation browser: the user's subtree as a drill-down, with search."""
    scoped = Organization.objects.for_user(request.user)
    query = canonical_text(request.GET.get("q", ""))
    org = None
    if code:
        org = get_object_or_404(scoped, code=code)
        children = Organization.objects.get_children(org)
    else:
        roots = list(user_roots(request.user))
        if len(roots) == 1 and not query:
            return redirect("reports:browser-org", code=roots[0].code)
        children = roots
    browse_prefix = reverse("reports:browser")
    context = {"org": org, "query": query, "browse_prefix": browse_prefix}
    if query:
        base = scoped.subtree(org) if org else scoped
        page = Paginator(base.search(query), 50).get_page(request.GET.get("page"))
        page.object_list = label_grassroots(list(page.object_list))
        context["results"] = page
    else:
        rows = browser_rows(children)
        context["rows"] = rows
        context["rows_html"] = browser_rows_html(rows, browse_prefix)
    context["crumbs"] = breadcrumbs(org, request.user) if org else []
    if org is not None:
        # Its dates and its place in the restructurings: what it was made from, what took it over.
        context["can_restructure"] = may_restructure(request.user, org)
        context["partial"] = readable_extent(request.user, org) == PART
        context["predecessors"] = list(org.predecessors().for_user(request.user))
        context["successors"] = list(org.successors().for_user(request.user)) if org.valid_to else []
    return render(request, "reports/browser.html", context)


PICK_LIMIT = 20


@login_required
def pick(request: HttpRequest) -> JsonResponse:
    """The organisation picker's answers: up to 20 organisations in the user's scope whose name
    matches ``q`` with or without diacritics ("hoa binh" finds "Hòa Bình"), each with its
    grassroots organisation beside it; ``kinds=cell`` for cells only, ``under=CODE`` within one."""
    scoped = Organization.objects.for_user(request.user)
    under = canonical_text(request.GET.get("under", ""))
    if under:
        scoped = scoped.subtree(get_object_or_404(scoped, code=under))
    if request.GET.get("kinds") == "cell":
        scoped = scoped.filter(kind__in=CELL_KINDS)
    query = canonical_text(request.GET.get("q", ""))[:100]
    found = list(scoped.search(query)[:PICK_LIMIT]) if query else []
    label_grassroots(found)
    results = [
        {
            "code": o.code,
            "name": o.name,
            "grassroots": o.grassroots_name,
            "label": f"{o.name} — {o.grassroots_name}" if o.grassroots_name and o.grassroots_name != o.name else o.name,
        }
        for o in found
    ]
    return JsonResponse({"results": results, "more": len(found) == PICK_LIMIT})
