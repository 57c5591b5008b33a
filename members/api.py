"""Read API of the register: session login, scoped like every view (404 outside the scope)."""

from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

from organizations import rollup
from organizations.models import Organization
from partydev.api import api_login_required
from partydev.params import parse_date
from partydev.text import canonical_text

from .selectors import counts_at


@require_GET
@api_login_required
def member_counts(request: HttpRequest) -> JsonResponse:
    """``GET /api/reports/members?org=CODE&at=YYYY-MM-DD[&as=then|now]``: members at a date under an
    organisation, under the tree of that date (``as=then``) or mapped onto today's (``as=now``)."""
    code = canonical_text(request.GET.get("org", ""))
    if not code:
        return JsonResponse({"detail": "Thiếu tham số org (mã tổ chức)."}, status=400)
    org = get_object_or_404(Organization.objects.for_user(request.user), code=code)
    raw = request.GET.get("at", "").strip()
    at = parse_date(raw, "at") if raw else timezone.localdate()  # a bad one: 400 JSON (BadInputMiddleware)
    as_ = request.GET.get("as", "").strip() or "then"
    if as_ not in ("then", "now"):
        return JsonResponse(
            {
                "detail": f"Tham số “as” chỉ nhận “then” (cây tổ chức lúc đó) hoặc “now” (cây hiện nay), không phải “{as_[:20]}”."
            },
            status=400,
        )
    counts = counts_at(org, at, tree=rollup.NOW if as_ == "now" else rollup.THEN)
    return JsonResponse({"org": org.code, "at": at.isoformat(), **counts})
