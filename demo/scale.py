"""``seed_demo --scale N``: N provinces' worth of members, history, quotas and pipeline.

The demo builders are deterministic and every province of ``seed_tree(N)`` has the same shape
as Hòa Bình (``HB``, then ``P02`` … ``PNN``), so running the builders again for each province
would produce Hòa Bình's rows again, only on other cells — at one to three minutes a province
in Python. Instead the rows the builders made for ``HB`` are copied inside the database: a
snapshot of Hòa Bình's rows per table (temporary tables), then one ``INSERT … SELECT`` per
table and province:

- every organisation column is mapped to the organisation at the same place in the other
  province (same path below the root: ``HB.TP.001.01`` → ``P02.TP.001.01``);
- every id, and every column pointing at a copied table, is shifted by a per-table offset
  (province k gets ``id + (k - 1) × max(id)``), so the copies never collide;
- the national id (unique) gets the province's own three-digit prefix (``1kk``) instead of 017.

A province that already has members is skipped (idempotent). Sequences are reset at the end
and, on PostgreSQL, the database analysed. The copies are identical to Hòa Bình's data (same
names, dates and counts): enough for measuring, and said so in docs/benchmarks.md.
"""

import time

from django.core.management.color import no_style
from django.db import connection, transaction

from demo.copying import copy_sql
from demo.tree import PROVINCE_CODE
from organizations.models import Organization

MAP = "scale_orgmap"
HB = "scale_hb"


def _copied_models():
    """(model, SQL condition selecting Hòa Bình's rows from ``src``), in dependency order."""
    from candidates.models import (
        Candidate,
        CandidateDueFact,
        CandidateEvent,
        CandidateStageEndFact,
        CandidateStageFact,
    )
    from members.models import (
        MemberBalance,
        MemberFlowFact,
        Membership,
        MembershipEvent,
        MembershipPeriod,
        Person,
        SubtreeYear,
    )
    from members.quotas.models import Quota

    q = connection.ops.quote_name
    hb = f"(SELECT id FROM {HB})"
    membership, candidate = q(Membership._meta.db_table), q(Candidate._meta.db_table)
    return [
        (Quota, f"src.{q('organization_id')} IN {hb}"),
        (
            Person,
            f"(src.id IN (SELECT person_id FROM {membership} WHERE cell_id IN {hb})"
            f" OR src.id IN (SELECT person_id FROM {candidate} WHERE cell_id IN {hb}))",
        ),
        (Membership, f"src.cell_id IN {hb}"),
        (MembershipEvent, f"src.membership_id IN (SELECT id FROM {membership} WHERE cell_id IN {hb})"),
        (MembershipPeriod, f"src.membership_id IN (SELECT id FROM {membership} WHERE cell_id IN {hb})"),
        (Candidate, f"src.cell_id IN {hb}"),
        (CandidateEvent, f"src.candidate_id IN (SELECT id FROM {candidate} WHERE cell_id IN {hb})"),
        # the facts are copied with the events they summarise (same cells, shifted ids)
        (MemberFlowFact, f"src.cell_id IN {hb}"),
        (MemberBalance, f"src.cell_id IN {hb}"),
        # the yearly facts per organisation of the province and below (a root: nothing above it)
        (SubtreeYear, f"src.{q('organization_id')} IN {hb}"),
        (CandidateStageFact, f"src.cell_id IN {hb}"),
        (CandidateDueFact, f"src.cell_id IN {hb}"),
        (CandidateStageEndFact, f"src.cell_id IN {hb}"),
    ]


def _source(model) -> str:
    return f"scale_src_{model._meta.db_table}"


def _map_province(cursor, hb_code: str, code: str) -> int:
    """Fill the mapping table: Hòa Bình's organisation → the one at the same place in province
    ``code``, by code (``HB.TP.001.01`` → ``P02.TP.001.01``): codes outlive the 2025 reform,
    which moved Hòa Bình's grassroots organisations under Phú Thọ's communes."""
    org = connection.ops.quote_name(Organization._meta.db_table)
    cursor.execute(f"DELETE FROM {MAP}")
    cursor.execute(
        f"INSERT INTO {MAP} (old_id, new_id) SELECT h.id, p.id FROM {org} h JOIN {org} p "
        f"ON p.code = %s || substr(h.code, %s) WHERE h.code = %s OR h.code LIKE %s",
        [code, len(hb_code) + 1, hb_code, hb_code + ".%"],
    )
    return cursor.rowcount


