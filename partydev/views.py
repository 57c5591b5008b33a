from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render


@login_required
def ping(request: HttpRequest) -> HttpResponse:
    """A logged-in page that does nothing: the yardstick of the benchmarks."""
    return render(request, "ping.html")


def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:  # noqa: BLE001 - any database failure means unhealthy
        return JsonResponse({"status": "error"}, status=500)
    return JsonResponse({"status": "ok"})


__all__ = ["ping", "healthz", "HttpResponse"]
