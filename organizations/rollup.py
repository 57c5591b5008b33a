"""Roll-ups: per-cell facts summed into the organisations a page shows, in one grouped query.

Every fact table keys its rows by the cell's id (never its path) and dates them by the event's
effective date. A roll-up joins the facts to ``OrganizationAncestry`` (the dated closure table)
and groups by ancestor, so any set of organisations at any depths is answered at once, over the
tree as it is today or as it stood on a date:

    roll_up(source, anchors=[org ids], sums=["n"], group=["kind"], tree=TODAY)
        → {(ancestor id, kind): {"n": 12}, ...}

- ``source``: a queryset of ``.values(...)`` rows, or ``(sql, params)``, with a ``cell_id``
  column, the columns named in ``sums`` and ``group``, and (for ``tree=THEN``) ``day``.
- ``anchors``: organisation ids, or a queryset of them (``.values("id")``): the rows asked for.
- ``tree``: ``TODAY`` (the tree as it is now), a ``datetime.date`` (the tree as it stood at the
  end of that day), or ``THEN`` (each fact under the tree of its own date: the ancestry row
  valid on the fact's ``day``; what period reports use, so a restructuring moves no history), or
  ``NOW`` (history mapped onto today's organisations: the tree of today, each fact of a cell that
  a restructuring ended counted in the cell that took it over, through the recorded
  successions; what ``as=now`` reports use).
- ``crossing``: the name of a column holding a second cell (a transfer's other end): only facts
  whose other cell is outside the anchor's subtree (or unknown) count, so moves inside a subtree
  cancel out and crossings of its boundary roll up.

Anchors without facts are absent from the result; callers default them to zero.
"""

import datetime
from collections.abc import Sequence
from typing import Any

from django.db import connections
from django.db.models import Exists, OuterRef, Q, QuerySet

from .models import CELL_KINDS, OrganizationAncestry, Succession

TODAY = "today"
THEN = "then"
NOW = "now"

ANCESTRY = OrganizationAncestry._meta.db_table
FEW_ANCHORS = 32


def successor_cells(using: str = "default") -> dict[int, int]:
    """{ended cell id: the live cell that carries its work today}, through the recorded
    successions (chains followed; a cell split among several goes to its first successor, the
    one recorded first). One query over the successions of cells (a small table)."""
    rows = (
        Succession.objects.using(using)
        .filter(predecessor__kind__in=list(CELL_KINDS), successor__kind__in=list(CELL_KINDS))
        .order_by("effective_date", "id")
        .values_list("predecessor_id", "successor_id")
    )
    first: dict[int, int] = {}
    for pred, succ in rows:
        first.setdefault(pred, succ)
    out = {}
    for pred in first:
        seen, cell = {pred}, first[pred]
        while cell in first and first[cell] not in seen:
            seen.add(cell)
            cell = first[cell]
        out[pred] = cell
    return out


def _mapped(column: str, mapping: dict[int, int], params: list) -> str:
    """``column`` with each ended cell replaced by its successor (a CASE; the column itself
    when nothing was restructured)."""
    if not mapping:
        return column
    whens = " ".join("WHEN %s THEN %s" for _ in mapping)
    for pred, succ in mapping.items():
        params += [pred, succ]
    return f"(CASE {column} {whens} ELSE {column} END)"


def _valid(alias: str, tree: str | datetime.date, using: str, params: list, day_expr: str = "f.day") -> str:
    if tree in (TODAY, NOW):
        return f"{alias}.valid_to IS NULL"
    if tree == THEN:
        return f"{alias}.valid_from <= {day_expr} AND ({alias}.valid_to IS NULL OR {alias}.valid_to > {day_expr})"
    if isinstance(tree, datetime.date):
        value = connections[using].ops.adapt_datefield_value(tree)
        params += [value, value]
        return f"{alias}.valid_from <= %s AND ({alias}.valid_to IS NULL OR {alias}.valid_to > %s)"
    raise ValueError(f"tree must be TODAY, THEN or a date, not {tree!r}")


