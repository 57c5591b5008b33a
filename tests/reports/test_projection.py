import datetime
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from candidates import facts
from candidates.models import Candidate, CandidateEvent, EventKind, Stage
from members.models import Person
from members.quotas.models import Quota
from reports.projection import Status, projection
from tests.fixtures import build_small_province
from tests.members.factories import admit, person_fields


def candidate(cell, history, stage=None, stage_date=None, **extra):
    """A candidate with the given (kind, stage_from, stage_to, date) events; current stage the last one."""
    person = Person.objects.create(**person_fields())
    last = history[-1]
    c = Candidate.objects.create(
        person=person, cell=cell, stage=stage or last[2], stage_date=stage_date or last[3], **extra
    )
    CandidateEvent.objects.bulk_create(
        CandidateEvent(candidate=c, kind=k, stage_from=f, stage_to=t, effective_date=d, cell=cell)
        for k, f, t, d in history
    )
    facts.rebuild()  # written around the services: the facts are repaired as after maintenance
    return c


def test_projection_from_pipeline_conversion_and_typical_time(tree, users, login):
    day = datetime.date
    # History: 4 went on from the source list after 30 days; 1 was dropped from it.
    for _i in range(4):
        candidate(
            tree.CYA,
            [
                (EventKind.CREATED, "", Stage.SOURCE, day(2021, 1, 1)),
                (EventKind.ADVANCED, Stage.SOURCE, Stage.CULTIVATION, day(2021, 1, 31)),
            ],
        )
    candidate(
        tree.CYA,
        [
            (EventKind.CREATED, "", Stage.SOURCE, day(2021, 1, 1)),
            (EventKind.DROPPED, Stage.SOURCE, Stage.DROPPED, day(2021, 2, 1)),
        ],
    )
    # Now: 5 on the source list of X in time, 1 entered too late for the year; one decided, ceremony pending.
    for _ in range(5):
        candidate(tree.CXA, [(EventKind.CREATED, "", Stage.SOURCE, day(2022, 5, 1))])
    candidate(tree.CXA, [(EventKind.CREATED, "", Stage.SOURCE, day(2022, 12, 15))])
    candidate(
        tree.CXB,
        [(EventKind.CREATED, "", Stage.SOURCE, day(2022, 1, 1))],
        stage=Stage.DECISION,
        stage_date=day(2022, 5, 20),
        decision_date=day(2022, 5, 20),
    )
    admit(tree.CXA, day(2022, 3, 1))
    Quota.objects.create(organization=tree.X, year=2022, target=6)
    Quota.objects.create(organization=tree.Y, year=2022, target=10, minimum=5)
    Quota.objects.create(organization=tree.P, year=2022, target=12)

    result = projection(tree.P, today=day(2022, 6, 1))
    source = result.history[0]
    assert (source.went_on, source.dropped, source.typical_days, source.conversion_percent) == (
        4,
        1,
        30,
        Decimal("80.00"),
    )
    x, y = result.rows
    assert (x.admitted, x.decided, x.by_stage[Stage.SOURCE], x.in_time[Stage.SOURCE]) == (1, 1, 6, 5)
    assert x.expected == Decimal("6.0")  # 1 + 1 + 5 × 0.8
    assert x.status == Status.ON_TRACK
    # Y: the 4 who went on sit in cultivation; no history beyond it, so they count in full.
    assert (y.by_stage[Stage.CULTIVATION], y.expected, y.status) == (4, Decimal("4.0"), Status.OFF_TRACK)
    assert (result.total.expected, result.total.status) == (Decimal("10.0"), Status.AT_RISK)  # ≥ 80% of 12

    html = login(users.province).get("/reports/T/projection/").content.decode()
    assert "Cách tính" in html and "Dự kiến đến 31/12" in html
    # Each row with organisations under it links to its own page (reversed once for the table).
    for org in (tree.X, tree.Y):
        assert f'<a href="{reverse("reports:projection", args=[org.code])}">{org.name}</a>' in html


def test_projection_page_runs_the_same_queries_for_a_short_and_a_long_history(
    tree, users, login, django_assert_num_queries
):
    last_year = datetime.date.today().year - 1  # in the look-back window of the page (today)
    day = lambda m, d: datetime.date(last_year, m, d)  # noqa: E731
    client = login(users.province)
    went_on = [
        (EventKind.CREATED, "", Stage.SOURCE, day(1, 1)),
        (EventKind.ADVANCED, Stage.SOURCE, Stage.CULTIVATION, day(1, 31)),
    ]
    candidate(tree.CXA, went_on)
    client.get("/reports/T/projection/")
    with CaptureQueriesContext(connection) as short:
        assert client.get("/reports/T/projection/").status_code == 200
    for cell in (tree.CXA, tree.CXB, tree.CYA):
        for _ in range(5):
            candidate(cell, went_on)
        candidate(
            cell,
            [
                (EventKind.CREATED, "", Stage.SOURCE, day(1, 1)),
                (EventKind.DROPPED, Stage.SOURCE, Stage.DROPPED, day(2, 1)),
            ],
        )
    with django_assert_num_queries(len(short.captured_queries)):
        response = client.get("/reports/T/projection/")
    source = response.context["result"].history[0]
    assert (source.went_on, source.dropped, source.typical_days) == (16, 3, 30)


