"""Which grassroots organisations a drill-down counts ("how many admitted someone"), and how many
of them did: counted in SQL off the yearly facts for whole years (``analytics.grassroots_counted``),
in Python off the cells' facts otherwise — the same organisations either way, for every choice of
the listed kinds."""

import datetime

import pytest

from reports import analytics
from reports.periods import Period

pytestmark = pytest.mark.django_db
D = datetime.date
WHOLE_YEAR = Period(D(2022, 1, 1), D(2022, 12, 31))
ALMOST = Period(D(2022, 1, 1), D(2022, 12, 30))  # no admission on 31/12/2022: the same admissions


@pytest.mark.parametrize(
    ("kinds", "all_levels", "counted"),
    [
        ([], False, {"X.1", "X.2", "Y.1"}),  # the whole province
        (["district"], False, {"X.1", "X.2", "Y.1"}),  # under the listed districts
        (["grassroots_committee"], True, {"X.1", "Y.1"}),  # the listed ones themselves
        (["grassroots_cell"], True, {"X.2"}),
        (["cell"], True, {"X.1", "X.2", "Y.1"}),  # listed below the grassroots level: all of them
    ],
)
def test_the_grassroots_counted_are_the_same_on_whole_years_and_otherwise(tree, admissions, kinds, all_levels, counted):
    ids = set(analytics.grassroots_counted(tree.P, kinds, all_levels).values_list("id", flat=True))
    codes = {o.code for o in type(tree.P).objects.filter(pk__in=ids)}
    assert codes == {f"T.{c}" for c in counted}
    whole = analytics.achievement(tree.P, WHOLE_YEAR, kinds=kinds, all_levels=all_levels)
    part = analytics.achievement(tree.P, ALMOST, kinds=kinds, all_levels=all_levels)
    assert analytics.on_yearly_facts([WHOLE_YEAR], "then") and not analytics.on_yearly_facts([ALMOST], "then")
    assert whole.grassroots_total == part.grassroots_total == len(counted)
    # 2022: T.X.1 (cell A, 1/1), T.X.2 (itself, 30/6), T.Y.1 (cell A, 1/7) each admitted someone
    assert whole.grassroots_admitting == part.grassroots_admitting == len(counted)


def test_a_district_counts_its_own_grassroots_only(tree, admissions):
    result = analytics.achievement(tree.Y, WHOLE_YEAR)
    assert (result.grassroots_total, result.grassroots_admitting, result.prev_grassroots_admitting) == (1, 1, 0)
    result = analytics.achievement(tree.X, Period.year(2021))
    assert (result.grassroots_total, result.grassroots_admitting) == (2, 1)  # X.1 admitted in 2021, X.2 not


@pytest.mark.parametrize("kinds", [["district"], ["city"], ["grassroots_committee", "grassroots_cell"]])
def test_the_listed_childrens_grassroots_are_those_the_general_query_finds(tree, admissions, kinds):
    rows = analytics.rows_for(tree.P, kinds)
    by_children = analytics.grassroots_counted(tree.P, kinds, False, rows)
    general = analytics.grassroots_counted(tree.P, kinds, False)
    assert set(by_children.values_list("id", flat=True)) == set(general.values_list("id", flat=True))
    result = analytics.achievement(tree.P, WHOLE_YEAR, kinds=kinds)
    assert result.grassroots_total == analytics.achievement(tree.P, ALMOST, kinds=kinds).grassroots_total
