"""Quota screens: a scope's quotas for a year with inline editing, the template, the upload."""

from typing import Any, cast

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone

from organizations import permissions
from organizations.models import Organization
from organizations.selectors import breadcrumbs, user_roots, visible_uploads
from partydev.excel import xlsx_response
from partydev.export_tasks import export_later
from partydev.forms import CanonicalForm, add_service_errors
from partydev.models import Upload
from partydev.params import BadParameter
from partydev.upload_views import UploadFlow

from . import services
from .importers import QuotaImporter, quota_template
from .selectors import quota_rows, under_allocated


def _year(request: HttpRequest) -> int:
    """The year asked for (this year by default); a bad one answers 400 with the reason. Read
    after the permission check, so an answer never depends on input before access is settled."""
    raw = request.GET.get("year") or request.POST.get("year")
    if not raw:
        return timezone.localdate().year
    return _valid_year(raw)


def _valid_year(raw: object) -> int:
    try:
        return services.validate_year(raw)
    except ValidationError as exc:
        raise BadParameter(exc.messages[0]) from None


class QuotaForm(CanonicalForm):
    target = forms.IntegerField(
        label="Chỉ tiêu",
        min_value=0,
        error_messages={
            "required": "Thiếu chỉ tiêu.",
            "invalid": "Chỉ tiêu phải là số nguyên.",
            "min_value": "Chỉ tiêu không được âm.",
        },
    )
    minimum = forms.IntegerField(
        label="Tối thiểu",
        min_value=0,
        required=False,
        error_messages={"invalid": "Tối thiểu phải là số nguyên.", "min_value": "Tối thiểu không được âm."},
    )
    note = forms.CharField(label="Ghi chú", max_length=255, required=False)
    seen = forms.CharField(required=False, widget=forms.HiddenInput)  # services.version_token when drawn

    def clean(self) -> dict[str, Any]:
        data = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        for field, message in services.number_problems(data.get("target"), data.get("minimum")):
            if field in data and not self.has_error(field):
                self.add_error(field, message)
        return data


@login_required
def quota_home(request: HttpRequest) -> HttpResponse:
    roots = list(user_roots(request.user)[:1])
    if not roots:
        raise PermissionDenied
    return redirect(f"{reverse('quotas:page', args=[roots[0].code])}?year={_year(request)}")


@login_required
def quota_page(request: HttpRequest, code: str) -> HttpResponse:
    org = get_object_or_404(Organization.objects.for_user(request.user), code=code)
    year = _year(request)
    children = list(Organization.objects.get_children(org))
    own, *rows = quota_rows([org, *children], year)
    settable = {c.pk for c in children if services.can_set_quota(request.user, c)}
    return render(
        request,
        "quotas/page.html",
        {
            "org": org,
            "year": year,
            "own": own,
            "rows": rows,
            "settable": settable,
            "can_set_own": services.can_set_quota(request.user, org),
            "flagged": under_allocated(org, year),
            "crumbs": breadcrumbs(org, request.user),
            "may_upload": _may_upload(request.user),
            "years": range(year - 2, year + 2),
        },
    )


def _may_upload(user: Any) -> bool:
    return permissions.may_upload_quotas(user)


@login_required
def quota_edit(request: HttpRequest, code: str, year: int) -> HttpResponse:
    """One quota, inline: GET gives the row's form, POST saves it and gives the row back (htmx),
    or redirects to the page without JavaScript."""
    org = get_object_or_404(Organization.objects.for_user(request.user), code=code)
    permissions.require(request.user, permissions.may_set_quota, org)
    year = _valid_year(year)
    htmx = request.headers.get("HX-Request") == "true"
    parent = Organization.objects.get_parent(org)
    back = parent if parent and Organization.objects.for_user(request.user).filter(pk=parent.pk).exists() else org
    back_url = f"{reverse('quotas:page', args=[back.code])}?year={year}"
    row = quota_rows([org], year)[0]
    initial = {
        "target": row.target,
        "minimum": row.quota.minimum if row.quota else None,
        "note": row.quota.note if row.quota else "",
        "seen": services.version_token(row.quota),
    }
    form = QuotaForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.quota_set(organization=org, year=year, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            if not htmx:
                return redirect(back_url)
            row = quota_rows([org], year)[0]
            return render(request, "quotas/_row.html", {"row": row, "year": year, "settable": {org.pk}})
    template = "quotas/_row_form.html" if htmx else "quotas/edit.html"
    return render(request, template, {"org": org, "row": row, "year": year, "form": form, "back_url": back_url})


@login_required
def template_download(request: HttpRequest) -> HttpResponse:
    if not services.settable_organizations(request.user).exists():
        raise PermissionDenied
    year = _year(request)
    size = services.settable_organizations(request.user).count()
    if later := export_later(request, size=size, unit="orgs", title=f"Xuất mẫu chỉ tiêu kết nạp năm {year}"):
        return later  # a whole province's template: written by a worker
    return xlsx_response(quota_template(request.user, year), f"chi-tieu-ket-nap-{year}.xlsx")


class QuotaUploadFlow(UploadFlow):
    importer_class = QuotaImporter
    namespace = "quotas"
    title = "Tải lên chỉ tiêu kết nạp"
    upload_template = "quotas/upload.html"

    def upload_scope(self, request: HttpRequest) -> Organization | None:
        return services.upload_scope(request.user)

    def visible_uploads(self, request: HttpRequest) -> QuerySet[Upload]:
        return visible_uploads(request.user, personal_data=False)

    def extra_context(self, request: HttpRequest) -> dict[str, Any]:
        return {"this_year": timezone.localdate().year, "next_year": timezone.localdate().year + 1}

    def done_url(self, upload: Upload) -> str:
        scope = upload.scope or Organization.objects.filter(depth=1).first()
        return f"{reverse('quotas:page', args=[scope.code])}?year={upload.params.get('year', '')}"


upload_flow = QuotaUploadFlow()