def test_admitted_so_far_leaves_out_the_rest_of_the_year_and_counts_the_rest_of_earlier_years(tree):
    """This year's admissions to today are the year's (off the yearly facts per organisation) less
    those dated after today; the look-back years count only what came after the same day."""
    day = datetime.date
    admit(tree.CXA, day(2022, 3, 1))
    admit(tree.CXA, day(2022, 6, 1))  # today: counted
    admit(tree.CXB, day(2022, 9, 1))  # after today: not yet
    admit(tree.CYA, day(2021, 5, 1))  # before the same day a year earlier: not in the rest
    admit(tree.CYA, day(2021, 8, 1))
    admit(tree.CXA, day(2019, 12, 31))
    result = projection(tree.P, today=day(2022, 6, 1))
    x, y = result.rows
    assert (result.total.admitted, x.admitted, y.admitted) == (2, 2, 0)
    assert (result.total.history_rest, x.history_rest, y.history_rest) == ([1, 0, 1], [1, 0, 0], [0, 0, 1])

    on_the_last_day = projection(tree.P, today=day(2022, 12, 31))
    assert (on_the_last_day.total.admitted, on_the_last_day.total.history_rest) == (3, [])


def test_projection_page_reads_a_fixed_number_of_queries(tree, users, login, django_assert_num_queries):
    """Session, user, the roles, the organisation; the stage history, the rows, the stage facts,
    this year's admissions off the yearly facts, the rests of the years, the quotas; the crumbs."""
    client = login(users.province)
    client.get("/reports/T/projection/")
    with django_assert_num_queries(11):
        assert client.get("/reports/T/projection/").status_code == 200


def test_candidates_past_the_decision_are_not_in_the_pipeline(tree):
    """The stage facts are read for every stage; those after the decision (probationary,
    recognition proposed) count nowhere on the page, the decided this year once each."""
    day = datetime.date
    candidate(tree.CXA, [(EventKind.CREATED, "", Stage.SOURCE, day(2022, 5, 1))])
    candidate(
        tree.CXA,
        [(EventKind.CREATED, "", Stage.SOURCE, day(2022, 1, 1))],
        stage=Stage.DECISION,
        stage_date=day(2022, 5, 20),
        decision_date=day(2022, 5, 20),
    )
    for stage in (Stage.PROBATIONARY, Stage.RECOGNITION_PROPOSED):
        candidate(
            tree.CXA,
            [(EventKind.CREATED, "", Stage.SOURCE, day(2022, 1, 1))],
            stage=stage,
            stage_date=day(2022, 5, 25),
            decision_date=day(2022, 5, 20),
        )
    result = projection(tree.P, today=day(2022, 6, 1))
    x, _y = result.rows
    for row in (x, result.total):
        assert (row.pipeline_total, row.by_stage[Stage.SOURCE], row.decided) == (1, 1, 1)
        assert Stage.PROBATIONARY not in row.by_stage and Stage.PROBATIONARY not in row.in_time


def test_the_stage_history_is_the_provinces_own_whatever_the_page(tree):
    """The history counts the stage ends in the province's subtree of today, for its page and
    for a district's alike; another province's count nowhere."""
    day = datetime.date
    other = build_small_province("U")
    went_on = [
        (EventKind.CREATED, "", Stage.SOURCE, day(2021, 1, 1)),
        (EventKind.ADVANCED, Stage.SOURCE, Stage.CULTIVATION, day(2021, 1, 21)),
    ]
    dropped = [
        (EventKind.CREATED, "", Stage.SOURCE, day(2021, 1, 1)),
        (EventKind.DROPPED, Stage.SOURCE, Stage.DROPPED, day(2021, 3, 1)),
    ]
    candidate(tree.CXA, went_on)
    candidate(tree.CYA, went_on)
    candidate(tree.CYA, dropped)
    for _ in range(3):
        candidate(other.CXA, dropped)
    for org in (tree.P, tree.X, tree.GY):
        source = projection(org, today=day(2022, 6, 1)).history[0]
        assert (source.went_on, source.dropped, source.typical_days) == (2, 1, 20)
    source = projection(other.X, today=day(2022, 6, 1)).history[0]
    assert (source.went_on, source.dropped, source.typical_days) == (0, 3, 0)
