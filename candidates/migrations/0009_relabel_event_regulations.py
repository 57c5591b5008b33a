"""Relabel the events with the regulation in force on their effective date (issue 17): before
30/07/2021 Regulation 29-QĐ/TW ("2016"), from 20/01/2025 to 30/06/2025 Regulation 232-QĐ/TW
("2025-01"); both had been labelled 24-QĐ/TW ("2021"). Only the label changes, and each relabelled
event gets a history row saying so (the events are append-only: this is a correction of a
derived label, recorded like any other change)."""

import datetime

from django.db import migrations
from django.utils import timezone

REASON = "Gán lại quy định áp dụng theo ngày hiệu lực (29-QĐ/TW, 232-QĐ/TW)"
RELABEL = [
    # (from, to, label before, label after)
    (None, datetime.date(2021, 7, 30), "2021", "2016"),
    (datetime.date(2025, 1, 20), datetime.date(2025, 7, 1), "2021", "2025-01"),
]
BATCH = 2000


def _relabel(apps, rules):
    Event = apps.get_model("candidates", "CandidateEvent")
    Historical = apps.get_model("candidates", "HistoricalCandidateEvent")
    copied = [f.attname for f in Event._meta.concrete_fields]
    now = timezone.now()
    for start, end, before, after in rules:
        events = Event.objects.filter(regulation=before, effective_date__lt=end)
        if start is not None:
            events = events.filter(effective_date__gte=start)
        ids = list(events.order_by("id").values_list("id", flat=True))
        for i in range(0, len(ids), BATCH):
            chunk = ids[i : i + BATCH]
            Event.objects.filter(id__in=chunk).update(regulation=after)
            Historical.objects.bulk_create(
                [
                    Historical(
                        **{name: getattr(e, name) for name in copied},
                        history_date=now,
                        history_type="~",
                        history_change_reason=REASON,
                    )
                    for e in Event.objects.filter(id__in=chunk)
                ]
            )


def forwards(apps, schema_editor):
    _relabel(apps, RELABEL)


def backwards(apps, schema_editor):
    _relabel(apps, [(start, end, after, before) for start, end, before, after in RELABEL])


class Migration(migrations.Migration):
    dependencies = [("candidates", "0008_introductions_exceptions_verification")]

    operations = [migrations.RunPython(forwards, backwards)]
