"""A drill-down of thousands of rows is sorted and paged by the database (``analytics.
_achievement_page``): each page, its totals, the organisations below the threshold and the
counts are what sorting every row in Python gives, for every sort, either way, on every basis."""

import datetime
import random
from decimal import Decimal

import pytest

from demo.tree import seed_tree
from members.quotas.models import Quota
from organizations.models import Organization
from reports import analytics
from reports.periods import Period
from tests.members.factories import admit

PER_PAGE = 40


def _facts(r: analytics.Row) -> tuple:
    return (
        r.org.id,
        r.admitted,
        r.quota,
        r.members_at_start,
        r.prev_admitted,
        r.prev_quota,
        r.prev_members_at_start,
        r.rate,
        r.share_of_members,
        r.below,
    )


def _said(result: analytics.Achievement) -> tuple:
    page = result.rows_page
    assert page is not None
    return (
        [_facts(r) for r in result.rows],
        page.number,
        page.paginator.num_pages,
        result.row_count,
        result.totals,
        result.listed_quota,
        result.children_quota,
        result.listed_kinds,
        [_facts(r) for r in result.lagging],
        result.lagging_count,
        result.members_end,
        result.own,
        result.grassroots_total,
        result.grassroots_admitting,
        result.prev_grassroots_admitting,
    )


@pytest.fixture
def history(db):
    """A district of Hòa Bình's tree (its cells a few pages long) with admissions in 2019–2022 in
    half of its cells and quotas on some of them (zero on a few, none on the rest): ties, missing
    figures and zeros to sort."""
    seed_tree()
    district = Organization.objects.get(code="HB.TP")
    rng = random.Random(14)
    cells = list(Organization.objects.filter(path__startswith=district.path, kind__in=["cell", "grassroots_cell"]))
    assert len(cells) > 3 * PER_PAGE
    for cell in rng.sample(cells, len(cells) // 2):
        for _ in range(rng.choice([1, 1, 2, 3])):
            admit(cell, datetime.date(rng.choice([2019, 2020, 2021, 2022]), rng.randint(1, 12), rng.randint(1, 28)))
    for cell in rng.sample(cells, len(cells) // 2):
        for year in (2020, 2021, 2022):
            if rng.random() < 0.7:
                Quota.objects.create(organization=cell, year=year, target=rng.choice([0, 1, 1, 2, 3]))
    return district


def _both(monkeypatch, org, period, **kwargs):
    in_sql = analytics.achievement(org, period, per_page=PER_PAGE, **kwargs)
    with monkeypatch.context() as m:
        m.setattr(analytics, "_pages_in_sql", lambda *args: False)
        in_python = analytics.achievement(org, period, per_page=PER_PAGE, **kwargs)
    return in_sql, in_python


def test_every_page_of_every_sort_is_what_sorting_every_row_gives(history, monkeypatch):
    threshold = Decimal("80")
    every_sort = [(sort, descending) for sort in analytics.SORT_KEYS for descending in (False, True)]
    for period in (Period.year(2022), Period.years_range(2021, 2022)):
        for kinds, sorts in [
            (["cell"], every_sort),
            (["cell", "grassroots_cell"], [("rate", False), ("quota", True)]),
            (["grassroots_committee", "grassroots_cell"], [("name", False), ("rate", True)]),
            ([], [("name", True), ("share", False)]),
        ]:
            for sort, descending in sorts:
                pages = (None, "last", "2", "999", "abc") if sort == "name" else (None, "last")
                for page in pages:
                    in_sql, in_python = _both(
                        monkeypatch,
                        history,
                        period,
                        kinds=kinds,
                        all_levels=True,
                        threshold=threshold,
                        sort=sort,
                        descending=descending,
                        page=page,
                    )
                    assert _said(in_sql) == _said(in_python), (period, kinds, sort, descending, page)
                    assert in_sql.rows, (kinds, sort)
        # the figures are there to sort: rows with and without quotas, below the threshold and not
        whole = analytics.achievement(history, period, kinds=["cell"], all_levels=True, threshold=threshold)
        assert {r.quota is None for r in whole.rows} == {True, False}
        assert {r.rate == 0 for r in whole.rows if r.rate is not None} == {True, False}
        assert 0 < sum(r.below for r in whole.rows) < len(whole.rows)
    _children_page_is_the_first_rows_read_whole(history)


def _children_page_is_the_first_rows_read_whole(history):
    """The grassroots organisations under the district (more than a page of them): the first page
    is the first rows of the drill-down read whole."""
    period = Period.year(2022)
    in_sql = analytics._achievement_page(
        history, period, period.comparison(), [], False, Decimal("80"), "rate", True, PER_PAGE, None
    )
    reference = analytics.achievement(history, period, threshold=Decimal("80"), sort="rate", descending=True)
    assert history.numchild > PER_PAGE
    assert [_facts(r) for r in in_sql.rows] == [_facts(r) for r in reference.rows[:PER_PAGE]]
    assert in_sql.totals == reference.totals and in_sql.members_end == reference.members_end
    assert in_sql.row_count == len(reference.rows) == history.numchild
    assert (in_sql.grassroots_total, in_sql.grassroots_admitting) == (
        reference.grassroots_total,
        reference.grassroots_admitting,
    )
