"""The candidates' facts, kept in step by the services with every change of a candidate, in the
same transaction; ``expected`` computes them from the candidates alone, ``rebuild`` repairs them:

- ``CandidateStageFact``: (cell, stage, day the stage began) → how many candidates;
- ``CandidateDueFact``: (cell, kind of deadline, day it falls due) → how many open candidates.
"""

from collections import Counter

from django.db.models import F

from organizations.models import Organization

from .models import Candidate, CandidateDueFact, CandidateStageFact

# A candidate's place in the facts: ("stage", cell, stage, day) and ("due", cell, kind, day).
Key = tuple


def key_of(candidate: Candidate) -> tuple[Key, ...]:
    keys = [("stage", candidate.cell_id, candidate.stage, candidate.stage_date)]
    if candidate.next_due is not None:
        keys.append(("due", candidate.cell_id, candidate.due_kind, candidate.next_due))
    return tuple(keys)


TABLES = {"stage": (CandidateStageFact, "stage"), "due": (CandidateDueFact, "due_kind")}


def apply(changes: Counter) -> None:
    """Add ``changes`` ({key: ±n}) to the facts. The cells are locked first (in id order) so two
    writers in one cell take turns; rows at zero are removed."""
    changes = Counter({k: v for k, v in changes.items() if v})
    if not changes:
        return
    cells = sorted({k[1] for k in changes})
    list(Organization.objects.filter(pk__in=cells).order_by("pk").select_for_update().values_list("pk", flat=True))
    for (table, cell, what, day), n in sorted(changes.items(), key=lambda kv: tuple(map(str, kv[0]))):
        model, field = TABLES[table]
        updated = model.objects.filter(cell_id=cell, day=day, **{field: what}).update(n=F("n") + n)
        if not updated:
            model.objects.create(cell_id=cell, day=day, n=n, **{field: what})
    for model, _field in TABLES.values():
        model.objects.filter(cell_id__in=cells, n=0).delete()


def moved(before: tuple[Key, ...], after: tuple[Key, ...]) -> None:
    """One candidate went from the facts ``before`` to ``after`` (empty: not there)."""
    change: Counter = Counter()
    for key in before:
        change[key] -= 1
    for key in after:
        change[key] += 1
    apply(change)


def expected(cell_ids=None) -> Counter:
    qs = Candidate.objects.all()
    if cell_ids is not None:
        qs = qs.filter(cell_id__in=cell_ids)
    out: Counter = Counter()
    rows = qs.values_list("cell_id", "stage", "stage_date", "due_kind", "next_due").iterator(chunk_size=5000)
    for cell, stage, stage_date, due_kind, next_due in rows:
        out[("stage", cell, stage, stage_date)] += 1
        if next_due is not None:
            out[("due", cell, due_kind, next_due)] += 1
    return out


def stored(cell_ids=None) -> Counter:
    out: Counter = Counter()
    for table, (model, field) in TABLES.items():
        qs = model.objects.all()
        if cell_ids is not None:
            qs = qs.filter(cell_id__in=cell_ids)
        for c, what, d, n in qs.values_list("cell_id", field, "day", "n"):
            out[(table, c, what, d)] = n
    return out


def rebuild(org: Organization | None = None, *, dry_run: bool = False) -> dict[str, int]:
    """Recompute the facts of ``org``'s subtree (everything when None) from the candidates."""
    cells = None if org is None else list(Organization.objects.subtree(org).values_list("id", flat=True))
    want, have = expected(cells), stored(cells)
    wrong = {k for k in set(want) | set(have) if want.get(k, 0) != have.get(k, 0)}
    if wrong and not dry_run:
        wrong_cells = {k[1] for k in wrong}
        for table, (model, field) in TABLES.items():
            model.objects.filter(cell_id__in=sorted(wrong_cells)).delete()
            model.objects.bulk_create(
                [
                    model(cell_id=c, day=d, n=n, **{field: what})
                    for (t, c, what, d), n in want.items()
                    if t == table and c in wrong_cells and n
                ],
                batch_size=5000,
            )
    out = {}
    for table, label in (("stage", "candidate stage facts"), ("due", "candidate deadline facts")):
        n = sum(1 for k in wrong if k[0] == table)
        if n:
            out[label] = n
    return out


def build_in_migration(apps, using: str) -> None:
    """The stage facts of an existing database (the migration's historical models)."""
    candidates = apps.get_model("candidates", "Candidate").objects.using(using)
    stage_model = apps.get_model("candidates", "CandidateStageFact")
    stages = Counter(candidates.values_list("cell_id", "stage", "stage_date"))
    stage_model.objects.using(using).bulk_create(
        [stage_model(cell_id=c, stage=s, day=d, n=n) for (c, s, d), n in stages.items()], batch_size=5000
    )
    due_model = apps.get_model("candidates", "CandidateDueFact")
    dues = Counter(candidates.filter(next_due__isnull=False).values_list("cell_id", "due_kind", "next_due"))
    due_model.objects.using(using).bulk_create(
        [due_model(cell_id=c, due_kind=k, day=d, n=n) for (c, k, d), n in dues.items()], batch_size=5000
    )
