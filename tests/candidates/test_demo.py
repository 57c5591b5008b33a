"""The demo pipeline on the small test province (the full demo runs in seed_demo's own tests)."""

import datetime

import pytest
from django.db.models import Count

from candidates.models import Candidate, CandidateEvent, Stage
from demo.candidates import seed_candidates
from members.models import MembershipEvent
from organizations.models import CELL_KINDS, Organization

from .factories import official_member

pytestmark = pytest.mark.django_db


def test_living_pipeline_in_every_cell(tree):
    for cell in (tree.CXA, tree.CXB, tree.CYA, tree.GXC):
        official_member(cell), official_member(cell)
    today = datetime.date(2026, 11, 28)
    n = seed_candidates("T", today=today)
    assert n == Candidate.objects.count() > 0
    assert seed_candidates("T", today=today) == 0  # idempotent
    cells = Organization.objects.filter(kind__in=CELL_KINDS)
    per_cell = {(cell_id, stage) for cell_id, stage in Candidate.objects.values_list("cell_id", "stage")}
    for cell in cells:
        for stage in (
            Stage.SOURCE,
            Stage.CULTIVATION,
            Stage.COURSE,
            Stage.DOSSIER,
            Stage.VERIFICATION,
            Stage.CELL_VOTE,
            Stage.COMMITTEE_VOTE,
            Stage.DECISION,
        ):
            assert (cell.pk, stage) in per_cell, (cell.code, stage)
    # Each candidate's history leads to its stage, in date order, and the current fields agree.
    for c in Candidate.objects.prefetch_related("events"):
        events = list(c.events.all())
        assert events[-1].stage_to == c.stage and events[-1].effective_date == c.stage_date
        assert [e.effective_date for e in events] == sorted(e.effective_date for e in events)
        assert c.stage_date <= today
        if c.stage in (Stage.CULTIVATION, Stage.DOSSIER):
            assert c.helper is not None and c.helper.cell.path.startswith(c.cell.path[:12])
    assert CandidateEvent.objects.values("candidate").annotate(n=Count("id")).filter(n=0).count() == 0
    assert Candidate.objects.exclude(next_due__isnull=True).exists()
    # Nothing here touches the published admissions (up to 30/06/2023).
    assert not MembershipEvent.objects.filter(
        kind="admitted", effective_date__gt=datetime.date(2015, 3, 2), effective_date__lte=datetime.date(2023, 6, 30)
    ).exists()


def test_no_demo_candidate_breaks_the_rules(tree):
    """Every demo dossier, verification and cell vote passes the rules under the regulation of its
    date: the introduction routes, the introducers and their 12 months, who was verified, the
    written exceptions each with its document."""
    from candidates import rules
    from candidates.services import STEP_FIELDS

    for cell in (tree.CXA, tree.CXB, tree.CYA, tree.GXC):
        official_member(cell), official_member(cell)
    seed_candidates("T", today=datetime.date(2026, 11, 28))
    checked = 0
    for c in Candidate.objects.select_related("cell", "person").exclude(form3_date=None):
        on = c.form3_date
        reg = rules.regulation_on(on)
        data = {f: getattr(c, f) for f in STEP_FIELDS[Stage.DOSSIER]}
        assert rules.introducer_problems(reg, c, data, rules.grassroots_of(c.cell), on) == ({}, {}), c.pk
        assert rules.check_youth_introduction(reg, c, on) is None, c.pk
        if c.verification_date:
            assert rules.verification_problems(reg, c.verification_subjects) == {}, c.pk
        if c.cell_vote_date:
            vote = rules.regulation_on(c.cell_vote_date)
            data = {f: getattr(c, f) for f in STEP_FIELDS[Stage.CELL_VOTE]}
            assert rules.exception_route_problems(vote, c, data, c.cell_vote_date) == {}, c.pk
            _, failures = rules.failures_for(Stage.CELL_VOTE, c, c.cell_vote_date)
            assert not [f for f in failures if f.code in rules.ROUTE_ONLY], (c.pk, failures)
        checked += 1
    assert checked >= 20  # five stages from the dossier on, in each of the four cells
