"""Once only: a creating form carries a one-time token, and a second POST of the same token
answers with what the first one created instead of creating it again (a double click, a
browser's resubmission, two parallel requests).

The token is claimed by inserting it (unique) in the same transaction as the creation, so of two
simultaneous POSTs the second waits for the first's commit, finds the token taken and is sent to
the first one's record. A creation that fails (a form error) rolls the claim back with it: the
corrected form may be sent again with the same token.

A view uses it like this::

    form = AdmissionForm(request.POST or None, initial={FIELD: new_token()})
    if request.method == "POST" and form.is_valid():
        url, replayed = run_once(request, lambda: reverse("…", args=[create(...).pk]))
        return redirect(url)

A POST without a token is not protected by it (tests and scripts); the namesake check of the
member and candidate forms still stands in front of a twin.
"""

import secrets
from collections.abc import Callable
from typing import cast

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.http import HttpRequest
from django.utils import timezone

FIELD = "once"
TOKEN_LENGTH = 43  # secrets.token_urlsafe(32)


class OnceToken(models.Model):
    token = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    url = models.CharField("kết quả", max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        app_label = "partydev"
        verbose_name = "mã gửi biểu mẫu một lần"


def new_token() -> str:
    return secrets.token_urlsafe(32)


def _token(request: HttpRequest) -> str:
    raw = str(request.POST.get(FIELD, "")).strip()
    return raw if 20 <= len(raw) <= 64 and raw.replace("-", "").replace("_", "").isalnum() else ""


def run_once(request: HttpRequest, create: Callable[[], str]) -> tuple[str, bool]:
    """Run ``create`` (which returns the URL of what it made) once for the request's token.
    Returns ``(url, replayed)``: ``replayed`` when an earlier POST of the token made it."""
    token = _token(request)
    if not token:
        return create(), False
    user = cast(User, request.user)  # the creating views are login_required: never anonymous
    with transaction.atomic():
        try:
            with transaction.atomic():
                claim = OnceToken.objects.create(token=token, user=user)
        except IntegrityError:
            prior = OnceToken.objects.filter(token=token, user=user).exclude(url="").first()
            if prior is None:
                raise ValidationError("Biểu mẫu này đã được gửi; hãy tải lại trang.") from None
            return prior.url, True
        url = create()
        OnceToken.objects.filter(pk=claim.pk).update(url=url[:500])
        return url, False