def _secondary_indexes(cursor, tables: list[str]) -> list[tuple[str, str]]:
    """PostgreSQL: (name, definition) of the indexes of ``tables`` that back no constraint."""
    cursor.execute(
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname = ANY(%s) AND NOT i.indisprimary "
        "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)",
        [tables],
    )
    return cursor.fetchall()


def replicate(scale: int, log=None) -> int:
    """Copy Hòa Bình's members, history, quotas and pipeline into provinces 2 … ``scale``.
    Returns the number of provinces filled.

    On PostgreSQL everything is one transaction: the copied tables' secondary indexes are
    dropped first and built again at the end (faster than keeping them up to date row by row),
    and the foreign-key triggers are off while copying (``session_replication_role = replica``,
    when the role may set it): the rows are consistent by construction. Elsewhere, one
    transaction per province."""
    log = log or (lambda text: print(text, flush=True))
    if scale <= 1:
        return 0
    if scale > 899:
        raise ValueError("scale ≤ 899 (three-digit national id prefixes)")
    from members.models import Membership

    hb = Organization.objects.filter(code=PROVINCE_CODE).first()
    if hb is None or not Membership.objects.filter(cell__code__startswith=f"{PROVINCE_CODE}.").exists():
        return 0
    roots = {o.code: o.path for o in Organization.objects.filter(depth=1)}
    missing = [f"P{k:02d}" for k in range(2, scale + 1) if f"P{k:02d}" not in roots]
    if missing:
        raise ValueError(f"province {missing[0]} is missing: run the tree step with --scale {scale}")
    todo = [
        k
        for k in range(2, scale + 1)
        if not Membership.objects.filter(cell__path__startswith=roots[f"P{k:02d}"]).exists()
    ]
    if not todo:
        return 0
    plan = _copied_models()
    copied = {m for m, _ in plan}
    q = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"
    org = q(Organization._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        # Snapshots of Hòa Bình's rows, taken once: every province copies from them.
        cursor.execute(f"DROP TABLE IF EXISTS {HB}")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {HB} AS SELECT id FROM {org} WHERE code = %s OR code LIKE %s",
            [PROVINCE_CODE, PROVINCE_CODE + ".%"],
        )
        spans = {}
        for model, condition in plan:
            table = q(model._meta.db_table)
            cursor.execute(f"DROP TABLE IF EXISTS {_source(model)}")
            cursor.execute(f"CREATE TEMPORARY TABLE {_source(model)} AS SELECT * FROM {table} src WHERE {condition}")
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            spans[model._meta.db_table] = cursor.fetchone()[0]
        cursor.execute(f"DROP TABLE IF EXISTS {MAP}")
        cursor.execute(f"CREATE TEMPORARY TABLE {MAP} (old_id bigint PRIMARY KEY, new_id bigint NOT NULL)")
    statements = [
        copy_sql(
            m,
            source=_source(m),
            mapping=MAP,
            offsets={t: f"%(off_{t._meta.db_table})s" for t in copied},
        )
        for m, _ in plan
    ]

    def copy(cursor, k):
        t0 = time.perf_counter()
        _map_province(cursor, PROVINCE_CODE, f"P{k:02d}")
        params = {f"off_{table}": (k - 1) * span for table, span in spans.items()}
        params["prefix"] = f"{100 + k:03d}"
        rows = 0
        for sql in statements:
            cursor.execute(sql, params)
            rows += cursor.rowcount
        log(f"    P{k:02d}: " + f"{rows:,}".replace(",", ".") + f" dòng, {time.perf_counter() - t0:.1f} s")

    if postgres:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            try:
                with transaction.atomic():
                    cursor.execute("SET LOCAL session_replication_role = replica")
            except Exception:  # not a superuser: the foreign keys are checked, slower
                pass
            # Deferred foreign-key checks still pending on these tables would forbid the index
            # changes: run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            indexes = _secondary_indexes(cursor, [m._meta.db_table for m in copied])
            for name, _ in indexes:
                cursor.execute(f"DROP INDEX {name}")
            for k in todo:
                copy(cursor, k)
            t0 = time.perf_counter()
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for _, definition in indexes:
                cursor.execute(definition)
            log(f"    {len(indexes)} chỉ mục dựng lại: {time.perf_counter() - t0:.1f} s")
    else:
        for k in todo:
            with transaction.atomic(), connection.cursor() as cursor:
                copy(cursor, k)
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [m for m, _ in plan]):
            cursor.execute(sql)
        for name in [MAP, HB, *[_source(m) for m, _ in plan]]:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
        if postgres:
            t0 = time.perf_counter()
            cursor.execute("ANALYZE")
            log(f"    ANALYZE: {time.perf_counter() - t0:.1f} s")
    return len(todo)
