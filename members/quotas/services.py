"""Who may set which quota, the rules on the numbers, and the writes.

A quota is set by the level above: a role on a *strict* ancestor of the organisation. The
province office also sets its own root organisation's target (it comes from outside the tree).
Uploading a spreadsheet is for district staff and the provincial office; grassroots staff may
set their cells' quotas on screen.
"""

from typing import Any, NotRequired, TypedDict

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from organizations import permissions
from organizations.models import Organization, OrganizationQuerySet
from partydev.audit import bulk_history
from partydev.models import Upload
from partydev.params import echo
from partydev.text import ascii_digits

from .models import MAX_QUOTA, MAX_YEAR, MIN_YEAR, Quota, QuotaChange


def can_set_quota(user: Any, org: Organization) -> bool:
    return permissions.may_set_quota(user, org)


def settable_q(user: Any) -> Q:
    """Q over Organization: the organisations whose quota the user may set."""
    return permissions.quota_settable_q(user)


def settable_organizations(user: Any) -> OrganizationQuerySet:
    return Organization.objects.filter(settable_q(user))


def upload_scope(user: Any) -> Organization | None:
    """The organisation a user's quota uploads are for: their highest district/province role.
    Raises PermissionDenied for users who may not upload."""
    permissions.require(user, permissions.may_upload_quotas)
    paths = permissions.quota_upload_paths(user)
    return Organization.objects.get(path=paths[0]) if paths else None  # None: a superuser without a role


def validate_year(value: object) -> int:
    try:
        year = int(ascii_digits(str(value).strip()) or "")  # full-width digits folded, any other refused
    except (TypeError, ValueError):
        raise ValidationError(f"“{echo(value)}” không phải là năm (cần 4 chữ số, ví dụ 2024).") from None
    if not MIN_YEAR <= year <= MAX_YEAR or len(str(year)) != 4:
        raise ValidationError(f"“{echo(value)}” không phải là năm hợp lệ (từ {MIN_YEAR} đến {MAX_YEAR}).")
    return year


def number_problems(target: int | None, minimum: int | None) -> list[tuple[str, str]]:
    """The rules on a quota's numbers, shared by the form and the import: (field, message)."""
    problems = []
    if target is None:
        problems.append(("target", "Thiếu chỉ tiêu."))
    elif target < 0:
        problems.append(("target", f"Chỉ tiêu không được âm ({target})."))
    elif target > MAX_QUOTA:
        problems.append(("target", f"Chỉ tiêu {target} quá lớn (tối đa {MAX_QUOTA:,}).".replace(",", ".")))
    if minimum is not None:
        if minimum < 0:
            problems.append(("minimum", f"Tối thiểu không được âm ({minimum})."))
        elif target is not None and 0 <= target < minimum:
            problems.append(("minimum", f"Tối thiểu ({minimum}) lớn hơn chỉ tiêu ({target})."))
    return problems


def version_token(quota: Quota | None) -> str:
    """What an edit form carries to notice a change made meanwhile: when the quota was last set."""
    return quota.set_at.isoformat() if quota is not None else NEW_QUOTA


NEW_QUOTA = "new"


@transaction.atomic
def quota_set(
    *,
    organization: Organization,
    year: int,
    target: int,
    minimum: int | None = None,
    note: str = "",
    user: Any = None,
    upload: Upload | None = None,
    seen: str | None = None,
) -> Quota:
    """Set one quota by hand: validated, recorded in the history, in one transaction.

    ``seen`` is the ``version_token`` the form was drawn with: if someone set the quota since,
    the change is refused (their value is kept) and the user is told; a form that came back
    without it (``seen=""``) is refused the same way. ``None``: a caller that checks none."""
    permissions.require_unless_system(user, permissions.may_set_quota, organization)
    problems = number_problems(target, minimum)
    if problems:
        raise ValidationError(dict(problems))
    quota = Quota.objects.select_for_update().filter(organization=organization, year=year).first()
    if seen is not None and seen != version_token(quota):
        now = f"{quota.target}" if quota else "chưa có"
        raise ValidationError(
            {
                NON_FIELD_ERRORS: (
                    f"Chỉ tiêu năm {year} của {organization.name} vừa được người khác thay đổi (hiện là {now}); "
                    "thay đổi của bạn chưa được lưu. Hãy tải lại trang, xem giá trị mới rồi sửa lại nếu cần."
                )
            }
        )
    old_target, old_minimum = (quota.target, quota.minimum) if quota else (None, None)
    if quota is None:
        quota = Quota(organization=organization, year=year)
    elif (quota.target, quota.minimum, quota.note) == (target, minimum, note):
        return quota
    quota.target, quota.minimum, quota.note = target, minimum, note
    quota.set_by, quota.set_at, quota.upload = user, timezone.now(), upload
    quota.full_clean(exclude=["set_by", "upload"])  # the signed-in user, the upload being applied: loaded rows
    quota.save()
    QuotaChange.objects.create(
        organization=organization,
        year=year,
        old_target=old_target,
        new_target=target,
        old_minimum=old_minimum,
        new_minimum=minimum,
        note=note,
        changed_by=user,
        upload=upload,
    )
    return quota


class QuotaEntry(TypedDict):
    """One quota to write in bulk: ``quota`` is the existing row, None (or left out) for a new one."""

    organization_id: int
    year: int
    target: int
    minimum: NotRequired[int | None]
    note: NotRequired[str]
    quota: NotRequired[Quota | None]


def quotas_bulk_set(entries: list[QuotaEntry], *, user: Any = None, upload: Upload | None = None) -> None:
    """Write many quotas at once (the import's commit, the demo). Each entry: organization_id,
    year, target, minimum, note and ``quota`` (the existing Quota or None). The caller checked
    the scope and ``number_problems``; ``full_clean`` runs again on every row here. Must run
    inside the caller's transaction: a ValidationError rolls everything back."""
    permissions.require_unless_system(user, permissions.may_upload_quotas)
    now = timezone.now()
    creates, updates, changes = [], [], []
    for e in entries:
        quota = e.get("quota")
        old_target, old_minimum = (quota.target, quota.minimum) if quota else (None, None)
        if quota is None:
            quota = Quota(organization_id=e["organization_id"], year=e["year"])
            creates.append(quota)
        else:
            updates.append(quota)
        quota.target, quota.minimum, quota.note = e["target"], e.get("minimum"), e.get("note", "")
        quota.set_by, quota.set_at, quota.upload = user, now, upload
        # Uniqueness is the plan's job (one row per organisation) and the database's constraint;
        # the foreign keys were loaded by the plan: skip the per-row queries full_clean would run.
        quota.full_clean(
            exclude=["organization", "set_by", "upload"], validate_unique=False, validate_constraints=False
        )
        changes.append(
            QuotaChange(
                organization_id=e["organization_id"],
                year=e["year"],
                old_target=old_target,
                new_target=quota.target,
                old_minimum=old_minimum,
                new_minimum=quota.minimum,
                note=quota.note,
                changed_by=user,
                changed_at=now,
                upload=upload,
            )
        )
    Quota.objects.bulk_create(creates, batch_size=1000)
    Quota.objects.bulk_update(updates, ["target", "minimum", "note", "set_by", "set_at", "upload"], batch_size=1000)
    QuotaChange.objects.bulk_create(changes, batch_size=1000)
    # Bulk writes write no history by themselves (partydev.audit).
    bulk_history(Quota, creates, update=False, user=user)
    bulk_history(Quota, updates, user=user)
    bulk_history(QuotaChange, changes, update=False, user=user)
