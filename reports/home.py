"""Where each user lands after login. Here, on the top floor, because it knows every app."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from organizations.models import Role, user_roles

DASHBOARD_ROLES = {Role.Kind.PROVINCE_OFFICE, Role.Kind.DISTRICT_STAFF, Role.Kind.GRASSROOTS_STAFF}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Provincial office, district and grassroots staff land on their dashboard; a cell
    secretary on the cell's worklist (what is due and overdue); anyone else on the browser."""
    kinds = {kind for _, kind in user_roles(request.user)}
    if kinds & DASHBOARD_ROLES:
        return redirect("reports:dashboard")
    if Role.Kind.CELL_SECRETARY in kinds:
        return redirect("candidates:worklist")
    return redirect("reports:browser")
