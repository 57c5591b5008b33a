"""Who may do what: one function per capability, computed from the user's roles and the organisation.

Seeing is ``for_user`` (``organizations.models.subtree_q``); these decide the actions. Each
capability is a ``may_<action>(user, ...)`` returning a bool; the services that change data call
``require(user, capability, ...)``, which raises ``PermissionDenied`` with a Vietnamese message
naming who does the work. A view calls the same capability to decide what it shows, and may call
``require`` itself to refuse (403) before it parses parameters — always after it fetched the object
through the scoped queryset, so that out of scope stays a 404.

A role binds a user to one organisation and reaches down its subtree (``role_kinds_over``); a
superuser holds the administrator's role everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import reduce
from operator import or_
from typing import Any, Protocol

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from .models import GRASSROOTS_KINDS, Organization, Role, role_kinds_over, user_roles
from .privacy import SENSITIVE_FIELDS, can_see_sensitive

K = Role.Kind

# The kinds of work, as sets of role kinds (a role on the organisation or on an ancestor).
CELL_WORK = frozenset({K.CELL_SECRETARY, K.GRASSROOTS_STAFF, K.DISTRICT_STAFF, K.PROVINCE_OFFICE, K.ADMIN})
COMMITTEE_WORK = frozenset({K.GRASSROOTS_STAFF, K.DISTRICT_STAFF, K.PROVINCE_OFFICE, K.ADMIN})
# The committee directly above the grassroots (and above it) decides: admissions, recognitions,
# decisions on members, overrides of a failed rule, the follow-up of the committees below.
DECIDING_WORK = frozenset({K.DISTRICT_STAFF, K.PROVINCE_OFFICE, K.ADMIN})
PROPOSING_WORK = frozenset({K.CELL_SECRETARY, K.GRASSROOTS_STAFF})
PROVINCE_WORK = frozenset({K.PROVINCE_OFFICE, K.ADMIN})
QUOTA_SETTING = frozenset({K.PROVINCE_OFFICE, K.DISTRICT_STAFF, K.GRASSROOTS_STAFF, K.ADMIN})
QUOTA_UPLOADING = frozenset({K.PROVINCE_OFFICE, K.DISTRICT_STAFF, K.ADMIN})

CELL_WHO = "chi bộ (bí thư chi bộ) hoặc cấp ủy cấp trên"
COMMITTEE_WHO = "cán bộ đảng ủy cơ sở hoặc cấp trên"
DECIDING_WHO = "cấp ủy có thẩm quyền quyết định (cấp ủy cấp trên trực tiếp cơ sở) hoặc cấp trên"
PROVINCE_WHO = "Văn phòng, Ban Tổ chức Tỉnh ủy hoặc quản trị hệ thống"


class Capability(Protocol):
    """A ``may_<action>`` function with the words ``require`` refuses with."""

    who: str
    refusal: str

    def __call__(self, user: Any, /, *args: Any, **kwargs: Any) -> bool: ...


def capability(who: str, refusal: str = "") -> Callable[[Callable[..., bool]], Capability]:
    """Name who does the work (``who``) and how a refusal reads (``refusal``; by default it says who)."""

    def mark(func: Callable[..., bool]) -> Capability:
        func.who = who  # type: ignore[attr-defined]
        func.refusal = refusal or f"Việc này do {who} thực hiện; tài khoản này không có quyền."  # type: ignore[attr-defined]
        return func  # type: ignore[return-value]

    return mark


def require(user: Any, may: Capability, /, *args: Any, message: str = "", **kwargs: Any) -> None:
    """Raise ``PermissionDenied`` unless ``user`` has the capability ``may`` over ``args``.

    ``user`` None refuses too: a service whose convention lets a command or the demo act without
    a user calls ``require_unless_system``."""
    if user is None or not may(user, *args, **kwargs):
        raise PermissionDenied(message or may.refusal)


def require_unless_system(user: Any, may: Capability, /, *args: Any, message: str = "", **kwargs: Any) -> None:
    """``require``, except that ``user`` None — a command, an import job or the demo seed, outside a
    request, acting on its own authority — is allowed."""
    if user is not None:
        require(user, may, *args, message=message, **kwargs)


def _holds(user: Any, organization: Organization, kinds: frozenset[str]) -> bool:
    return user is not None and bool(role_kinds_over(user, organization) & kinds)


def _holds_anywhere(user: Any, kinds: frozenset[str]) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return user.is_superuser or any(kind in kinds for _path, kind in user_roles(user))


# --- the admission pipeline ---------------------------------------------------------------------


@capability(CELL_WHO)
def may_work_in_cell(user: Any, cell: Organization) -> bool:
    """The cell's own work on its candidates: propose a source, record cultivation, the course,
    the dossier, the cell's vote and the probation; drop, return or move a candidate; back-fill."""
    return _holds(user, cell, CELL_WORK)


