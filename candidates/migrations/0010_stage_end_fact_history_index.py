"""The stage ends' index for the projection's stage history (``reports.projection.stage_history``):
the ends of a window summed per stage, outcome and days, read in the index's order and from the
index alone (SQLite), the cell checked against the subtree's list. It replaces the index on
(day, cell), with which SQLite read the window's rows from the table and sorted them (and which
nothing else read: the writes go through the unique constraint)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("candidates", "0009_relabel_event_regulations")]

    operations = [
        migrations.RemoveIndex(model_name="candidatestageendfact", name="stage_end_fact_day_cell"),
        migrations.AddIndex(
            model_name="candidatestageendfact",
            index=models.Index(fields=["stage", "outcome", "days", "day", "cell", "n"], name="stage_end_fact_history"),
        ),
    ]
