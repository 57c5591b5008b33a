"""Cross-cutting pieces of the JSON API."""

from collections.abc import Callable
from functools import wraps
from typing import Concatenate, ParamSpec, TypeVar

from django.http import HttpRequest, JsonResponse

P = ParamSpec("P")
R = TypeVar("R")


def api_login_required(
    view: Callable[Concatenate[HttpRequest, P], R],
) -> Callable[Concatenate[HttpRequest, P], R | JsonResponse]:
    """Session login for the API: an anonymous caller gets 403 JSON, not a login page."""

    @wraps(view)
    def wrapper(request: HttpRequest, /, *args: P.args, **kwargs: P.kwargs) -> R | JsonResponse:
        if not request.user.is_authenticated:
            return JsonResponse({"detail": "Chưa đăng nhập."}, status=403)
        return view(request, *args, **kwargs)

    return wrapper
