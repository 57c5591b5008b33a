"""Read API over the tree: session login, scoped like every view (404 outside the scope).

``at=YYYY-MM-DD`` reads the tree as it stood that day: the organisations valid then, children
and ``descendants`` counted among them. Every item carries ``valid_from`` and ``valid_to``, and an
ended organisation its ``successors``.
"""

from collections.abc import Iterable
from typing import Any

from django.http import Http404, HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from partydev.api import api_login_required
from partydev.text import canonical_text

from .models import Organization
from .selectors import AtDateError, children_on, descendant_counts_on, parse_at, successors_of, user_roots


def _item(org: Organization, parent_code: str | None, successors: dict[int, list[dict]]) -> dict:
    item: dict[str, Any] = {
        "code": org.code,
        "name": org.name,
        "kind": org.kind,
        "parent": parent_code,
        "valid_from": org.valid_from.isoformat() if org.valid_from else None,
        "valid_to": org.valid_to.isoformat() if org.valid_to else None,
    }
    if org.valid_to is not None:
        item["successors"] = successors.get(org.pk, [])
    return item


def _parent_codes(orgs: Iterable[Organization]) -> dict[str, str]:
    """Parent code of each organisation, in one query."""
    steplen = Organization.steplen
    parent_paths = {o.path[:-steplen] for o in orgs if o.depth > 1}
    return dict(Organization.objects.filter(path__in=parent_paths).values_list("path", "code"))


def _bad(message: str) -> JsonResponse:
    return JsonResponse({"detail": message}, status=400)


@require_GET
@api_login_required
def organization_list(request: HttpRequest) -> JsonResponse:
    try:
        at = parse_at(request.GET.get("at"))
    except AtDateError as e:
        return _bad(str(e))
    parent_code = canonical_text(request.GET.get("parent"))
    if parent_code:
        parent = get_object_or_404(Organization.objects.for_user(request.user), code=parent_code)
        orgs = list(children_on(parent, at) if at else Organization.objects.get_children(parent))
        successors = successors_of(orgs)
        items = [_item(o, parent.code, successors) for o in orgs]
    else:
        orgs = list(user_roots(request.user))
        parents = _parent_codes(orgs)
        successors = successors_of(orgs)
        items = [_item(o, parents.get(o.path[: -Organization.steplen]), successors) for o in orgs]
    data: dict[str, Any] = {"results": items}
    if at:
        data["at"] = at.isoformat()
    return JsonResponse(data)


@require_GET
@api_login_required
def organization_detail(request: HttpRequest, code: str) -> JsonResponse:
    try:
        at = parse_at(request.GET.get("at"))
    except AtDateError as e:
        return _bad(str(e))
    org = get_object_or_404(Organization.objects.for_user(request.user), code=code)
    parents = _parent_codes([org])
    data = _item(org, parents.get(org.path[: -Organization.steplen]), successors_of([org]))
    if at:
        data["at"] = at.isoformat()
        data["existed"] = org.is_valid_on(at)
        data["children"] = len(children_on(org, at))
        data["descendants"] = descendant_counts_on(org, at)
    else:
        data["children"] = org.numchild
        data["descendants"] = org.descendant_counts
    return JsonResponse(data)


__all__ = ["organization_list", "organization_detail", "Http404"]