@capability(COMMITTEE_WHO)
def may_do_committee_work(user: Any, cell: Organization) -> bool:
    """The grassroots committee's work on a cell's candidate: verification, appraisal, its vote."""
    return _holds(user, cell, COMMITTEE_WORK)


@capability(DECIDING_WHO)
def may_decide_admission(user: Any, cell: Organization, decided_by: Organization | None = None) -> bool:
    """Decide on a cell's candidate: admit, recognise as official, strike a probationary member off.
    The committee directly above the grassroots and above it; a grassroots committee authorised to
    decide admissions (``decided_by``) decides through its own staff."""
    kinds = DECIDING_WORK
    if decided_by is not None and decided_by.kind in GRASSROOTS_KINDS:
        kinds = kinds | {K.GRASSROOTS_STAFF}
    return _holds(user, cell, kinds)


@capability(DECIDING_WHO, "Chỉ cấp ủy có thẩm quyền quyết định mới được bỏ qua một điều kiện không đạt.")
def may_override_rule(user: Any, cell: Organization) -> bool:
    """Override a failed rule of the pipeline with a written reason."""
    return _holds(user, cell, DECIDING_WORK)


# --- the members register -----------------------------------------------------------------------


@capability(DECIDING_WHO, "Chỉ cán bộ cấp ủy cấp trên trực tiếp cơ sở trở lên được ghi quyết định về đảng viên.")
def may_record_member_event(user: Any, organization: Organization) -> bool:
    """Record a decision on members of ``organization``'s subtree: an admission, a transfer in, any
    membership event, the refusal of a proposal, a register import, a collective transfer."""
    return _holds(user, organization, DECIDING_WORK)


@capability("bí thư chi bộ hoặc cán bộ đảng ủy cơ sở", "Chỉ bí thư chi bộ hoặc cán bộ đảng ủy cơ sở được gửi đề nghị.")
def may_propose_member_event(user: Any, organization: Organization) -> bool:
    """Send the committee a cell's proposal (a transfer, an exemption, a death…)."""
    return _holds(user, organization, PROPOSING_WORK)


@capability("người được xem đầy đủ hồ sơ", "Tài khoản này không được sửa thông tin cá nhân của đảng viên.")
def may_edit_person(user: Any, cell: Organization, fields: Iterable[str] = SENSITIVE_FIELDS) -> bool:
    """Correct a member's personal ``fields``: those who work on the cell's records; a sensitive
    field only by those who may read it (``privacy``). The edit form carries them all."""
    if any(name in SENSITIVE_FIELDS for name in fields):
        return user is not None and can_see_sensitive(user, cell)
    return _holds(user, cell, CELL_WORK)


# --- quotas ---------------------------------------------------------------------------------------


def _is_province_own(path: str, kind: str) -> bool:
    return len(path) == Organization.steplen and kind == K.PROVINCE_OFFICE


