"""The organisation tree, residential areas, and the roles that scope every user.

The tree is a materialized path (django-treebeard MP_Node): a subtree is
``path__startswith=node.path``. Scoping lives here and only here: ``for_user``.
"""

import datetime
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from partydev.audit import HistoryBase
from partydev.text import fold


class Kind(models.TextChoices):
    PROVINCE = "province", "Đảng bộ tỉnh"
    DISTRICT = "district", "Đảng bộ huyện"
    CITY = "city", "Đảng bộ thành phố"
    BLOC = "bloc", "Đảng bộ khối"
    MILITARY = "military", "Đảng bộ quân sự"
    POLICE = "police", "Đảng bộ công an"
    COMMUNE = "commune", "Đảng bộ xã, phường"
    GRASSROOTS_COMMITTEE = "grassroots_committee", "Đảng bộ cơ sở"
    GRASSROOTS_CELL = "grassroots_cell", "Chi bộ cơ sở"
    PARTIAL_COMMITTEE = "partial_committee", "Đảng bộ bộ phận"
    CELL = "cell", "Chi bộ trực thuộc"


UPPER_KINDS = {Kind.DISTRICT, Kind.CITY, Kind.BLOC, Kind.MILITARY, Kind.POLICE}
GRASSROOTS_KINDS = {Kind.GRASSROOTS_COMMITTEE, Kind.GRASSROOTS_CELL}
# Kinds where party members meet and candidates are cultivated ("the cell" of a person).
CELL_KINDS = {Kind.CELL, Kind.GRASSROOTS_CELL}
DISTRICT_LEVEL_KINDS = {Kind.DISTRICT, Kind.CITY}

# Which kinds may sit directly under which (None: a root). Since 1/7/2025 commune and ward
# committees sit directly under the province and hold cells themselves.
ALLOWED_PARENT_KINDS: dict[str, set] = {
    Kind.PROVINCE: {None},
    Kind.DISTRICT: {Kind.PROVINCE},
    Kind.CITY: {Kind.PROVINCE},
    Kind.BLOC: {Kind.PROVINCE},
    Kind.MILITARY: {Kind.PROVINCE},
    Kind.POLICE: {Kind.PROVINCE},
    Kind.COMMUNE: {Kind.PROVINCE, Kind.DISTRICT, Kind.CITY},
    Kind.GRASSROOTS_COMMITTEE: {Kind.PROVINCE, *UPPER_KINDS, Kind.COMMUNE},
    Kind.GRASSROOTS_CELL: {Kind.PROVINCE, *UPPER_KINDS, Kind.COMMUNE},
    Kind.PARTIAL_COMMITTEE: {Kind.GRASSROOTS_COMMITTEE},
    Kind.CELL: {Kind.GRASSROOTS_COMMITTEE, Kind.PARTIAL_COMMITTEE, Kind.COMMUNE},
}


def check_placement(kind: str, parent_kind: str | None) -> None:
    """Raise a ValidationError, in Vietnamese, if ``kind`` may not sit under ``parent_kind``."""
    if parent_kind is None:
        if None not in ALLOWED_PARENT_KINDS[kind]:
            raise ValidationError({"kind": f"{Kind(kind).label} không thể là tổ chức gốc; hãy chọn tổ chức cấp trên."})
        return
    if parent_kind not in ALLOWED_PARENT_KINDS[kind]:
        if parent_kind in CELL_KINDS:
            message = f"{Kind(parent_kind).label} không có tổ chức trực thuộc."
        else:
            allowed = ", ".join(Kind(k).label for k in ALLOWED_PARENT_KINDS[kind] if k)
            message = (
                f"{Kind(kind).label} không thể trực thuộc {Kind(parent_kind).label.lower()}; "
                f"chỉ trực thuộc: {allowed.lower()}."
            )
        raise ValidationError({"kind": message})


