"""The organisation tree, residential areas, and the roles that scope every user.

The tree is a materialized path (django-treebeard MP_Node): a subtree is
``path__startswith=node.path``. Scoping lives here and only here: ``for_user``.
"""

import datetime
from functools import reduce
from operator import or_
from typing import Any, TypeVar, cast

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.db.models.lookups import StartsWith
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from partydev.audit import HistoryBase
from partydev.formats import short_date
from partydev.text import fold

_M = TypeVar("_M", bound=models.Model)


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

# The two-level local government (DOMAIN §5): from this day there is no district level, and the
# placement rules below are those of ALLOWED_PARENT_KINDS_2025.
REFORM_DATE = datetime.date(2025, 7, 1)
# The province-level committees beside the communes and wards, directly above the grassroots.
PROVINCE_LEVEL_KINDS = {Kind.BLOC, Kind.MILITARY, Kind.POLICE}


def local_level_kinds(date_from: datetime.date, date_to: datetime.date) -> list[str]:
    """The local committees directly above the grassroots over a period (the basis the published
    achievement rates are on): district and city committees until 30/06/2025, commune and ward
    committees from 01/07/2025 (DOMAIN §5), both for a period across the reform — read with the
    tree as it stood (``as=then``), each day's admissions fall under exactly one of them."""
    kinds = []
    if date_from < REFORM_DATE:
        kinds += [Kind.DISTRICT.value, Kind.CITY.value]
    if date_to >= REFORM_DATE:
        kinds.append(Kind.COMMUNE.value)
    return kinds


# Which kinds may sit directly under which (None: a root), before 1/7/2025. Kept as it was: the
# tree of 2016-2025 (and a placement with no date) is checked against it.
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

# From 1/7/2025 (DOMAIN §5): the province committee, then one level — commune and ward committees
# and the province-level committees (party agencies and People's Committee as blocs, military,
# police) — then the grassroots organisations, then cells. No district or city committee; a
# plain cell directly under a commune would have no grassroots organisation (a village cell there
# is a grassroots cell). Grassroots organisations directly under the province stay allowed.
ALLOWED_PARENT_KINDS_2025: dict[str, set] = {
    Kind.PROVINCE: {None},
    Kind.DISTRICT: set(),
    Kind.CITY: set(),
    Kind.BLOC: {Kind.PROVINCE},
    Kind.MILITARY: {Kind.PROVINCE},
    Kind.POLICE: {Kind.PROVINCE},
    Kind.COMMUNE: {Kind.PROVINCE},
    Kind.GRASSROOTS_COMMITTEE: {Kind.PROVINCE, Kind.COMMUNE, *PROVINCE_LEVEL_KINDS},
    Kind.GRASSROOTS_CELL: {Kind.PROVINCE, Kind.COMMUNE, *PROVINCE_LEVEL_KINDS},
    Kind.PARTIAL_COMMITTEE: {Kind.GRASSROOTS_COMMITTEE},
    Kind.CELL: {Kind.GRASSROOTS_COMMITTEE, Kind.PARTIAL_COMMITTEE},
}


def allowed_parent_kinds(on: datetime.date | None = None) -> dict[str, set]:
    """The placement rules in force on ``on`` (no date: the rules before the 2025 reform)."""
    return ALLOWED_PARENT_KINDS_2025 if on is not None and on >= REFORM_DATE else ALLOWED_PARENT_KINDS


