"""The yearly facts per organisation (``members.subtree_years``): written with the events, in the
same transaction; always what the cell facts give through the tree as it stood; read by the
reports for whole years with the same figures as rolling the cells up."""

import datetime

import pytest
from django.db import connection

from members import facts, subtree_years
from members.models import EventKind, MembershipEvent, SubtreeYear
from members.selectors import members_at
from members.services import membership_record_event
from organizations import rollup
from organizations.services import organization_move
from reports import analytics
from reports.periods import Period

from .factories import admit, official

D = datetime.date
pytestmark = pytest.mark.django_db


def nodes(tree):
    return [tree.P, tree.X, tree.Y, tree.GX, tree.GY, tree.CXA, tree.CXB, tree.CYA, tree.GXC]


def rolled_members(anchor_ids, day):
    """Members at the end of ``day`` rolled up from the cells' balances and periods."""
    rolled = rollup.roll_up(
        facts.members_at_source([day]),
        anchors=anchor_ids,
        sums=["official", "probationary"],
        group=["day"],
        tree=rollup.THEN,
    )
    out = {a: {"official": 0, "probationary": 0} for a in anchor_ids}
    out.update({anchor: sums for (anchor, _day), sums in rolled.items()})
    return out


def rolled_admissions(anchor_ids, period):
    """Admissions of ``period`` rolled up from the cell facts (the path for parts of years)."""
    sums = rollup.totals(analytics._admissions_source(period), anchors=anchor_ids, sums=["n0"], tree=rollup.THEN)
    return {a: sums[a]["n0"] for a in anchor_ids}


@pytest.fixture
def lives(tree):
    a = official(tree.CXA, D(2015, 1, 5), D(2016, 2, 1))
    b = admit(tree.CXB, D(2022, 3, 1))
    c = official(tree.CYA, D(2012, 1, 1), D(2013, 2, 1))
    admit(tree.GXC, D(2022, 11, 1))
    membership_record_event(
        a, kind=EventKind.TRANSFERRED_OUT, effective_date=D(2022, 6, 1), other_organization_code=tree.CYA.code
    )
    membership_record_event(b, kind=EventKind.STRUCK_OFF, effective_date=D(2023, 2, 1), reason="không đủ tư cách")
    membership_record_event(c, kind=EventKind.DIED, effective_date=D(2022, 10, 10))


def test_every_write_keeps_the_yearly_facts_equal_to_the_cell_facts_rolled_up(tree, lives):
    assert subtree_years.stored() == subtree_years.expected()
    ids = [n.id for n in nodes(tree)]
    for year in range(2012, 2027):
        period = Period.year(year)
        assert analytics.admissions(ids, period)[0] == rolled_admissions(ids, period), year
        eve = subtree_years.eve(year)
        fast = members_at(ids, [eve])
        assert {pk: fast[(pk, eve)] for pk in ids} == rolled_members(ids, eve), year
    # the figures themselves: 2022 admitted two under X (CXB, GXC), none under Y
    (admitted,) = analytics.admissions([tree.P.id, tree.X.id, tree.Y.id], Period.year(2022))
    assert admitted == {tree.P.id: 2, tree.X.id: 2, tree.Y.id: 0}
    (start_2023,) = analytics.members([tree.X.id, tree.Y.id], D(2022, 12, 31))
    assert start_2023[tree.X.id]["total"] == 2 and start_2023[tree.Y.id]["total"] == 1  # a moved to CYA; c died


def test_a_move_in_the_tree_moves_the_years_after_it_and_keeps_those_before(tree):
    admit(tree.CXA, D(2024, 3, 1))
    admit(tree.CXB, D(2024, 9, 1))
    organization_move(tree.GX, tree.Y, on=D(2024, 6, 1))
    admit(tree.CXA, D(2025, 2, 1))
    assert subtree_years.stored() == subtree_years.expected()
    x, y, p = tree.X.id, tree.Y.id, tree.P.id
    (in_2024, in_2025) = analytics.admissions([x, y, p], Period.year(2024), Period.year(2025))
    assert in_2024 == {x: 1, y: 1, p: 2}  # each admission under the district of its day
    assert in_2025 == {x: 0, y: 1, p: 1}
    (start_2024, start_2025) = analytics.members([x, y], D(2023, 12, 31), D(2024, 12, 31))
    assert start_2024[x]["total"] == 0 and start_2024[y]["total"] == 0
    assert start_2025[x]["total"] == 0 and start_2025[y]["total"] == 2  # GX's members, now in Y
    # any day, near the move or not: the yearly rows and the half year's periods, or the cells
    ids = [n.id for n in nodes(tree)]
    for day in (D(2024, 3, 1), D(2024, 5, 31), D(2024, 6, 1), D(2024, 8, 1), D(2025, 3, 1), D(2025, 9, 30)):
        at = members_at(ids, [day])
        assert {pk: at[(pk, day)] for pk in ids} == rolled_members(ids, day), day


