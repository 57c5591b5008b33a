import datetime
from decimal import Decimal

from organizations.models import Kind
from reports import analytics
from reports.periods import Period, rate, rate_text


def test_rate_rounds_half_up_at_exactly_the_half():
    # 1/8 = 12.5% exactly; 1 / 800 * 100 = 0.125 -> 0.13 (banker's rounding would give 0.12)
    assert rate(1, 800) == Decimal("0.13")
    assert rate(1, 1600) == Decimal("0.06")  # 0.0625 -> 0.06 (below the half)
    assert rate(3, 1600) == Decimal("0.19")  # 0.1875 -> 0.19
    assert rate(5, 4000) == Decimal("0.13")  # 0.125
    assert rate(10980, 12410) == Decimal("88.48")
    assert rate(1394, 1260) == Decimal("110.63")
    assert rate(787, 2082) == Decimal("37.80")
    assert rate_text(rate(787, 2082)) == "37.80"
    assert rate(5, 0) is None and rate(5, None) is None


def test_period_years_previous_and_labels():
    term = Period.years_range(2016, 2022)
    assert term.years == list(range(2016, 2023)) and term.label == "2016–2022"
    half = Period(datetime.date(2023, 1, 1), datetime.date(2023, 6, 30))
    assert half.years == [2023] and half.label == "01/01/2023–30/06/2023"
    assert half.previous_year() == Period(datetime.date(2022, 1, 1), datetime.date(2022, 6, 30))
    assert Period(datetime.date(2024, 2, 29), datetime.date(2024, 3, 1)).previous_year().date_from == datetime.date(
        2023, 2, 28
    )


def test_achievement_of_a_year_counts_by_decision_date_and_own_quota(tree, admissions):
    result = analytics.achievement(tree.P, Period.year(2022))
    assert (result.totals.admitted, result.totals.quota, result.totals.rate) == (3, 6, Decimal("50.00"))
    assert (result.totals.prev_admitted, result.totals.prev_quota) == (3, 5)
    assert result.totals.change == 0
    assert result.totals.rate_change_points == Decimal("-10.00")
    rows = {r.org.code: r for r in result.rows}
    assert (rows["T.X"].admitted, rows["T.X"].quota, rows["T.X"].rate) == (2, 3, Decimal("66.67"))
    assert (rows["T.Y"].admitted, rows["T.Y"].rate) == (1, Decimal("33.33"))


def test_range_of_years_sums_the_quotas_and_part_of_a_year_uses_the_whole_annual_quota(tree, admissions):
    term = analytics.achievement(tree.P, Period.years_range(2021, 2022), kinds=[Kind.DISTRICT])
    assert (term.totals.admitted, term.totals.quota) == (6, 10)
    assert term.totals.rate == Decimal("60.00")
    half = analytics.achievement(tree.X, Period(datetime.date(2022, 1, 1), datetime.date(2022, 6, 30)))
    assert (half.totals.admitted, half.totals.quota, half.totals.rate) == (2, 3, Decimal("66.67"))


def test_kinds_filter_lists_only_those_children_and_totals_over_them(tree, admissions):
    result = analytics.achievement(tree.X, Period.year(2022), kinds=[Kind.GRASSROOTS_CELL])
    assert [r.org.code for r in result.rows] == ["T.X.2"]
    assert (result.totals.admitted, result.totals.quota) == (1, None)
    assert result.totals.rate is None


def test_threshold_highlights_and_sorting(tree, admissions):
    result = analytics.achievement(tree.P, Period.year(2022), threshold=Decimal("50"), sort="rate", descending=True)
    assert [r.org.code for r in result.rows] == ["T.X", "T.Y"]
    assert [r.below for r in result.rows] == [False, True]


def test_share_of_members_and_grassroots_admitting(tree, admissions):
    result = analytics.achievement(tree.P, Period.year(2022))
    # members at 31/12/2021: the three admitted in 2021
    assert result.totals.members_at_start == 3
    assert result.totals.share_of_members == Decimal("100.00")
    assert (result.grassroots_total, result.grassroots_admitting) == (3, 3)
    assert result.members_end["total"] == 6
    only_2021 = analytics.achievement(tree.P, Period.year(2021))
    assert (only_2021.grassroots_admitting, only_2021.grassroots_total) == (1, 3)


def test_all_levels_lists_every_cell(tree, admissions):
    result = analytics.achievement(tree.P, Period.year(2021), kinds=[Kind.CELL], all_levels=True)
    assert {r.org.code: r.admitted for r in result.rows} == {"T.X.1.A": 2, "T.X.1.B": 1, "T.Y.1.A": 0}


def test_achievement_by_year(tree, admissions):
    series = analytics.achievement_by_year(tree.P, [2021, 2022])
    assert [(s["admitted"], s["quota"]) for s in series] == [(3, 5), (3, 6)]


def test_same_period_last_year_count_change_in_percent_and_rate_in_points(tree, admissions):
    x = analytics.achievement(tree.X, Period.year(2022)).totals
    assert (x.admitted, x.prev_admitted, x.change, x.change_percent) == (2, 3, -1, Decimal("-33.33"))
    assert (x.rate, x.prev_rate, x.rate_change_points) == (Decimal("66.67"), Decimal("150.00"), Decimal("-83.33"))