def check_placement(kind: str, parent_kind: str | None, on: datetime.date | None = None, name: str = "") -> None:
    """Raise a ValidationError, in Vietnamese, if ``kind`` may not sit under ``parent_kind`` on
    the day ``on`` (the operation's or the event's date). ``name`` names the organisation."""
    allowed = allowed_parent_kinds(on)[kind]
    subject = f"«{name}» ({Kind(kind).label.lower()})" if name else Kind(kind).label
    if parent_kind is None:
        if None not in allowed:
            raise ValidationError({"kind": f"{subject} không thể là tổ chức gốc; hãy chọn tổ chức cấp trên."})
        return
    if parent_kind in allowed:
        return
    if parent_kind in CELL_KINDS:
        message = f"{Kind(parent_kind).label} không có tổ chức trực thuộc."
    elif not allowed:
        message = f"Từ {short_date(REFORM_DATE)} không còn cấp huyện: không thể đặt {subject} vào cây tổ chức."
    elif kind == Kind.CELL and parent_kind == Kind.COMMUNE:
        message = (
            f"Từ {short_date(REFORM_DATE)}, chi bộ {('«' + name + '» ') if name else ''}trực thuộc đảng ủy xã, phường "
            "sẽ không có tổ chức cơ sở đảng: hãy lập chi bộ cơ sở, hoặc đặt chi bộ dưới một đảng bộ cơ sở."
        )
    else:
        allowed_labels = ", ".join(Kind(k).label for k in allowed if k)
        message = f"{subject} không thể trực thuộc {Kind(parent_kind).label.lower()}; chỉ trực thuộc: {allowed_labels.lower()}."
    raise ValidationError({"kind": message})


KIND_LABELS: dict[str, str] = {str(value): str(label) for value, label in Kind.choices}


