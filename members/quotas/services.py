"""Who may set which quota, the rules on the numbers, and the writes.

A quota is set by the level above: a role on a *strict* ancestor of the organisation. The
province office also sets its own root organisation's target (it comes from outside the tree).
Uploading a spreadsheet is for district staff and the provincial office; grassroots staff may
set their cells' quotas on screen.
"""

from functools import reduce
from operator import or_

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from organizations.models import Organization, Role, user_roles
from partydev.audit import bulk_history
from partydev.params import echo
from partydev.text import ascii_digits

from .models import MAX_QUOTA, MAX_YEAR, MIN_YEAR, Quota, QuotaChange

SETTER_ROLES = {Role.Kind.PROVINCE_OFFICE, Role.Kind.DISTRICT_STAFF, Role.Kind.GRASSROOTS_STAFF, Role.Kind.ADMIN}
UPLOAD_ROLES = {Role.Kind.PROVINCE_OFFICE, Role.Kind.DISTRICT_STAFF, Role.Kind.ADMIN}


def _setter_paths(user, roles) -> list[tuple[str, str]]:
    return [(path, kind) for path, kind in user_roles(user) if kind in roles]


def can_set_quota(user, org: Organization, roles=SETTER_ROLES) -> bool:
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    for path, kind in _setter_paths(user, roles):
        if org.path.startswith(path) and (org.path != path or (org.depth == 1 and kind == Role.Kind.PROVINCE_OFFICE)):
            return True
    return False


def settable_q(user, roles=SETTER_ROLES) -> Q:
    """Q over Organization: the organisations whose quota the user may set."""
    if user.is_superuser:
        return Q()
    parts = []
    for path, kind in _setter_paths(user, roles):
        own = (
            Q(path=path) if (len(path) == Organization.steplen and kind == Role.Kind.PROVINCE_OFFICE) else Q(pk__in=[])
        )
        parts.append((Q(path__startswith=path) & ~Q(path=path)) | own)
    return reduce(or_, parts) if parts else Q(pk__in=[])


def settable_organizations(user, roles=SETTER_ROLES):
    return Organization.objects.filter(settable_q(user, roles))


def upload_scope(user) -> Organization | None:
    """The organisation a user's quota uploads are for: their highest district/province role.
    Raises PermissionError for users who may not upload."""
    paths = sorted((p for p, _ in _setter_paths(user, UPLOAD_ROLES)), key=len)
    if paths:
        return Organization.objects.get(path=paths[0])
    if user.is_superuser:
        return None
    raise PermissionError(
        "Chỉ cán bộ cấp ủy cấp trên trực tiếp cơ sở và Văn phòng, Ban Tổ chức Tỉnh ủy được tải lên chỉ tiêu."
    )


def validate_year(value) -> int:
    try:
        year = int(ascii_digits(str(value).strip()) or "")  # full-width digits folded, any other refused
    except (TypeError, ValueError):
        raise ValidationError(f"“{echo(value)}” không phải là năm (cần 4 chữ số, ví dụ 2024).") from None
    if not MIN_YEAR <= year <= MAX_YEAR or len(str(year)) != 4:
        raise ValidationError(f"“{echo(value)}” không phải là năm hợp lệ (từ {MIN_YEAR} đến {MAX_YEAR}).")
    return year


def number_problems(target, minimum) -> list[tuple[str, str]]:
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
    user=None,
    upload=None,
    seen: str | None = None,
) -> Quota:
    """Set one quota by hand: validated, recorded in the history, in one transaction.

    ``seen`` is the ``version_token`` the form was drawn with: if someone set the quota since,
    the change is refused (their value is kept) and the user is told; a form that came back
    without it (``seen=""``) is refused the same way. ``None``: a caller that checks none."""
    if user is not None and not can_set_quota(user, organization):
        raise PermissionError("Bạn không có quyền đặt chỉ tiêu cho tổ chức này.")
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
    quota.full_clean()
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


def quotas_bulk_set(entries: list[dict], *, user=None, upload=None) -> None:
    """Write many quotas at once (the import's commit, the demo). Each entry: organization_id,
    year, target, minimum, note and ``quota`` (the existing Quota or None). The caller checked
    the scope and ``number_problems``; ``full_clean`` runs again on every row here. Must run
    inside the caller's transaction: a ValidationError rolls everything back."""
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
