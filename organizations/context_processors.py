from django.http import HttpRequest

from .models import Role, user_roles


def roles(request: HttpRequest) -> dict[str, set[str]]:
    """Role kinds of the signed-in user, for navigation only (never for access decisions)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"role_kinds": set()}
    kinds = {kind for _, kind in user_roles(user)}
    if user.is_superuser:
        kinds.add(Role.Kind.ADMIN)
    return {"role_kinds": kinds}