def _sql(source: Any) -> tuple[str, list]:
    if isinstance(source, QuerySet):
        sql, params = source.query.sql_with_params()
        return sql, list(params)
    sql, params = source
    return sql, list(params)


def roll_up(
    source: Any,
    *,
    anchors: Any,
    sums: Sequence[str],
    group: Sequence[str] = (),
    tree: str | datetime.date = TODAY,
    crossing: str | None = None,
    using: str | None = None,
) -> dict[tuple, dict[str, int]]:
    """Sum the ``sums`` columns of ``source`` into each anchor (and ``group`` value): one query."""
    if isinstance(source, QuerySet):
        using = using or source.db
    using = using or "default"
    if not isinstance(anchors, QuerySet):
        anchors = list(anchors)
        if not anchors:
            return {}
    sql, params = roll_up_sql(
        source, anchors=anchors, sums=sums, group=group, tree=tree, crossing=crossing, using=using
    )
    out: dict[tuple, dict[str, int]] = {}
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            key = tuple(row[: 1 + len(group)])
            out[key] = {s: int(v) for s, v in zip(sums, row[1 + len(group) :])}
    return out


def roll_up_sql(
    source: Any,
    *,
    anchors: Any,
    sums: Sequence[str],
    group: Sequence[str] = (),
    tree: str | datetime.date = TODAY,
    crossing: str | None = None,
    using: str | None = None,
) -> tuple[str, list]:
    """The query ``roll_up`` runs, to be read inside another (a subquery): its columns are
    ``ancestor_id``, the ``group`` columns and the ``sums`` under their own names. ``anchors``
    must not be empty; None: every organisation above the facts (for a subquery that the outer
    query filters, rather than a list of anchors looked up for each fact)."""
    if isinstance(source, QuerySet):
        using = using or source.db
    using = using or "default"
    if anchors is not None and not isinstance(anchors, QuerySet):
        anchors = list(anchors)
    q = connections[using].ops.quote_name
    src_sql, src_params = _sql(source)
    params: list = list(src_params)
    # With many anchors SQLite would look each fact up once per anchor through the (ancestor,
    # descendant) index; ``+ 0`` keeps it on the (descendant) index instead: a handful of
    # ancestors per fact, then the filter. With a few anchors, going down from them is cheaper.
    # PostgreSQL plans the join by itself (hash joins).
    many = isinstance(anchors, list) and len(anchors) > FEW_ANCHORS
    ancestor = "a.ancestor_id + 0" if many and connections[using].vendor == "sqlite" else "a.ancestor_id"
    anchor_params: Sequence[Any] = []
    if anchors is None:
        anchor_clause = "1 = 1"
    elif isinstance(anchors, QuerySet):
        anchor_sql, anchor_params = _sql(anchors)
        anchor_clause = f"{ancestor} IN ({anchor_sql})"
    else:
        anchor_clause = f"{ancestor} IN ({', '.join(['%s'] * len(anchors))})"
        anchor_params = anchors
    mapping = successor_cells(using) if tree == NOW else {}
    join_params: list = []
    cell = _mapped("f.cell_id", mapping, join_params)
    params += join_params
    where_params: list = []
    valid_a = _valid("a", tree, using, where_params)
    clauses = [anchor_clause, valid_a]
    params += list(anchor_params) + where_params
    if crossing:
        inner: list = []
        other = _mapped(f"f.{q(crossing)}", mapping, inner)
        valid_b = _valid("b", tree, using, inner)
        clauses.append(
            f"NOT EXISTS (SELECT 1 FROM {q(ANCESTRY)} b WHERE b.descendant_id = {other} "
            f"AND b.ancestor_id = a.ancestor_id AND {valid_b})"
        )
        params += inner
    groups = [f"f.{q(g)}" for g in group]
    select = ", ".join(["a.ancestor_id", *groups, *[f"COALESCE(SUM(f.{q(s)}), 0) AS {q(s)}" for s in sums]])
    sql = (
        f"SELECT {select} FROM ({src_sql}) f JOIN {q(ANCESTRY)} a ON a.descendant_id = {cell} "
        f"WHERE {' AND '.join(clauses)} GROUP BY {', '.join(['a.ancestor_id', *groups])}"
    )
    return sql, params


