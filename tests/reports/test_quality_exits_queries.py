"""The quality and exits reports read a fixed number of queries, whatever the subtree, the period
or the tree they are read under (issue 14: fast on the first read, nothing kept in the process)."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from members.models import EventKind
from members.services import membership_record_event
from organizations import rollup
from reports import analytics
from reports.periods import Period
from tests.members.factories import admit

D = datetime.date
pytestmark = pytest.mark.django_db

PERIODS = [
    {"from": "2022-01-01", "to": "2022-12-31"},  # a whole year
    {"from": "2021-01-01", "to": "2022-12-31"},  # a term of two
    {"from": "2022-03-01", "to": "2022-09-30"},  # part of a year
]


@pytest.fixture
def more(tree, admissions):
    """More facts in more cells: admissions with other profiles, and exits of every kind."""
    admit(tree.CXB, D(2022, 4, 4), sex="male", ethnicity="dao", religion="buddhism", date_of_birth=D(1960, 1, 1))
    admit(tree.CYA, D(2021, 5, 5), youth_union=False)
    gone = admissions["x2021"]
    membership_record_event(gone[0], kind=EventKind.STRUCK_OFF, effective_date=D(2022, 2, 1), reason="Bỏ sinh hoạt")
    membership_record_event(gone[1], kind=EventKind.DIED, effective_date=D(2022, 8, 1))
    membership_record_event(admissions["y2022"][0], kind=EventKind.LEFT, effective_date=D(2022, 11, 1), reason="Xin ra")


def _count(client, url: str) -> int:
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(ctx.captured_queries)


@pytest.mark.parametrize("as_", ["then", "now"])
@pytest.mark.parametrize("period", PERIODS, ids=["year", "term", "part"])
@pytest.mark.parametrize(
    "url",
    [
        "/reports/{org}/new-members/?from={from}&to={to}&as={as_}",
        "/api/reports/new-members?org={org}&from={from}&to={to}&as={as_}",
        "/reports/{org}/exits/?from={from}&to={to}&as={as_}",
        "/api/reports/exits?org={org}&from={from}&to={to}&as={as_}",
    ],
    ids=["quality-page", "quality-api", "exits-page", "exits-api"],
)
def test_the_same_queries_for_a_cell_with_nothing_and_the_province_with_everything(
    login, users, tree, more, django_assert_num_queries, url, period, as_
):
    client = login(users.province)
    few = _count(client, url.format(org=tree.CYA.code, as_=as_, **period))
    connection.queries_log.clear()
    with django_assert_num_queries(few):
        client.get(url.format(org=tree.P.code, as_=as_, **period))


def test_the_quality_of_both_periods_is_one_query(tree, more, django_assert_num_queries):
    for period in (Period.year(2022), Period(D(2022, 3, 1), D(2022, 9, 30)), Period.years_range(2021, 2022)):
        with django_assert_num_queries(1):
            analytics.new_member_quality(tree.P, period)
    with django_assert_num_queries(2):  # the recorded successions (none here), the counts
        analytics.new_member_quality(tree.P, Period.year(2022), tree=rollup.NOW)


def test_overlapping_periods_count_each_in_full(tree, more):
    """A period and its comparison may share days (an arbitrary span longer than a year): each
    is counted on its own."""
    term = Period(D(2021, 3, 1), D(2022, 12, 31))
    previous = term.comparison()
    assert previous.date_to >= term.date_from  # the same days a year earlier overlap
    quality = analytics.new_member_quality(tree.P, term)
    alone = analytics._quality_counts(tree.P, previous)[0]
    assert quality.prev_total == alone["total"] > 0
    counts = analytics._quality_counts(tree.P, term)[0]
    assert quality.group("sex").as_dict() == {"male": counts["sex__male"], "female": counts["sex__female"]}
    assert {i.key: i.prev_count for i in quality.group("sex").items} == {
        "male": alone["sex__male"],
        "female": alone["sex__female"],
    }
