"""The candidates' stage facts follow every change of the pipeline, in the same transaction."""

import datetime

import pytest

from candidates import facts, services
from candidates.models import CandidateEvent, CandidateStageEndFact, CandidateStageFact, Stage, StageOutcome

from .factories import candidate_at

D = datetime.date
pytestmark = pytest.mark.django_db


def test_stage_facts_follow_create_advance_move_and_drop(tree, users):
    c = candidate_at(tree.CXA, Stage.SOURCE, user=users.secretary_a)
    assert facts.stored() == facts.expected() == {("stage", tree.CXA.id, Stage.SOURCE, c.stage_date): 1}
    services.candidate_move(
        c.pk, to_cell=tree.CXB, effective_date=c.stage_date, reason="chuyển nơi ở", user=users.district_x
    )
    services.candidate_drop(c.pk, effective_date=c.stage_date, reason="không đủ điều kiện", user=users.district_x)
    assert facts.stored() == facts.expected() == {("stage", tree.CXB.id, Stage.DROPPED, c.stage_date): 1}
    assert facts.rebuild() == {}


def test_a_failing_fact_write_rolls_back_the_step(tree, users, monkeypatch):
    c = candidate_at(tree.CXA, Stage.SOURCE, user=users.secretary_a)
    events = CandidateEvent.objects.count()

    def broken(*a, **k):
        raise RuntimeError("the fact table is unavailable")

    monkeypatch.setattr(facts, "apply", broken)
    with pytest.raises(RuntimeError):
        services.candidate_drop(c.pk, effective_date=c.stage_date, reason="x", user=users.district_x)
    c.refresh_from_db()
    assert c.stage == Stage.SOURCE and CandidateEvent.objects.count() == events
    assert CandidateStageFact.objects.get().stage == Stage.SOURCE


def test_stage_end_facts_count_who_went_on_or_was_dropped_and_after_how_long(tree, users):
    c = candidate_at(tree.CXA, Stage.COURSE, start=D(2024, 1, 8), user=users.secretary_a)
    services.candidate_return(
        c.pk, to_stage=Stage.CULTIVATION, effective_date=D(2024, 3, 1), reason="học lại", user=users.district_x
    )
    services.candidate_drop(c.pk, effective_date=D(2024, 3, 11), reason="không đủ điều kiện", user=users.district_x)
    ends = facts.stored(tables=["end"])
    assert ends == facts.expected_ends()
    by_stage = {(stage, outcome): (day, days) for (_t, cell, stage, day, outcome, days) in ends}
    assert by_stage[(Stage.SOURCE, StageOutcome.WENT_ON)] == (D(2024, 1, 15), 7)  # a week on the source list
    # Sent back to cultivation on 01/03, dropped from it ten days later: the time runs from the return.
    assert by_stage[(Stage.CULTIVATION, StageOutcome.DROPPED)] == (D(2024, 3, 11), 10)
    assert set(by_stage) == {
        (Stage.SOURCE, StageOutcome.WENT_ON),
        (Stage.CULTIVATION, StageOutcome.WENT_ON),
        (Stage.CULTIVATION, StageOutcome.DROPPED),
    }
    assert {cell for (_t, cell, *_rest) in ends} == {tree.CXA.id} and set(ends.values()) == {1}
    assert facts.rebuild() == {}


def test_stage_end_facts_are_repaired_from_the_events(tree, users):
    candidate_at(tree.CXA, Stage.CULTIVATION, user=users.secretary_a)
    want = facts.stored(tables=["end"])
    CandidateStageEndFact.objects.all().delete()  # a change made around the services
    assert facts.rebuild(tree.X) == {"candidate stage end facts": 1}
    assert facts.stored(tables=["end"]) == want == facts.expected_ends()