def totals(
    source: Any,
    *,
    anchors: Any,
    sums: Sequence[str],
    tree: str | datetime.date = TODAY,
    crossing: str | None = None,
    using: str | None = None,
) -> dict[int, dict[str, int]]:
    """``roll_up`` without groups: {anchor id: {column: sum}}, every anchor present (zeros)."""
    anchor_ids = None if isinstance(anchors, QuerySet) else list(anchors)
    rolled = roll_up(source, anchors=anchors, sums=sums, tree=tree, crossing=crossing, using=using)
    out = {key[0]: value for key, value in rolled.items()}
    for pk in anchor_ids or ():
        out.setdefault(pk, dict.fromkeys(sums, 0))
    return out


def within(
    org_id: int, *, tree: str | datetime.date = TODAY, cell_field: str = "cell", day_field: str = "day"
) -> Q | Exists:
    """A filter for a fact queryset: rows whose cell lies in ``org_id``'s subtree, over the
    tree of today, of a date, of each row's own ``day_field`` (``THEN``), or of today with ended
    cells counted in their successors (``NOW``). For aggregates
    over one organisation (``roll_up`` is for many)."""
    if tree == NOW:
        # Today's subtree, and the ended cells whose successors are in it (one query for those).
        mapping = successor_cells()
        today = Q(ancestor_id=org_id, descendant_id=OuterRef(cell_field), valid_to__isnull=True)
        if not mapping:
            return Exists(OrganizationAncestry.objects.filter(today))
        inside = set(
            OrganizationAncestry.objects.filter(
                ancestor_id=org_id, descendant_id__in=set(mapping.values()), valid_to__isnull=True
            ).values_list("descendant_id", flat=True)
        )
        taken_over = [pred for pred, succ in mapping.items() if succ in inside]
        mapped_away = [pred for pred in mapping if pred not in taken_over]
        return (Exists(OrganizationAncestry.objects.filter(today)) & ~Q(**{f"{cell_field}__in": mapped_away})) | Q(
            **{f"{cell_field}__in": taken_over}
        )
    q = Q(ancestor_id=org_id, descendant_id=OuterRef(cell_field))
    if tree == TODAY:
        q &= Q(valid_to__isnull=True)
    elif tree == THEN:
        q &= Q(valid_from__lte=OuterRef(day_field)) & (Q(valid_to__isnull=True) | Q(valid_to__gt=OuterRef(day_field)))
    else:
        q &= Q(valid_from__lte=tree) & (Q(valid_to__isnull=True) | Q(valid_to__gt=tree))
    return Exists(OrganizationAncestry.objects.filter(q))


def sum_per_cell(
    values: dict, anchors: Any, *, width: int = 1, tree: str | datetime.date = TODAY
) -> dict[int, list[int]]:
    """Per-cell numbers computed in Python (``{cell id: [n1, n2, …]}``, ``width`` of them) summed
    into each anchor id through the same ancestor table, over the tree of today or of a date.
    One query for the pairs, whatever the data (none without anchors)."""
    anchors = list(anchors)
    out = {a: [0] * width for a in anchors}
    if not anchors:
        return out
    # ``or [0]``: the query runs even without values, so a page's count of queries stays fixed.
    pairs = OrganizationAncestry.objects.filter(ancestor_id__in=anchors, descendant_id__in=list(values) or [0])
    if tree == TODAY:
        pairs = pairs.filter(valid_to__isnull=True)
    elif isinstance(tree, datetime.date):
        pairs = pairs.filter(Q(valid_from__lte=tree) & (Q(valid_to__isnull=True) | Q(valid_to__gt=tree)))
    else:
        raise ValueError("sum_per_cell takes the tree of today or of a date")
    for ancestor, descendant in pairs.values_list("ancestor_id", "descendant_id"):
        for i, n in enumerate(values[descendant]):
            out[ancestor][i] += n
    return out
