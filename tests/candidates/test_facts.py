"""The candidates' stage facts follow every change of the pipeline, in the same transaction."""

import datetime

import pytest

from candidates import facts, services
from candidates.models import CandidateEvent, CandidateStageFact, Stage

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
