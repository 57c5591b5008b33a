"""Read API of the register: session login, scoped like every view (404 outside the scope)."""

import datetime

from django.http import JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.http import require_GET

from organizations.models import Organization
from partydev.api import api_login_required

from .selectors import counts_at


@require_GET
@api_login_required
def member_counts(request):
    """``GET /api/reports/members?org=CODE&at=YYYY-MM-DD``: members at a date under an organisation."""
    code = request.GET.get("org", "").strip()
    if not code:
        return JsonResponse({"detail": "Thiếu tham số org (mã tổ chức)."}, status=400)
    org = get_object_or_404(Organization.objects.for_user(request.user), code=code)
    raw = request.GET.get("at", "").strip()
    try:
        at = datetime.date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        return JsonResponse({"detail": f"Ngày «{raw}» không đúng dạng YYYY-MM-DD."}, status=400)
    counts = counts_at(org, at)
    return JsonResponse({"org": org.code, "at": at.isoformat(), **counts})
