"""Of two simultaneous changes to one candidate, exactly one wins and the history has one row.

Runs on real transactions in two threads. On PostgreSQL the second writer waits on the row
lock (``select_for_update``) and then finds the version changed; on SQLite the settings open
every transaction with BEGIN IMMEDIATE, so the second writer waits for the first to commit.
"""

import datetime

import pytest
from django.db import OperationalError, connection

from candidates import services
from candidates.models import Candidate, CandidateEvent, Stage
from tests.concurrency import run_together

from .factories import candidate_at

pytestmark = pytest.mark.django_db(transaction=True)


def assert_one_winner(results):
    assert sorted(r == "ok" for r in results) == [False, True], results
    loser = next(r for r in results if r != "ok")
    if isinstance(loser, OperationalError):
        # In-memory SQLite (the default test database) shares one cache between connections and
        # refuses the second writer at once instead of making it wait: still nothing is written.
        assert connection.vendor == "sqlite" and "locked" in str(loser)
    else:
        assert "người khác cập nhật" in " ".join(loser.messages) or "Bước tiếp theo" in " ".join(loser.messages)


def test_two_simultaneous_changes_one_wins(tree, users):
    c = candidate_at(tree.CXA, Stage.VERIFICATION)
    version = c.version
    vote = dict(cell_vote_date=datetime.date(2024, 3, 20), cell_present=9, cell_total=9, cell_votes_for=9)
    drop = dict(effective_date=datetime.date(2024, 3, 21), reason="Không còn nguyện vọng")
    before = CandidateEvent.objects.filter(candidate=c).count()

    results = run_together(
        lambda: services.candidate_advance(
            c.pk, Stage.CELL_VOTE, data=vote, user=users.secretary_a, expected_version=version
        ),
        lambda: services.candidate_drop(c.pk, user=users.secretary_a, expected_version=version, **drop),
    )
    assert_one_winner(results)
    c = Candidate.objects.get(pk=c.pk)
    assert c.version == version + 1
    assert CandidateEvent.objects.filter(candidate=c).count() == before + 1
    assert c.stage == CandidateEvent.objects.filter(candidate=c).last().stage_to


def test_the_same_step_twice_records_it_once(tree, users):
    c = candidate_at(tree.CXA, Stage.VERIFICATION)
    vote = dict(cell_vote_date=datetime.date(2024, 3, 20), cell_present=9, cell_total=9, cell_votes_for=9)
    results = run_together(
        *[
            (lambda: services.candidate_advance(c.pk, Stage.CELL_VOTE, data=vote, user=users.secretary_a))
            for _ in range(2)
        ]
    )
    assert_one_winner(results)
    assert CandidateEvent.objects.filter(candidate=c, stage_to=Stage.CELL_VOTE).count() == 1