def test_a_failing_yearly_write_rolls_back_the_event_with_the_cell_facts(tree, monkeypatch):
    m = admit(tree.CXA, D(2020, 3, 2))
    before = MembershipEvent.objects.count(), SubtreeYear.objects.count(), facts.stored_balances()

    def broken(*args, **kwargs):
        raise RuntimeError("the yearly table is unavailable")

    monkeypatch.setattr(subtree_years, "_apply", broken)
    with pytest.raises(RuntimeError):
        membership_record_event(m, kind=EventKind.DIED, effective_date=D(2021, 1, 1))
    with pytest.raises(RuntimeError):
        admit(tree.CXB, D(2020, 4, 2))
    assert (MembershipEvent.objects.count(), SubtreeYear.objects.count(), facts.stored_balances()) == before
    monkeypatch.undo()
    assert facts.rebuild(dry_run=True) == {}


def test_rebuild_repairs_the_yearly_facts_and_then_finds_nothing(tree, lives):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {SubtreeYear._meta.db_table} SET admissions = admissions + 1 WHERE year = 2022")
    wrong = SubtreeYear.objects.filter(year=2022).count()
    in_y = SubtreeYear.objects.filter(year=2022, organization__in=[tree.Y, tree.GY, tree.CYA]).count()
    assert wrong > in_y > 0
    assert facts.rebuild(dry_run=True) == {"subtree years": wrong}
    assert facts.rebuild(tree.X) == {"subtree years": wrong - in_y}  # X's subtree and the province above it
    assert facts.rebuild() == {"subtree years": in_y}
    assert facts.rebuild() == {}
    (admitted,) = analytics.admissions([tree.P.id], Period.year(2022))
    assert admitted == {tree.P.id: 2}


def test_parts_of_years_any_day_and_years_outside_the_table_give_the_cell_facts_figures(tree, lives):
    ids = [n.id for n in nodes(tree)]
    part = Period(D(2022, 3, 1), D(2022, 10, 31))
    assert analytics.admissions(ids, part)[0] == rolled_admissions(ids, part)
    early = Period.year(subtree_years.COVERED.start - 1)
    assert analytics.admissions(ids, early)[0] == rolled_admissions(ids, early)
    for day in (D(2022, 6, 30), D(2022, 9, 15), D(2016, 1, 31), D(subtree_years.COVERED.start - 2, 12, 31)):
        at = members_at(ids, [day])
        assert {pk: at[(pk, day)] for pk in ids} == rolled_members(ids, day), day


def test_how_many_organisations_admitted_is_the_count_of_those_with_admissions(tree, lives):
    """The grassroots organisations that admitted someone in a set of years, counted in SQL,
    are those whose admissions rolled up from the cells are above zero."""
    ids = [n.id for n in nodes(tree)]
    by_year = {y: rolled_admissions(ids, Period.year(y)) for y in range(2015, 2024)}
    for years in ([2022], [2016], [2016, 2022], [2021], list(range(2015, 2024))):
        expected = sum(1 for a in ids if sum(by_year[y][a] for y in years) > 0)
        assert subtree_years.admitting(ids, years) == [expected]
    assert subtree_years.admitting(ids, [2022], [2021]) == [
        sum(1 for a in ids if rolled_admissions(ids, Period.year(2022))[a] > 0),
        0,
    ]
    assert subtree_years.admitting([], [2022]) == [0]


@pytest.fixture
def exits_and_moves(tree, lives):
    """Exits of every kind, probationary and official, a readmission, and a move in the tree
    between them: each fact counts under the district of its own day."""
    d = admit(tree.CXA, D(2023, 3, 1))  # probationary until 2024
    e = official(tree.CYA, D(2016, 1, 1), D(2017, 2, 10))
    f = official(tree.CXB, D(2016, 1, 1), D(2017, 2, 10))
    membership_record_event(d, kind=EventKind.LEFT, effective_date=D(2023, 8, 1), reason="Xin ra khỏi Đảng")
    membership_record_event(e, kind=EventKind.EXPELLED, effective_date=D(2023, 5, 5), reason="Vi phạm kỷ luật")
    organization_move(tree.GX, tree.Y, on=D(2024, 1, 15))
    membership_record_event(f, kind=EventKind.DIED, effective_date=D(2024, 4, 4))
    g = admit(tree.CXB, D(2024, 5, 1))
    membership_record_event(g, kind=EventKind.STRUCK_OFF, effective_date=D(2024, 9, 1), reason="Bỏ sinh hoạt")