class OrganizationQuerySet(MP_NodeQuerySet):
    def for_user(self, user: Any) -> "OrganizationQuerySet":
        """Every organisation in the subtrees of the user's roles, and the ended organisations
        whose work went (wholly or in part) to organisations there: the one place that decides."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        roots = user_root_paths(user)
        if not roots:
            return self.none()
        q = reduce(or_, (Q(path__startswith=p) for p in roots))
        # An ended organisation is listed if any of its heirs is theirs (whole or in part).
        return self.filter(q | Q(pk__in=inherited(roots)) if user_inherits(user) else q)

    def valid_on(self, day: datetime.date) -> "OrganizationQuerySet":
        return self.filter(Q(valid_from__isnull=True) | Q(valid_from__lte=day)).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=day)
        )

    def subtree(self, node: "Organization", include_self: bool = True) -> "OrganizationQuerySet":
        qs = self.filter(path__startswith=node.path)
        return qs if include_self else qs.exclude(pk=node.pk)

    def search(self, text: str) -> "OrganizationQuerySet":
        return self.filter(name_search__contains=fold(text)) if text else self


# treebeard has no types: the plugin cannot build a manager class from its queryset.
class OrganizationManager(MP_NodeManager.from_queryset(OrganizationQuerySet)):  # type: ignore[misc]
    def get_queryset(self) -> OrganizationQuerySet:
        return OrganizationQuerySet(self.model, using=self._db).order_by("path")


class Organization(MP_Node):
    code: models.CharField[str, str] = models.CharField(
        "mã tổ chức", max_length=32, unique=True, error_messages={"unique": "Mã tổ chức này đã được dùng."}
    )
    name: models.CharField[str, str] = models.CharField("tên tổ chức", max_length=255)
    name_search: models.CharField[str, str] = models.CharField(
        max_length=255, editable=False, db_index=True, default=""
    )
    kind: models.CharField[str, str] = models.CharField("cấp", max_length=32, choices=Kind.choices)
    can_decide_admission: models.BooleanField[bool, bool] = models.BooleanField(
        "có thẩm quyền quyết định kết nạp",
        default=False,
        help_text="Cấp ủy trực tiếp trên cơ sở, hoặc đảng ủy cơ sở được ủy quyền kết nạp.",
    )
    disadvantaged_area: models.BooleanField[bool, bool] = models.BooleanField(
        "vùng khó khăn",
        default=False,
        help_text="Miền núi, vùng đồng bào dân tộc thiểu số, biên giới: chấp nhận trình độ tiểu học.",
    )
    valid_from: models.DateField[datetime.date | None, datetime.date | None] = models.DateField(
        "hiệu lực từ", null=True, blank=True
    )
    valid_to: models.DateField[datetime.date | None, datetime.date | None] = models.DateField(
        "hiệu lực đến", null=True, blank=True
    )
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
        # The children of a node (treebeard: a depth and a range of paths) and the rows of a
        # drill-down at one level; the organisations of some kinds in a subtree (its grassroots
        # organisations, its cells): by an index rather than a walk of the whole subtree.
        indexes = [
            models.Index(fields=["depth", "path"], name="organization_depth_path"),
            models.Index(fields=["kind", "path"], name="organization_kind_path"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True)
                | Q(valid_from__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="organization_valid_to_after_valid_from",
                violation_error_message="Ngày hết hiệu lực không được trước ngày có hiệu lực.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name_search = fold(self.name)
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": "Ngày hết hiệu lực không được trước ngày có hiệu lực."})

    def get_kind_display(self) -> str:
        """The kind's label: a dict lookup (Django's own flattens and hashes the choices on every
        call, and a list of fifty organisations calls it fifty times)."""
        return KIND_LABELS.get(self.kind, self.kind)

    @property
    def is_cell(self) -> bool:
        return self.kind in CELL_KINDS

    @property
    def is_grassroots(self) -> bool:
        return self.kind in GRASSROOTS_KINDS

    @property
    def ancestor_paths(self) -> list[str]:
        """The paths of the ancestors from the root down, then of self (no query)."""
        return [self.path[: i * self.steplen] for i in range(1, self.depth + 1)]

    def ancestors_and_self(self) -> OrganizationQuerySet:
        """Ancestors from the root down, then self: one query."""
        return Organization.objects.filter(path__in=self.ancestor_paths).order_by("depth")

    def deciding_bodies(self) -> OrganizationQuerySet:
        """The organisations at or above this one that may decide an admission, nearest first."""
        return self.ancestors_and_self().filter(can_decide_admission=True).order_by("-depth")

    @property
    def is_ward(self) -> bool:
        """A ward committee (đảng bộ phường) is a commune-level committee told apart by its name."""
        return self.kind == Kind.COMMUNE and fold(self.name).startswith(("dang bo phuong", "dang uy phuong"))

    def is_valid_on(self, day: datetime.date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or self.valid_to >= day)

    def name_on(self, day: datetime.date) -> str:
        """The name as it stood at the end of ``day`` (a paper dated that day carries it).

        A dated rename (``TreeOperation`` "rename", recorded on or after its effective date) is
        read by its effective date: an old paper keeps the old name even though the rename was
        recorded later. A rename made outside the dated operations (the admin) is read by the
        history's date. The oldest known name for a day before the first record."""
        end = datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC)
        renames = list(self.operations.filter(kind=TreeOperation.Kind.RENAME).order_by("effective_date", "id"))
        later = [op for op in renames if op.effective_date > day]
        if later:
            return later[0].details["name"][0]
        if renames:
            last = renames[-1]
            # A plain edit recorded after the dated rename and before the end of the day wins.
            row = self.history.filter(history_date__gt=last.recorded_at, history_date__lt=end).order_by("-history_date")
            edited = row.values_list("name", flat=True).first()
            return edited if edited is not None else last.details["name"][1]
        row = self.history.filter(history_date__lt=end).order_by("-history_date", "-history_id").first()
        if row is None:
            row = self.history.order_by("history_date", "history_id").first()
        return row.name if row is not None else self.name

    def successors(self) -> OrganizationQuerySet:
        """The organisations that took over this one's work (through recorded successions)."""
        return Organization.objects.filter(successions_as_successor__predecessor=self).distinct()

    def predecessors(self) -> OrganizationQuerySet:
        """The organisations this one was made from."""
        return Organization.objects.filter(successions_as_predecessor__successor=self).distinct()


def subtree_q(user: Any, field: str = "") -> Q:
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
    q = reduce(or_, (Q(**{lookup: p}) for p in paths))
    # Scope reaches back in time by the cells: an organisation ended by a merge whose successors
    # are all in the scope is read whole (its rows, e.g. the periods of a merged cell). A subquery
    # on the heirs (a small table), not a walk of the successions: no query of its own.
    if user_inherits(user):
        q |= Q(**{f"{field}__in" if field else "pk__in": wholly_inherited(paths)})
    return q


def _heirs_inside(roots: list[str]) -> Q:
    """Q on ``Heir``: the heir lies in one of the subtrees of ``roots``."""
    return reduce(or_, (Q(heir__path__startswith=p) for p in roots))


