"""Shared fixtures: a small province with two districts, and a user for every role.

P (province)
├── X (district) ── GX (grassroots committee) ── CXA (cell), CXB (cell)
│                └─ GXC (grassroots cell)
└── Y (district) ── GY (grassroots committee) ── CYA (cell)
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from organizations.models import Kind, Organization, Role
from organizations.services import organization_create

PASSWORD = "a-long-test-password"


@dataclass
class Province:
    P: Organization
    X: Organization
    Y: Organization
    GX: Organization
    GXC: Organization
    GY: Organization
    CXA: Organization
    CXB: Organization
    CYA: Organization


def make_user(username, role_kind=None, org=None, **extra):
    user = get_user_model().objects.create_user(username=username, password=PASSWORD, **extra)
    if role_kind:
        Role.objects.create(user=user, organization=org, kind=role_kind)
    return user


def build_small_province(prefix: str = "T") -> Province:
    P = organization_create(parent=None, code=prefix, name=f"Tỉnh {prefix} Hòa Bình", kind=Kind.PROVINCE)
    X = organization_create(
        parent=P, code=f"{prefix}.X", name="Huyện Lạc Sơn", kind=Kind.DISTRICT, can_decide_admission=True
    )
    Y = organization_create(
        parent=P, code=f"{prefix}.Y", name="Huyện Mai Châu", kind=Kind.DISTRICT, can_decide_admission=True
    )
    GX = organization_create(
        parent=X,
        code=f"{prefix}.X.1",
        name="Đảng bộ xã Ân Nghĩa",
        kind=Kind.GRASSROOTS_COMMITTEE,
        disadvantaged_area=True,
    )
    GXC = organization_create(
        parent=X, code=f"{prefix}.X.2", name="Chi bộ Trường THPT Lạc Sơn", kind=Kind.GRASSROOTS_CELL
    )
    GY = organization_create(parent=Y, code=f"{prefix}.Y.1", name="Đảng bộ xã Bao La", kind=Kind.GRASSROOTS_COMMITTEE)
    CXA = organization_create(parent=GX, code=f"{prefix}.X.1.A", name="Chi bộ xóm Bưng", kind=Kind.CELL)
    CXB = organization_create(parent=GX, code=f"{prefix}.X.1.B", name="Chi bộ xóm Mít", kind=Kind.CELL)
    CYA = organization_create(parent=GY, code=f"{prefix}.Y.1.A", name="Chi bộ bản Lác", kind=Kind.CELL)
    return Province(P=P, X=X, Y=Y, GX=GX, GXC=GXC, GY=GY, CXA=CXA, CXB=CXB, CYA=CYA)


@pytest.fixture
def tree(db) -> Province:
    return build_small_province()


@dataclass
class Users:
    secretary_a: object
    secretary_b: object
    grassroots: object
    district_x: object
    district_y: object
    province: object


def make_users(tree: Province) -> Users:
    """A user for every role of ``tree``: two cell secretaries, the grassroots staff, both districts' staff, the
    provincial office."""
    return Users(
        secretary_a=make_user("sec_a", Role.Kind.CELL_SECRETARY, tree.CXA),
        secretary_b=make_user("sec_b", Role.Kind.CELL_SECRETARY, tree.CYA),
        grassroots=make_user("gx_staff", Role.Kind.GRASSROOTS_STAFF, tree.GX),
        district_x=make_user("dist_x", Role.Kind.DISTRICT_STAFF, tree.X),
        district_y=make_user("dist_y", Role.Kind.DISTRICT_STAFF, tree.Y),
        province=make_user("prov", Role.Kind.PROVINCE_OFFICE, tree.P),
    )


@pytest.fixture
def users(tree) -> Users:
    return make_users(tree)


def organization_admin_form(org: Organization, under: Organization, **changes) -> dict:
    """What the admin's change form of ``org`` posts with ``changes``: ``org`` the first child of
    ``under`` (a move where that is not its parent)."""
    return {
        "code": org.code,
        "name": org.name,
        "kind": org.kind,
        "treebeard_position": "first-child",
        "treebeard_ref_node": under.pk,
        **changes,
    }


@pytest.fixture
def login(client):
    """Log a user in on the test client without paying for a password hash."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def inline_exports(settings):
    """Every export runs inline, in the request, whatever its size: for tests that read the file.
    The worker's path (a large export started in the background) is tests/tasks'."""
    settings.TASKS_EXPORT_INLINE_MAX_ORGS = 100_000
    settings.TASKS_EXPORT_INLINE_MAX_ROWS = 100_000


def constraints_checked_once() -> None:
    """For a module's seed kept in an open transaction: check its deferred foreign keys now, once.
    Each test's teardown checks the deferred constraints (Django's TestCase does, on
    PostgreSQL); with a large seed still pending in the module's transaction, every teardown
    would check all of it again (seconds per test). Checked here, each test checks only its own."""
    connection.check_constraints()