@capability("cấp ủy cấp trên", "Bạn không có quyền đặt chỉ tiêu cho tổ chức này.")
def may_set_quota(user: Any, organization: Organization, kinds: frozenset[str] = QUOTA_SETTING) -> bool:
    """A quota is set by the level above (a role on a strict ancestor); the provincial office also
    sets its own root organisation's target (it comes from outside the tree)."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(
        kind in kinds
        and organization.path.startswith(path)
        and (organization.path != path or (organization.depth == 1 and kind == K.PROVINCE_OFFICE))
        for path, kind in user_roles(user)
    )


def quota_settable_q(user: Any, kinds: frozenset[str] = QUOTA_SETTING) -> Q:
    """``may_set_quota`` as a Q over Organization."""
    if user.is_superuser:
        return Q()
    parts = [
        (Q(path__startswith=path) & ~Q(path=path)) | (Q(path=path) if _is_province_own(path, kind) else Q(pk__in=[]))
        for path, kind in user_roles(user)
        if kind in kinds
    ]
    return reduce(or_, parts) if parts else Q(pk__in=[])


@capability(
    "cán bộ cấp ủy cấp trên trực tiếp cơ sở và Văn phòng, Ban Tổ chức Tỉnh ủy",
    "Chỉ cán bộ cấp ủy cấp trên trực tiếp cơ sở và Văn phòng, Ban Tổ chức Tỉnh ủy được tải lên chỉ tiêu.",
)
def may_upload_quotas(user: Any) -> bool:
    """Upload a spreadsheet of quotas (grassroots staff set their cells' quotas on screen)."""
    return _holds_anywhere(user, QUOTA_UPLOADING)


def quota_upload_paths(user: Any) -> list[str]:
    """The paths of the roles a user uploads quotas through, highest first."""
    return sorted((path for path, kind in user_roles(user) if kind in QUOTA_UPLOADING), key=len)


# --- the province's own settings ------------------------------------------------------------------


@capability(PROVINCE_WHO, "Chỉ Văn phòng, Ban Tổ chức Tỉnh ủy hoặc quản trị hệ thống sửa lịch làm việc.")
def may_edit_calendar(user: Any) -> bool:
    """Declare a day off or a working day of the province's working-day calendar."""
    return _holds_anywhere(user, PROVINCE_WORK)


@capability(PROVINCE_WHO, "Chỉ Văn phòng, Ban Tổ chức Tỉnh ủy thay được mẫu văn bản.")
def may_edit_templates(user: Any) -> bool:
    """Change the templates the papers are written from."""
    return _holds_anywhere(user, PROVINCE_WORK)


@capability("Ban Tổ chức Tỉnh ủy hoặc quản trị hệ thống")
def may_restructure(user: Any, organization: Organization) -> bool:
    """Restructuring the tree (create, rename, move, merge, split, dissolve, change of kind) is the
    provincial office's work (the organisation department), or an administrator's, over their subtree."""
    if user is None or not user.is_authenticated:
        return False
    return _holds(user, organization, PROVINCE_WORK)


# --- the follow-up of the committees --------------------------------------------------------------


@capability("cấp ủy cấp trên trực tiếp cơ sở hoặc Văn phòng, Ban Tổ chức Tỉnh ủy")
def may_manage_followup(user: Any, organization: Organization) -> bool:
    """Committee members, their assignments and the year's thresholds: district staff in their
    district, the provincial office at its level."""
    return _holds(user, organization, DECIDING_WORK)


@capability("cấp ủy cấp trên")
def may_rate_year(user: Any, organization: Organization) -> bool:
    """Rate a collective's year: the committee above it, a manager's role on a strict ancestor."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(
        kind in DECIDING_WORK and organization.path.startswith(path) and organization.path != path
        for path, kind in user_roles(user)
    )


def is_assignee(user: Any, assignment: Any) -> bool:
    return user is not None and user.is_authenticated and assignment.committee_member.user_id == user.pk


@capability("cấp ủy viên được phân công", "Chỉ cấp ủy viên được phân công mới ghi biên bản kiểm tra của phân công này.")
def may_record_check(user: Any, assignment: Any) -> bool:
    """The assigned committee member records their own checks (an administrator may correct them)."""
    return is_assignee(user, assignment) or (user is not None and user.is_superuser)


def check_can_restructure(user: Any, organizations: Iterable[Organization]) -> None:
    """Raise PermissionDenied unless ``user`` may restructure every one of ``organizations``.
    ``user`` None: a command or the demo seed, outside a request."""
    for org in organizations:
        require_unless_system(
            user,
            may_restructure,
            org,
            message=f"Chỉ Ban Tổ chức Tỉnh ủy hoặc quản trị hệ thống được sắp xếp «{org.name}».",
        )