class OrganizationQuerySet(MP_NodeQuerySet):
    def for_user(self, user):
        """Every organisation in the subtrees of the user's roles: the one place that decides."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(subtree_q(user))

    def valid_on(self, day):
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def subtree(self, node, include_self=True):
        qs = self.filter(path__startswith=node.path)
        return qs if include_self else qs.exclude(pk=node.pk)

    def search(self, text):
        return self.filter(name_search__contains=fold(text)) if text else self


class OrganizationManager(MP_NodeManager.from_queryset(OrganizationQuerySet)):
    def get_queryset(self):
        return OrganizationQuerySet(self.model, using=self._db).order_by("path")


class Organization(MP_Node):
    code = models.CharField(
        "mã tổ chức", max_length=32, unique=True, error_messages={"unique": "Mã tổ chức này đã được dùng."}
    )
    name = models.CharField("tên tổ chức", max_length=255)
    name_search = models.CharField(max_length=255, editable=False, db_index=True, default="")
    kind = models.CharField("cấp", max_length=32, choices=Kind.choices)
    can_decide_admission = models.BooleanField(
        "có thẩm quyền quyết định kết nạp",
        default=False,
        help_text="Cấp ủy trực tiếp trên cơ sở, hoặc đảng ủy cơ sở được ủy quyền kết nạp.",
    )
    disadvantaged_area = models.BooleanField(
        "vùng khó khăn",
        default=False,
        help_text="Miền núi, vùng đồng bào dân tộc thiểu số, biên giới: chấp nhận trình độ tiểu học.",
    )
    valid_from = models.DateField("hiệu lực từ", null=True, blank=True)
    valid_to = models.DateField("hiệu lực đến", null=True, blank=True)
    # How many organisations of each kind lie below this one: {kind: count}. A roll-up kept in
    # step by organizations.services (and rebuilt by rebuild_descendant_counts), so the browser
    # and the API read it without aggregating the subtree on every request.
    descendant_counts = models.JSONField(default=dict, editable=False)

    objects = OrganizationManager()
    # Every change, with who, when and from where. Derived columns are left out. Treebeard moves
    # rewrite paths in bulk: organizations.services writes their history (organization_move).
    history = HistoricalRecords(bases=[HistoryBase], excluded_fields=["name_search", "descendant_counts", "numchild"])

    class Meta:
        verbose_name = "tổ chức đảng"
        verbose_name_plural = "tổ chức đảng"
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="organization_valid_to_after_valid_from",
                violation_error_message="Ngày hết hiệu lực không được trước ngày có hiệu lực.",
            ),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name_search = fold(self.name)
        super().save(*args, **kwargs)

    def clean(self):
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "Ngày hết hiệu lực không được trước ngày có hiệu lực."})

    @property
    def is_cell(self):
        return self.kind in CELL_KINDS

    @property
    def is_grassroots(self):
        return self.kind in GRASSROOTS_KINDS

    @property
    def ancestor_paths(self) -> list[str]:
        """The paths of the ancestors from the root down, then of self (no query)."""
        return [self.path[: i * self.steplen] for i in range(1, self.depth + 1)]

    def ancestors_and_self(self):
        """Ancestors from the root down, then self: one query."""
        return Organization.objects.filter(path__in=self.ancestor_paths).order_by("depth")

    def deciding_bodies(self):
        """The organisations at or above this one that may decide an admission, nearest first."""
        return self.ancestors_and_self().filter(can_decide_admission=True).order_by("-depth")


def subtree_q(user, field: str = "") -> Q:
    """Q matching rows whose organisation (reached through ``field``) is in the user's subtrees.

    ``field`` is the lookup from the scoped model to Organization, e.g. ``"cell"`` for a
    membership; empty for Organization itself. Superusers see everything.
    """
    if not user.is_authenticated:
        return Q(pk__in=[])
    if user.is_superuser:
        return Q()
    lookup = f"{field}__path__startswith" if field else "path__startswith"
    paths = user_root_paths(user)
    if not paths:
        return Q(pk__in=[])
    return reduce(or_, (Q(**{lookup: p}) for p in paths))


def user_roles(user) -> list[tuple[str, str]]:
    """(organisation path, role kind) for each of the user's roles: one query, cached on the user."""
    cached = getattr(user, "_partydev_roles", None)
    if cached is None:
        cached = list(Role.objects.filter(user=user).values_list("organization__path", "kind"))
        user._partydev_roles = cached
    return cached


