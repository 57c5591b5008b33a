"""Cross-cutting middleware: session timeouts, the audit of refused accesses, no caching, bad
input and a busy database, one working-day calendar per request."""

import logging
import sys
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.db import OperationalError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.views import defaults as django_defaults

from . import audit
from .params import BadParameter
from .workdays import calendar_scope

logger = logging.getLogger("partydev.requests")

LOGIN_AT = "_partydev_login_at"
SEEN_AT = "_partydev_seen_at"
# The idle clock is refreshed at most this often, so a page does not write its session on
# every request: the idle timeout is exact to within this many seconds.
SEEN_RESOLUTION = 60


@receiver(user_logged_in, dispatch_uid="partydev.middleware.stamp_login")
def stamp_login(sender: object, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now


class SessionTimeoutMiddleware:
    """Ends a signed-in session idle for SESSION_IDLE_TIMEOUT seconds, or older than
    SESSION_ABSOLUTE_TIMEOUT seconds since login, whatever the activity.

    The request then goes on as anonymous: pages redirect to the login page, the API answers 403.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            self.check(request)
        return self.get_response(request)

    def check(self, request: HttpRequest) -> None:
        session = request.session
        now = int(time.time())
        login_at = session.get(LOGIN_AT)
        seen_at = session.get(SEEN_AT)
        if login_at is None or seen_at is None:  # a session from before the timeouts existed
            session[LOGIN_AT] = login_at or now
            session[SEEN_AT] = now
            return
        idle = now - seen_at > settings.SESSION_IDLE_TIMEOUT
        expired = now - login_at > settings.SESSION_ABSOLUTE_TIMEOUT
        if idle or expired:
            logout(request)
            messages.info(request, "Phiên làm việc đã hết hạn, xin đăng nhập lại.")
            return
        if now - seen_at >= SEEN_RESOLUTION:
            session[SEEN_AT] = now


class RefusedAccessAuditMiddleware:
    """Records every 403 and 404 answered to a signed-in user: who tried to reach what, from where.

    Out-of-scope records answer 404, so a curious user walking ids leaves a trail.
    """

    STATUSES = {403, 404}

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if response.status_code in self.STATUSES and user is not None and user.is_authenticated:
            audit.record(audit.AuditEvent.Kind.ACCESS_REFUSED, request, user=user, status=response.status_code)
        return response


class NoStoreMiddleware:
    """``Cache-Control: no-store`` (with Django's never-cache headers) on every answer: pages,
    exports, uploaded files and the API all carry personal data for a signed-in user, and a
    shared or back-button cache must keep none of it. A view that sets its own Cache-Control
    keeps it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def error_response(request: HttpRequest, status: int, message: str) -> HttpResponse:
    """A Vietnamese error page (the message escaped like any template text), or JSON under /api/."""
    if wants_json(request):
        return JsonResponse({"detail": message}, status=status)
    return render(request, "error.html", {"status": status, "message": message}, status=status)


BUSY_MESSAGE = "Hệ thống đang bận, thử lại sau ít giây."


def is_lock_timeout(exc: BaseException | None) -> bool:
    """SQLite's "database is locked": another process held the write lock past the busy timeout."""
    return isinstance(exc, OperationalError) and "locked" in str(exc).lower()


def _holds_nul(params: QueryDict) -> bool:
    return any("\x00" in value for _key, values in params.lists() for value in values if isinstance(value, str))


class BadInputMiddleware:
    """Answers what a view could not use as a 400 with its reason (``partydev.params.BadParameter``)
    and a write that could not get the database's lock in time as a 503 "busy, try again": the
    view's transaction is rolled back, so nothing is half-written."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _holds_nul(request.GET) or (request.method == "POST" and _holds_nul(request.POST)):
            # PostgreSQL refuses a NUL in any text: no view should meet one.
            return error_response(request, 400, "Dữ liệu gửi lên có ký tự không hợp lệ (NUL).")
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, BadParameter):
            return error_response(request, 400, str(exception))
        if is_lock_timeout(exception):
            logger.warning("database busy: %s %s", request.method, request.path)
            response = error_response(request, 503, BUSY_MESSAGE)
            response["Retry-After"] = "2"
            return response
        return None


# URL handlers (``partydev/urls.py``): JSON under /api/, a Vietnamese page elsewhere.


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return error_response(request, 400, "Yêu cầu không hợp lệ.")


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"detail": "Không tìm thấy."}, status=404)
    return django_defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_lock_timeout(sys.exc_info()[1]):
        return error_response(request, 503, BUSY_MESSAGE)
    if wants_json(request):
        return JsonResponse({"detail": "Lỗi hệ thống."}, status=500)
    return django_defaults.server_error(request)


class WorkCalendarMiddleware:
    """One working-day calendar per request (``partydev.workdays``): the table of declared days
    is read at most once, when the page first counts working days, and never kept after it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with calendar_scope():
            return self.get_response(request)
