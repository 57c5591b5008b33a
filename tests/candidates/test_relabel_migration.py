"""Migration candidates.0009: events labelled 24-QĐ/TW before it was in force, or while 232-QĐ/TW
was, get the label of their date, each with a history row; nothing else in them changes."""

import datetime
import importlib

import pytest
from django.apps import apps

from candidates.models import CandidateEvent, EventKind, Stage

from .factories import candidate_at

D = datetime.date
pytestmark = pytest.mark.django_db
relabel = importlib.import_module("candidates.migrations.0009_relabel_event_regulations")


def test_events_are_relabelled_by_their_date_with_a_history_row(tree):
    c = candidate_at(tree.CXA, Stage.SOURCE)
    old = {}
    for day in (D(2019, 5, 6), D(2021, 7, 29), D(2021, 7, 30), D(2025, 1, 20), D(2025, 6, 30), D(2025, 7, 1)):
        e = CandidateEvent.objects.create(
            candidate=c,
            kind=EventKind.RETURNED,
            stage_to=Stage.SOURCE,
            effective_date=day,
            cell=c.cell,
            regulation="2021" if day < D(2025, 7, 1) else "2025",
            reason="Bổ sung hồ sơ",
            data={"n": 1},
        )
        old[e.pk] = e
    relabel.forwards(apps, None)
    labels = dict(CandidateEvent.objects.filter(pk__in=old).values_list("effective_date", "regulation"))
    assert labels == {
        D(2019, 5, 6): "2016",
        D(2021, 7, 29): "2016",
        D(2021, 7, 30): "2021",
        D(2025, 1, 20): "2025-01",
        D(2025, 6, 30): "2025-01",
        D(2025, 7, 1): "2025",
    }
    for pk, before in old.items():
        after = CandidateEvent.objects.get(pk=pk)
        assert (after.reason, after.data, after.effective_date, after.kind) == (
            before.reason,
            before.data,
            before.effective_date,
            before.kind,
        )
    changed = CandidateEvent.history.filter(history_change_reason=relabel.REASON)
    assert sorted(changed.values_list("regulation", flat=True)) == ["2016", "2016", "2025-01", "2025-01"]
    relabel.forwards(apps, None)  # again: nothing left to relabel
    assert CandidateEvent.history.filter(history_change_reason=relabel.REASON).count() == 4
    relabel.backwards(apps, None)
    assert set(CandidateEvent.objects.filter(pk__in=old).values_list("regulation", flat=True)) == {"2021", "2025"}
