"""The written exceptions as named routes: recorded with their document on the cell vote, and
counted per organisation and year of the admission decision."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from candidates import selectors, services
from candidates.models import Candidate, Stage

from .factories import candidate_at, official_member, person_fields, step_data

D = datetime.date
pytestmark = pytest.mark.django_db


def admitted(cell, decided_by, start=D(2024, 1, 8), extra=None, **person):
    helper = official_member(cell)
    return services.candidate_backfill(
        person_fields=person_fields(**person),
        cell=cell,
        source_kind="residential_area",
        source_date=start,
        stage=Stage.DECISION,
        data={**step_data(start, helper=helper, decided_by=decided_by), **(extra or {})},
    )


OVER_60 = {"over_60_consent_number": "112-CV/TU", "over_60_consent_date": D(2024, 2, 20)}
LITERACY = {
    "literacy_basis": "village_elder",
    "literacy_consent_number": "113-CV/TU",
    "literacy_consent_date": D(2024, 2, 21),
}


def test_routes_are_counted_per_organisation_and_year(tree, users):
    admitted(tree.CXA, tree.X, extra=OVER_60, date_of_birth=D(1960, 1, 1), youth_union=False)
    admitted(
        tree.CXA, tree.X, extra=LITERACY, date_of_birth=D(1970, 1, 1), general_education="literate", youth_union=False
    )
    admitted(tree.CXB, tree.X)
    admitted(tree.CYA, tree.Y, extra=OVER_60, date_of_birth=D(1961, 2, 1), youth_union=False)
    rows = selectors.exception_routes(users.province, tree.P)
    by_org = {(r.org.code, r.year): (r.counts, r.total) for r in rows}
    assert by_org == {
        (tree.X.code, 2024): ({"literacy": 1, "over_60": 1}, 3),
        (tree.Y.code, 2024): ({"literacy": 0, "over_60": 1}, 1),
    }
    assert {r.org.code for r in selectors.exception_routes(users.district_x, tree.X)} == {tree.GX.code}
    vote = Candidate.objects.get(over_60_consent_number="112-CV/TU", cell=tree.CXA).events.get(stage_to=Stage.CELL_VOTE)
    assert vote.data["routes"] == ["over_60"] and vote.data["over_60_consent_number"] == "112-CV/TU"
    assert vote.overrides == []  # the route met the rule: nothing was overridden


def test_the_page_runs_a_fixed_number_of_queries(login, tree, users, django_assert_num_queries):
    client = login(users.province)
    url = reverse("candidates:exception-routes", args=[tree.P.code])
    admitted(tree.CXA, tree.X, extra=OVER_60, date_of_birth=D(1960, 1, 1), youth_union=False)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        response = client.get(url)
    assert response.status_code == 200 and "112" not in response.content.decode()  # counts, not documents
    for _ in range(3):
        admitted(
            tree.CYA,
            tree.Y,
            start=D(2023, 1, 9),
            extra={**OVER_60, "over_60_consent_date": D(2023, 2, 20)},
            date_of_birth=D(1959, 1, 1),
            youth_union=False,
        )
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert [(r.org.code, r.year, r.counts["over_60"]) for r in response.context["rows"]] == [
        (tree.X.code, 2024, 1),
        (tree.Y.code, 2023, 3),
    ]


def test_over_60_without_its_document_is_refused_and_no_free_text_overrides_it(tree, users):
    c = candidate_at(tree.CXA, Stage.VERIFICATION, date_of_birth=D(1960, 1, 1), youth_union=False)
    vote = dict(cell_vote_date=D(2024, 3, 20), cell_present=9, cell_total=9, cell_votes_for=9)
    with pytest.raises(services.RuleFailed) as exc:
        services.candidate_advance(c.pk, Stage.CELL_VOTE, data=vote, user=users.district_x, override_reason="Đặc biệt")
    assert [f.code for f in exc.value.failures] == ["over_60"] and not exc.value.can_override
    with pytest.raises(ValidationError) as exc:
        services.candidate_advance(
            c.pk, Stage.CELL_VOTE, data={**vote, "over_60_consent_number": "15-CV/TU"}, user=users.secretary_a
        )
    assert set(exc.value.message_dict) == {"over_60_consent_date"}
    c.refresh_from_db()
    assert c.stage == Stage.VERIFICATION and c.over_60_consent_number == ""
    c = services.candidate_advance(
        c.pk,
        Stage.CELL_VOTE,
        data={**vote, "over_60_consent_number": "15-CV/TU", "over_60_consent_date": D(2024, 3, 1)},
        user=users.secretary_a,
    )
    assert c.stage == Stage.CELL_VOTE and c.events.last().data["routes"] == ["over_60"]