# Scope's subqueries on the heirs, in SQL of their own: built as an ORM subquery they would double
# the cost of building and compiling every scoped query (measured: 0.36 → 0.71 ms a query).
_HEIRS_JOINED = "SELECT h.organization_id FROM {heir} h INNER JOIN {organization} o ON o.id = h.heir_id"


def _inside_sql(roots: list[str]) -> tuple[str, list[Any]]:
    """SQL true where the heir's path ``o.path`` lies under one of ``roots`` (startswith, exact
    on every backend), with its parameters."""
    sql = " OR ".join("SUBSTR(o.path, 1, %s) = %s" for _ in roots)
    return f"({sql})", [x for p in roots for x in (len(p), p)]


def _heirs_sql(having_every_heir_inside: bool, roots: list[str]) -> RawSQL:
    tables = {"heir": Heir._meta.db_table, "organization": Organization._meta.db_table}
    inside, params = _inside_sql(roots)
    base = _HEIRS_JOINED.format(**tables)
    if having_every_heir_inside:
        sql = f"{base} GROUP BY h.organization_id HAVING MIN(CASE WHEN {inside} THEN 1 ELSE 0 END) = 1"
    else:
        sql = f"{base} WHERE {inside}"
    return RawSQL(sql, params, output_field=models.IntegerField())


def wholly_inherited(roots: list[str]) -> RawSQL:
    """A subquery: the ids of the organisations every heir of which lies in the subtrees of
    ``roots`` (``WHOLE`` in ``ended_extents``)."""
    return _heirs_sql(True, roots)


def inherited(roots: list[str]) -> RawSQL:
    """A subquery: the ids of the organisations an heir of which lies in the subtrees of
    ``roots`` (``WHOLE`` or ``PART`` in ``ended_extents``)."""
    return _heirs_sql(False, roots)


class ScopedQuerySet(models.QuerySet):
    """The queryset of a model that hangs off the tree: ``for_user`` keeps the rows whose
    organisation, reached through ``scope_field`` (like readthedocs' ``project_field``), is in the
    user's subtrees (``subtree_q``). A model declares the path and uses it as its manager::

        class MembershipQuerySet(ScopedQuerySet):
            scope_field = "cell"

        objects = MembershipQuerySet.as_manager()
    """

    scope_field: str = ""

    def for_user(self, user: Any) -> "ScopedQuerySet":
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        return self.filter(subtree_q(user, self.scope_field))


def scoped(queryset: models.QuerySet[_M], user: Any, field: str) -> models.QuerySet[_M]:
    """``ScopedQuerySet.for_user`` for a model of a floor below that cannot declare one
    (``partydev.Upload``: ``partydev`` imports no app)."""
    if not user.is_authenticated:
        return queryset.none()
    return queryset if user.is_superuser else queryset.filter(subtree_q(user, field))


def user_roles(user: Any) -> list[tuple[str, str]]:
    """(organisation path, role kind) for each of the user's roles: one query, cached on the user."""
    cached = getattr(user, "_partydev_roles", None)
    if cached is None:
        # In the same query: whether the role's subtree holds an heir of an ended organisation
        # (scope then reads the heirs; otherwise it costs nothing).
        inherits = Exists(Heir.objects.filter(heir__path__startswith=OuterRef("organization__path")))
        rows = list(
            Role.objects.filter(user=user)
            .annotate(inherits=inherits)
            .values_list("organization__path", "kind", "inherits")
        )
        cached = [(path, kind) for path, kind, _ in rows]
        user._partydev_roles = cached
        user._partydev_inherits = any(flag for _, _, flag in rows)
    return cached


def user_inherits(user: Any) -> bool:
    """Whether the user's subtrees hold an heir of an ended organisation (``Heir``), read with
    the roles (no query of its own)."""
    user_roles(user)
    return bool(getattr(user, "_partydev_inherits", True))


def user_root_paths(user: Any) -> list[str]:
    """Paths of the organisations the user's roles are bound to, without nested duplicates."""
    paths = sorted({path for path, _ in user_roles(user)})
    return [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]


