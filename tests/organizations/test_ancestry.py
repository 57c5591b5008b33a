"""The dated tree (OrganizationAncestry) kept by the tree services, and roll-ups over it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Value

from members.models import MemberFlowFact
from organizations import ancestry, rollup
from organizations.models import EARLIEST, Kind, OrganizationAncestry
from organizations.services import organization_create, organization_move
from tests.members.factories import admit

D = datetime.date
pytestmark = pytest.mark.django_db


def admissions(anchors, tree):
    source = MemberFlowFact.objects.values("cell_id", "day", n=Value(1))
    return {k: v["n"] for k, v in rollup.totals(source, anchors=[a.id for a in anchors], sums=["n"], tree=tree).items()}


def test_the_services_keep_one_row_per_ancestor_and_self(tree):
    assert ancestry.current_problems() == []
    rows = set(OrganizationAncestry.objects.filter(descendant=tree.CXA).values_list("ancestor__code", "depth"))
    assert rows == {("T.X.1.A", 0), ("T.X.1", 1), ("T.X", 2), ("T", 3)}
    assert set(OrganizationAncestry.objects.values_list("valid_from", flat=True)) == {EARLIEST}


def test_the_migration_builds_the_same_rows_as_the_services(tree):
    by_services = set(OrganizationAncestry.objects.values_list("ancestor_id", "descendant_id", "depth"))
    OrganizationAncestry.objects.all().delete()
    ancestry.build_for_tree()
    assert set(OrganizationAncestry.objects.values_list("ancestor_id", "descendant_id", "depth")) == by_services


def test_a_move_on_a_date_keeps_the_tree_as_it_stood_before_it(tree):
    admit(tree.CXA, D(2020, 3, 2))
    admit(tree.CXA, D(2023, 3, 2))
    organization_move(tree.GX, tree.Y, on=D(2022, 1, 1))
    assert ancestry.current_problems() == []
    # Each admission under the tree of its own date; the tree of today puts both under Y.
    then = admissions([tree.P, tree.X, tree.Y, tree.GX], rollup.THEN)
    assert (then[tree.P.id], then[tree.X.id], then[tree.Y.id], then[tree.GX.id]) == (2, 1, 1, 2)
    today = admissions([tree.X, tree.Y], rollup.TODAY)
    assert (today[tree.X.id], today[tree.Y.id]) == (0, 2)
    on_2021 = admissions([tree.X, tree.Y], D(2021, 12, 31))
    assert (on_2021[tree.X.id], on_2021[tree.Y.id]) == (2, 0)
    # Inside the moved subtree nothing changed.
    assert OrganizationAncestry.objects.filter(ancestor=tree.GX).count() == 3


def test_a_move_dated_before_the_last_change_is_refused_and_changes_nothing(tree):
    organization_move(tree.GX, tree.Y, on=D(2022, 1, 1))
    before = set(OrganizationAncestry.objects.values_list("ancestor_id", "descendant_id", "valid_from", "valid_to"))
    with pytest.raises(ValidationError) as e:
        organization_move(tree.GX, tree.X, on=D(2021, 6, 1))
    assert "trước lần thay đổi gần nhất" in str(e.value)
    assert (
        set(OrganizationAncestry.objects.values_list("ancestor_id", "descendant_id", "valid_from", "valid_to"))
        == before
    )


def test_a_move_in_the_future_is_refused(tree):
    with pytest.raises(ValidationError):
        organization_move(tree.GX, tree.Y, on=datetime.date.today() + datetime.timedelta(days=1))


def test_two_moves_on_one_day_leave_no_empty_span(tree):
    organization_move(tree.GX, tree.Y, on=D(2022, 1, 1))
    organization_move(tree.GX, tree.X, on=D(2022, 1, 1))
    assert ancestry.current_problems() == []
    assert not OrganizationAncestry.objects.filter(valid_from=D(2022, 1, 1), ancestor=tree.Y).exists()
    assert admissions([tree.X], D(2021, 12, 31)) == admissions([tree.X], rollup.TODAY)


def test_a_new_organisation_under_a_moved_one_joins_its_current_ancestors(tree):
    organization_move(tree.GX, tree.Y, on=D(2022, 1, 1))
    cell = organization_create(parent=tree.GX, code="T.X.1.C", name="Chi bộ mới", kind=Kind.CELL)
    assert ancestry.current_problems() == []
    admit(cell, D(2019, 5, 5))  # a register loaded later: the first placement holds before too
    assert admissions([tree.Y, tree.X], rollup.THEN) == {tree.Y.id: 1, tree.X.id: 0}


def test_crossing_counts_only_transfers_over_the_boundary(tree):
    from members.models import EventKind
    from members.services import membership_record_event

    a = admit(tree.CXA, D(2020, 3, 2))
    b = admit(tree.CXA, D(2020, 3, 2))
    membership_record_event(
        a, kind=EventKind.TRANSFERRED_OUT, effective_date=D(2021, 1, 4), other_organization_code=tree.CXB.code
    )
    membership_record_event(
        b, kind=EventKind.TRANSFERRED_OUT, effective_date=D(2021, 1, 4), other_organization_code=tree.CYA.code
    )
    source = MemberFlowFact.objects.filter(kind=EventKind.TRANSFERRED_OUT).values(
        "cell_id", "day", "other_cell_id", n=Value(1)
    )
    out = rollup.totals(source, anchors=[tree.GX.id, tree.CXA.id, tree.P.id], sums=["n"], crossing="other_cell_id")
    assert (out[tree.CXA.id]["n"], out[tree.GX.id]["n"], out[tree.P.id]["n"]) == (2, 1, 0)