def test_the_exits_off_the_yearly_facts_are_the_exits_rolled_up_from_the_cells(tree, exits_and_moves):
    from members.selectors import movements, movements_of_years

    assert subtree_years.stored() == subtree_years.expected()
    spans = [(2022, 2022), (2023, 2023), (2024, 2024), (2022, 2024), (2016, 2025)]
    for org in nodes(tree):
        org.refresh_from_db()
        yearly = movements_of_years(org, *spans)
        for (first, last), fast in zip(spans, yearly):
            assert fast == movements(org, D(first, 1, 1), D(last, 12, 31)), (org.code, first, last)
    (in_2024,) = movements_of_years(tree.Y, (2024, 2024))
    assert in_2024["exits"]["died"] == {"total": 1, "probationary": 0}  # f, in GX, moved under Y
    assert in_2024["exits"]["struck_off"] == {"total": 1, "probationary": 1}
    (in_2023,) = movements_of_years(tree.X, (2023, 2023))
    assert in_2023["exits"]["left"] == {"total": 1, "probationary": 1}  # d, under X before the move


def test_the_exits_report_reads_whole_years_off_the_yearly_facts(tree, exits_and_moves, django_assert_num_queries):
    with django_assert_num_queries(1):  # the yearly rows of both periods, transfers across the boundary in them
        yearly = analytics.exits(tree.P, Period.year(2024))
    rolled = analytics.exits(tree.P, Period(D(2024, 1, 1), D(2024, 12, 30)))  # a part of a year: the cells
    assert yearly.lines[3].total == 1 and yearly.removed == 1
    assert [(line.prev_total, line.prev_probationary) for line in yearly.lines] == [
        (line.prev_total, line.prev_probationary) for line in rolled.lines
    ]
    assert yearly.prev == rolled.prev


def test_rebuild_repairs_the_yearly_exits(tree, exits_and_moves):
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {SubtreeYear._meta.db_table} SET died_probationary = died_probationary + 1")
    wrong = SubtreeYear.objects.count()
    assert facts.rebuild(dry_run=True) == {"subtree years": wrong}
    assert facts.rebuild() == {"subtree years": wrong}
    assert facts.rebuild() == {}
    assert subtree_years.stored() == subtree_years.expected()


def test_transfers_count_where_they_cross_an_organisations_boundary_as_the_tree_stood(tree):
    from members.selectors import movements, movements_of_years

    a, b, c = (official(tree.CXA, D(2016, 1, 1), D(2017, 2, 10)) for _ in range(3))
    record = membership_record_event
    record(a, kind=EventKind.TRANSFERRED_OUT, effective_date=D(2023, 3, 1), other_organization_code=tree.CYA.code)
    record(b, kind=EventKind.TRANSFERRED_OUT, effective_date=D(2023, 4, 1), other_organization_code=tree.CXB.code)
    record(c, kind=EventKind.TRANSFERRED_OUT, effective_date=D(2023, 5, 1), other_organization_name="Tỉnh Sơn La")
    organization_move(tree.GX, tree.Y, on=D(2024, 1, 15))  # X's grassroots organisation now under Y
    d = official(tree.CXA, D(2016, 1, 1), D(2017, 2, 10))
    record(d, kind=EventKind.TRANSFERRED_OUT, effective_date=D(2024, 6, 1), other_organization_code=tree.CYA.code)
    expected = {  # (year, organisation): (in, out)
        (2023, "P"): (0, 1),  # only the one to Sơn La leaves the province
        (2023, "X"): (0, 2),  # to Y's cell and to Sơn La; the one to a cell of its own stays inside
        (2023, "Y"): (1, 0),
        (2023, "CXB"): (1, 0),
        (2024, "X"): (0, 0),  # Ân Nghĩa is Y's since 15/01/2024: the 2024 transfer is inside Y
        (2024, "Y"): (0, 0),
        (2024, "GX"): (0, 1),
        (2024, "GY"): (1, 0),
    }
    for (year, name), (moved_in, moved_out) in expected.items():
        org = getattr(tree, name)
        (yearly,) = movements_of_years(org, (year, year))
        rolled = movements(org, D(year, 1, 1), D(year, 12, 31), tree=rollup.THEN)
        assert (yearly["transferred_in"], yearly["transferred_out"]) == (moved_in, moved_out), (year, name)
        assert (rolled["transferred_in"], rolled["transferred_out"]) == (moved_in, moved_out), (year, name)
    assert subtree_years.stored() == subtree_years.expected()
