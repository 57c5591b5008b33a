"""Cross-cutting pieces of the JSON API."""

from functools import wraps

from django.http import JsonResponse


def api_login_required(view):
    """Session login for the API: an anonymous caller gets 403 JSON, not a login page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return JsonResponse({"detail": "Chưa đăng nhập."}, status=403)
        return view(request, *args, **kwargs)

    return wrapper