def user_root_paths(user) -> list[str]:
    """Paths of the organisations the user's roles are bound to, without nested duplicates."""
    paths = sorted({path for path, _ in user_roles(user)})
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]


def role_kinds_over(user, organization) -> set[str]:
    """The role kinds the user holds on this organisation or on one of its ancestors.

    What a user may *do* to a record follows from these; what they may *see* is ``for_user``.
    """
    if not user.is_authenticated:
        return set()
    kinds = {kind for path, kind in user_roles(user) if organization.path.startswith(path)}
    if user.is_superuser:
        kinds.add(Role.Kind.ADMIN)
    return kinds


class ResidentialArea(models.Model):
    class AreaKind(models.TextChoices):
        THON = "thon", "Thôn"
        XOM = "xom", "Xóm"
        BAN = "ban", "Bản"
        TO_DAN_PHO = "to_dan_pho", "Tổ dân phố"

    name = models.CharField("tên", max_length=255)
    kind = models.CharField("loại", max_length=16, choices=AreaKind.choices)
    grassroots = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="residential_areas", verbose_name="tổ chức cơ sở đảng"
    )
    cell = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="covered_areas",
        verbose_name="chi bộ phụ trách",
    )

    history = HistoricalRecords(bases=[HistoryBase])

    class Meta:
        verbose_name = "khu dân cư"
        verbose_name_plural = "khu dân cư"
        constraints = [models.UniqueConstraint(fields=["grassroots", "name"], name="residential_area_unique_name")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.name}"

    def clean(self):
        if self.grassroots_id and self.grassroots.kind not in GRASSROOTS_KINDS | {Kind.COMMUNE}:
            raise ValidationError({"grassroots": "Khu dân cư phải thuộc một tổ chức cơ sở đảng."})
        if (
            self.cell_id
            and self.grassroots_id
            and (self.cell.kind not in CELL_KINDS or not self.cell.path.startswith(self.grassroots.path))
        ):
            raise ValidationError({"cell": "Chi bộ phụ trách phải là một chi bộ của tổ chức cơ sở đảng này."})


class Role(models.Model):
    class Kind(models.TextChoices):
        CELL_SECRETARY = "cell_secretary", "Bí thư chi bộ"
        GRASSROOTS_STAFF = "grassroots_staff", "Cán bộ đảng ủy cơ sở"
        DISTRICT_STAFF = "district_staff", "Cán bộ huyện, thành ủy"
        PROVINCE_OFFICE = "province_office", "Văn phòng, Ban Tổ chức Tỉnh ủy"
        ADMIN = "admin", "Quản trị hệ thống"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="roles")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="roles")
    kind = models.CharField("vai trò", max_length=32, choices=Kind.choices)

    history = HistoricalRecords(bases=[HistoryBase])

    class Meta:
        verbose_name = "vai trò"
        verbose_name_plural = "vai trò"
        constraints = [models.UniqueConstraint(fields=["user", "organization", "kind"], name="role_unique")]

    def __str__(self):
        return f"{self.user} — {self.get_kind_display()} — {self.organization}"


# The first placement of an organisation holds for every earlier date: registers loaded later
# carry decisions from years before the organisation was entered in the system.
EARLIEST = datetime.date(1900, 1, 1)


class OrganizationAncestry(models.Model):
    """The tree as it stood on any date: one row per (ancestor, descendant) pair, self included
    (depth 0), valid from ``valid_from`` (inclusive) until ``valid_to`` (exclusive; NULL: still).

    Kept in step by ``organizations.services`` (create and move, in the same transaction as the
    change of the tree) and built for existing trees by a migration; ``organizations.rollup``
    joins facts to it so a roll-up is one grouped query, over the tree of today or of any date.
    """

    ancestor = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    descendant = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="ancestry")
    depth = models.PositiveSmallIntegerField()  # levels from the ancestor down to the descendant
    valid_from = models.DateField()
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [
            # From the organisations a page shows down to their cells (a roll-up), today or then.
            models.Index(fields=["ancestor", "descendant", "valid_from"], name="ancestry_down"),
            # From a cell up to its ancestors (the tree a fact rolls into).
            models.Index(fields=["descendant", "valid_from"], name="ancestry_up"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="ancestry_valid_to_after_valid_from",
            ),
        ]
