"""Read API over the tree: session login, scoped like every view (404 outside the scope)."""

from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from partydev.api import api_login_required

from .models import Organization
from .selectors import user_roots


def _item(org: Organization, parent_code: str | None) -> dict:
    return {"code": org.code, "name": org.name, "kind": org.kind, "parent": parent_code}


def _parent_codes(orgs) -> dict[str, str]:
    """Parent code of each organisation, in one query."""
    steplen = Organization.steplen
    parent_paths = {o.path[:-steplen] for o in orgs if o.depth > 1}
    return dict(Organization.objects.filter(path__in=parent_paths).values_list("path", "code"))


@require_GET
@api_login_required
def organization_list(request):
    parent_code = request.GET.get("parent")
    if parent_code:
        parent = get_object_or_404(Organization.objects.for_user(request.user), code=parent_code)
        orgs = list(Organization.objects.get_children(parent))
        items = [_item(o, parent.code) for o in orgs]
    else:
        orgs = list(user_roots(request.user))
        parents = _parent_codes(orgs)
        items = [_item(o, parents.get(o.path[: -Organization.steplen])) for o in orgs]
    return JsonResponse({"results": items})


@require_GET
@api_login_required
def organization_detail(request, code):
    org = get_object_or_404(Organization.objects.for_user(request.user), code=code)
    parents = _parent_codes([org])
    data = _item(org, parents.get(org.path[: -Organization.steplen]))
    data["descendants"] = org.descendant_counts
    return JsonResponse(data)


__all__ = ["organization_list", "organization_detail", "Http404"]