WHOLE, PART = "whole", "part"


def ended_extents(user: Any) -> dict[int, str]:
    """The ended organisations the user reads through their successors: id → ``WHOLE`` (every
    heir — the successors, followed through later successions — is in the user's subtrees: the
    organisation's work is all theirs now) or ``PART`` (some are: e.g. a committee split between
    two communes, read by one of them only through the cells that are now its own — those are in
    its subtree already, cells keeping their ids).

    One query on the heirs (``Heir``), cached on the user for the request like the roles; none
    when the user's subtrees hold no heir."""
    cached = getattr(user, "_partydev_ended", None)
    if cached is not None:
        return cached
    roots = user_root_paths(user) if user.is_authenticated and not user.is_superuser else []
    cached = {}
    if roots and user_inherits(user):
        touched = Heir.objects.filter(_heirs_inside(roots)).values("organization_id")
        rows = Heir.objects.filter(organization_id__in=touched).values_list("organization_id", "heir__path")
        inside: dict[int, bool] = {}
        for pk, path in rows:
            here = any(path.startswith(r) for r in roots)
            inside[pk] = inside.get(pk, True) and here
        cached = {pk: WHOLE if whole else PART for pk, whole in inside.items()}
    user._partydev_ended = cached
    return cached


def readable_extent(user: Any, organization: Organization) -> str | None:
    """``WHOLE`` if the user reads all of ``organization`` (in their subtrees, or ended with all
    of its work now theirs), ``PART`` if only what went to them, None if nothing. Reports over
    an organisation read ``PART`` say that their totals are partial."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return WHOLE
    # Only an ended organisation has heirs (the services end every predecessor).
    extent = ended_extents(user).get(organization.pk) if organization.valid_to is not None else None
    if extent is not None:
        return extent  # ended: what its successors in the scope hold, wherever it lies itself
    if any(organization.path.startswith(p) for p in user_root_paths(user)):
        # In the subtree; if it ended by a split or merge whose successors all lie elsewhere, its
        # cells went with them and only its own row is still here.
        ended_elsewhere = organization.valid_to is not None and organization.successions_as_predecessor.exists()
        return PART if ended_elsewhere else WHOLE
    return None


def role_kinds_over(user: Any, organization: Organization) -> set[str]:
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

    def __str__(self) -> str:
        return self.label(self.kind, self.name)

    @classmethod
    def label(cls, kind: str, name: str) -> str:
        """How an area is named: its kind, then its name ("Tổ dân phố Mít")."""
        return f"{dict(cls.AreaKind.choices).get(kind, kind)} {name}"

    def clean(self) -> None:
        if self.grassroots_id and self.grassroots.kind not in GRASSROOTS_KINDS | {Kind.COMMUNE}:
            raise ValidationError({"grassroots": "Khu dân cư phải thuộc một tổ chức cơ sở đảng."})
        if self.cell_id and self.grassroots_id:
            cell = cast(Organization, self.cell)  # cell_id is set
            if cell.kind not in CELL_KINDS or not cell.path.startswith(self.grassroots.path):
                raise ValidationError({"cell": "Chi bộ phụ trách phải là một chi bộ của tổ chức cơ sở đảng này."})


class Role(models.Model):
    class Kind(models.TextChoices):
        CELL_SECRETARY = "cell_secretary", "Bí thư chi bộ"
        GRASSROOTS_STAFF = "grassroots_staff", "Cán bộ đảng ủy cơ sở"
        # The key stays (a contract); since 2025 the level directly above the grassroots is a
        # commune or ward committee, or a province-level committee, and no longer a district.
        DISTRICT_STAFF = "district_staff", "Cán bộ cấp ủy cấp trên trực tiếp cơ sở"
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

    def __str__(self) -> str:
        return f"{self.user} — {self.get_kind_display()} — {self.organization}"


# The first placement of an organisation holds for every earlier date: registers loaded later
# carry decisions from years before the organisation was entered in the system.
EARLIEST = datetime.date(1900, 1, 1)


class PathStartsWith(StartsWith):
    """``path__startswith`` (a subtree) as a range of the path's index on SQLite.

    SQLite answers ``LIKE 'P%' ESCAPE '\\'`` by reading every organisation (its LIKE folds case,
    so the unique index on the path cannot serve it); a path's descendants are exactly the paths
    from ``P`` up to ``P`` followed by a character above treebeard's alphabet (0-9, A-Z), which
    the index answers. PostgreSQL keeps ``LIKE``: its ``varchar_pattern_ops`` index serves it.
    """

    def as_sqlite(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if self.rhs_is_direct_value():
            if not isinstance(self.rhs, str) or not _PATH_CHARS.issuperset(self.rhs):
                return super().as_sql(compiler, connection)
            return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, self.rhs, *lhs_params, self.rhs + _ABOVE_PATHS]
        rhs, rhs_params = compiler.compile(self.rhs)
        return f"({lhs} >= {rhs} AND {lhs} < ({rhs} || %s))", [
            *lhs_params,
            *rhs_params,
            *lhs_params,
            *rhs_params,
            _ABOVE_PATHS,
        ]


_PATH_CHARS = frozenset(Organization.alphabet)
_ABOVE_PATHS = "~"  # after every character of the alphabet in SQLite's binary order
Organization._meta.get_field("path").register_lookup(PathStartsWith)


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
            # Whether the tree changed between two dates (members.subtree_years.tree_changed_near).
            models.Index(fields=["valid_from"], name="ancestry_from"),
            models.Index(fields=["valid_to"], name="ancestry_to"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gt=models.F("valid_from")),
                name="ancestry_valid_to_after_valid_from",
            ),
        ]


# --- restructuring: decisions, operations, successions ------------------------------------------


class Decision(models.Model):
    """The decision a tree operation carries out: its number, date and issuing body.

    The issuing body is an organisation of the tree, or a body outside it (``issuer_name``, with
    ``issued_by`` empty: the Politburo, the Central Committee), which stands above every province.
    """

    number = models.CharField("số quyết định", max_length=64)
    date = models.DateField("ngày quyết định")
    issued_by = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="cấp ủy ban hành",
    )
    issuer_name = models.CharField("cơ quan ban hành (ngoài hệ thống)", max_length=255, blank=True)
    title = models.CharField("trích yếu", max_length=255, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(bases=[HistoryBase])

    class Meta:
        verbose_name = "quyết định về tổ chức"
        verbose_name_plural = "quyết định về tổ chức"
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(issued_by__isnull=False) | ~Q(issuer_name=""),
                name="decision_has_an_issuer",
                violation_error_message="Cần ghi cơ quan ban hành quyết định.",
            ),
        ]

    def __str__(self) -> str:
        return f"Quyết định số {self.number} ngày {short_date(self.date)} của {self.issuer_label}"

    @property
    def issuer_label(self) -> str:
        return cast(Organization, self.issued_by).name if self.issued_by_id else self.issuer_name

    @property
    def is_central(self) -> bool:
        """Issued by a body above every province (outside the tree)."""
        return self.issued_by_id is None


class TreeOperation(models.Model):
    """One dated change of the tree, carrying out a decision. Append-only.

    ``organization`` is the node the operation is about: the one created, renamed, moved,
    dissolved or whose kind changed; for a merge the successor; for a split the one split.
    ``details`` keeps what changed (old and new name, kind, parent, as ids and names), so the
    tree as it stood before stays readable. ``touched`` is every organisation the operation
    concerns (the subject, predecessors, successors, old and new parents): no later-dated
    operation may be recorded before an earlier one on the same node.
    """

    class Kind(models.TextChoices):
        CREATE = "create", "Thành lập"
        RENAME = "rename", "Đổi tên"
        MOVE = "move", "Chuyển trực thuộc"
        MERGE = "merge", "Hợp nhất"
        ABSORB = "absorb", "Sáp nhập"
        SPLIT = "split", "Chia tách"
        DISSOLVE = "dissolve", "Giải thể"
        CHANGE_KIND = "change_kind", "Đổi loại hình, cấp"

    kind = models.CharField("thao tác", max_length=16, choices=Kind.choices)
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="operations")
    effective_date = models.DateField("ngày có hiệu lực")
    organization = models.ForeignKey(
        Organization, on_delete=models.PROTECT, related_name="operations", verbose_name="tổ chức"
    )
    details = models.JSONField("nội dung", default=dict, blank=True)
    touched: models.ManyToManyField[Organization, Any] = models.ManyToManyField(
        Organization, related_name="tree_operations", blank=True
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "thao tác tổ chức"
        verbose_name_plural = "thao tác tổ chức"
        ordering = ["effective_date", "id"]
        indexes = [models.Index(fields=["organization", "effective_date"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.organization} ({short_date(self.effective_date)})"


class Succession(models.Model):
    """``successor`` took over (all or part of) ``predecessor``'s work from ``effective_date``.

    A merge gives one row per predecessor; a split one row per successor (``whole`` False: each
    took a part, listed in the operation's items); a kind change or a move gives none (the
    organisation keeps its id).
    """

    operation = models.ForeignKey(TreeOperation, on_delete=models.PROTECT, related_name="successions")
    predecessor = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="successions_as_predecessor")
    successor = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="successions_as_successor")
    effective_date = models.DateField("ngày có hiệu lực")
    whole = models.BooleanField("tiếp nhận toàn bộ", default=True)

    class Meta:
        verbose_name = "kế thừa tổ chức"
        verbose_name_plural = "kế thừa tổ chức"
        ordering = ["effective_date", "id"]
        constraints = [
            models.UniqueConstraint(fields=["operation", "predecessor", "successor"], name="succession_unique"),
        ]


class Heir(models.Model):
    """Where an organisation's work lies today, through its successions: one row per (predecessor,
    heir), ``heir`` reached by following ``Succession`` rows on through successors that ended
    and were succeeded in turn, and stopping at a successor still working (or ended without a
    successor). Ids, not paths: a move of an heir changes nothing here.

    Derived from the successions and the successors' ``valid_to`` (``organizations.heirs``): the
    restructuring services rebuild it in their transaction, ``rebuild_facts`` repairs it. Scope
    reads it (``subtree_q``, ``for_user``, ``ended_extents``) instead of walking the successions.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="heirs")
    heir = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="inherited")

    class Meta:
        verbose_name = "tổ chức kế thừa hiện nay"
        verbose_name_plural = "tổ chức kế thừa hiện nay"
        constraints = [models.UniqueConstraint(fields=["organization", "heir"], name="heir_unique")]


