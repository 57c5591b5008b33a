"""Where a succeeded organisation's work lies today (``Heir``): resolved through every later
succession, kept by the restructuring services in their transaction, repaired by ``rebuild_facts``,
and read by scope (``subtree_q``, ``for_user``, ``ended_extents``) without walking the successions."""

import datetime
import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection

from organizations import heirs
from organizations.models import PART, WHOLE, Heir, Kind, Organization, ended_extents, readable_extent, subtree_q
from organizations.restructure import decision_new, org_merge, org_split
from organizations.services import organization_create

pytestmark = pytest.mark.django_db
D = datetime.date
DAY, LATER = D(2025, 3, 1), D(2025, 4, 1)


def fresh(user):
    """The user as a new request sees them (roles and scope are cached on the user object)."""
    return get_user_model().objects.get(pk=user.pk)


def decide(tree, day=DAY):
    return decision_new(number="9-QĐ/TU", date=day, issued_by=tree.P)


def pairs():
    return set(Heir.objects.values_list("organization__code", "heir__code"))


def test_resolve_follows_successors_that_ended_and_were_succeeded():
    # 1 → 2 (ended, → 4, 5), 1 → 3 (living); 6 → 7 (ended without a successor); 8 ↔ 9 (a cycle).
    successions = [(1, 2), (1, 3), (2, 4), (2, 5), (6, 7), (8, 9), (9, 8)]
    resolved = heirs.resolve(successions, ended={2, 7, 8, 9})
    assert {p for p in resolved if p[0] in (1, 2, 6)} == {(1, 3), (1, 4), (1, 5), (2, 4), (2, 5), (6, 7)}
    assert {p for p in resolved if p[0] in (8, 9)} == {(8, 8), (9, 8)}  # the cycle stops where it closes
    # A successor still working is an heir even if (around the services) it has successions.
    assert heirs.resolve([(1, 2), (2, 3)], ended=set()) == {(1, 2), (2, 3)}


@pytest.fixture
def split_then_merged(tree):
    """GX split into GX1 (under X) and GX2 (under Y); GX2 and GY merged into GM (under Y)."""
    org_split(
        tree.GX,
        successors=[
            {"parent": tree.X, "code": "T.X.1N", "name": "Đảng bộ xã Ân Nghĩa Bắc", "kind": Kind.GRASSROOTS_COMMITTEE},
            {"parent": tree.Y, "code": "T.Y.1N", "name": "Đảng bộ xã Ân Nghĩa Nam", "kind": Kind.GRASSROOTS_COMMITTEE},
        ],
        children={tree.CXA.pk: 0, tree.CXB.pk: 1},
        decision=decide(tree),
        effective_date=DAY,
    )
    gx2 = Organization.objects.get(code="T.Y.1N")
    org_merge(
        [gx2, tree.GY],
        new={"parent": tree.Y, "code": "T.Y.M", "name": "Đảng bộ xã Bao La mới", "kind": Kind.GRASSROOTS_COMMITTEE},
        decision=decide(tree, LATER),
        effective_date=LATER,
    )


def test_the_services_keep_the_heirs_through_every_later_succession(tree, split_then_merged):
    assert pairs() == {("T.X.1", "T.X.1N"), ("T.X.1", "T.Y.M"), ("T.Y.1N", "T.Y.M"), ("T.Y.1", "T.Y.M")}
    assert heirs.rebuild(dry_run=True) == 0


def test_a_preview_writes_no_heir(tree):
    org_merge([tree.GX], into=tree.GY, decision=decide(tree), effective_date=DAY, dry_run=True)
    assert not Heir.objects.exists()


def test_rebuild_facts_repairs_the_heirs_and_says_so(tree, split_then_merged):
    expected = pairs()
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Heir._meta.db_table} WHERE organization_id = %s", [tree.GX.pk])
    Heir.objects.create(organization=tree.GXC, heir=tree.GY)  # a stray row
    out = io.StringIO()
    call_command("rebuild_facts", "--org", tree.X.code, stdout=out)
    assert "organisation heirs: 3 đã sửa" in out.getvalue()
    assert pairs() == expected
    out = io.StringIO()
    call_command("rebuild_facts", stdout=out)
    assert "Không có gì thay đổi" in out.getvalue()


def test_scope_reads_the_heirs_in_the_scoped_query_itself(tree, users, split_then_merged, django_assert_num_queries):
    district_y = fresh(users.district_y)
    gx2 = Organization.objects.get(code="T.Y.1N")
    with django_assert_num_queries(2):  # the roles (with whether any heir is theirs), then the organisations
        codes = set(Organization.objects.for_user(district_y).values_list("code", flat=True))
    # GX in part (its heir GX1 is X's), GX2 and GY whole (their heir GM is Y's).
    assert {"T.X.1", "T.Y.1N", "T.Y.1", "T.Y.M"} <= codes and "T.X.1N" not in codes
    with django_assert_num_queries(1):
        whole = set(Organization.objects.filter(subtree_q(district_y)).values_list("code", flat=True))
    assert {"T.Y.1N", "T.Y.1"} <= whole and "T.X.1" not in whole
    assert ended_extents(district_y) == {tree.GX.pk: PART, gx2.pk: WHOLE, tree.GY.pk: WHOLE}
    # A user whose subtree holds no heir reads no heir at all: no query beyond the roles.
    secretary = fresh(users.secretary_b)
    with django_assert_num_queries(1):
        assert ended_extents(secretary) == {}


def test_an_organisation_whose_successor_left_is_not_read_through_it(tree, users):
    """GX absorbed into GX3 (under X); GX3 then split between two new committees under Y. GX's work
    lies in Y now: district X, holding GX3 (ended, in its subtree), reads GX only in part — as it
    reads GX3 — and district Y reads both whole."""
    gx3 = organization_create(
        parent=tree.X, code="T.X.3", name="Đảng bộ xã Ân Nghĩa mới", kind=Kind.GRASSROOTS_COMMITTEE
    )
    org_merge([tree.GX], into=gx3, decision=decide(tree), effective_date=DAY)
    org_split(
        gx3,
        successors=[
            {"parent": tree.Y, "code": "T.Y.2", "name": "Đảng bộ xã Bưng", "kind": Kind.GRASSROOTS_COMMITTEE},
            {"parent": tree.Y, "code": "T.Y.3", "name": "Đảng bộ xã Mít", "kind": Kind.GRASSROOTS_COMMITTEE},
        ],
        children={tree.CXA.pk: 0, tree.CXB.pk: 1},
        decision=decide(tree, LATER),
        effective_date=LATER,
    )
    assert pairs() == {("T.X.1", "T.Y.2"), ("T.X.1", "T.Y.3"), ("T.X.3", "T.Y.2"), ("T.X.3", "T.Y.3")}
    gx, gx3 = (Organization.objects.get(pk=o.pk) for o in (tree.GX, gx3))
    district_x, district_y = fresh(users.district_x), fresh(users.district_y)
    assert ended_extents(district_x) == {}
    assert readable_extent(district_x, gx) == PART and readable_extent(district_x, gx3) == PART
    assert ended_extents(district_y) == {gx.pk: WHOLE, gx3.pk: WHOLE}
    assert readable_extent(fresh(users.district_y), gx) == WHOLE