class OperationItem(models.Model):
    """What went where in an operation: a child organisation (its subtree with it), a member, a
    candidate, a role, a residential area, a follow-up assignment, a local criterion... ``item``
    names the kind of row, ``object_id`` its id in its own table (members and candidates live on
    higher floors, so no foreign key), ``label`` what it was called at the time."""

    class Item(models.TextChoices):
        ORGANIZATION = "organization", "Tổ chức trực thuộc"
        MEMBERSHIP = "membership", "Đảng viên"
        CANDIDATE = "candidate", "Đối tượng kết nạp"
        ROLE = "role", "Vai trò"
        AREA = "area", "Khu dân cư"
        ASSIGNMENT = "assignment", "Phân công phụ trách"
        COMMITTEE_MEMBER = "committee_member", "Cấp ủy viên"
        CRITERION = "criterion", "Tiêu chí riêng"
        THRESHOLDS = "thresholds", "Ngưỡng xếp loại"
        DECIDING_BODY = "deciding_body", "Cấp ủy quyết định kết nạp"

    operation = models.ForeignKey(TreeOperation, on_delete=models.PROTECT, related_name="items")
    item = models.CharField(max_length=20, choices=Item.choices)
    object_id = models.PositiveBigIntegerField()
    label = models.CharField(max_length=255, blank=True)
    source = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    target = models.ForeignKey(Organization, on_delete=models.PROTECT, null=True, blank=True, related_name="+")

    class Meta:
        indexes = [models.Index(fields=["item", "object_id"])]
