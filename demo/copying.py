"""Copying a table's rows inside the database, for the demo's larger trees (``provinces``,
``scale``): one ``INSERT … SELECT`` a table, with the organisations mapped and the ids shifted."""

from collections.abc import Mapping

from django.db import connection

from organizations.models import Organization


def copy_sql(model, *, source: str, mapping: str, offsets: Mapping[type, str]) -> str:
    """The ``INSERT … SELECT`` of ``model``'s rows from ``source`` (aliased ``src``; the caller adds
    its ``WHERE``): every organisation column through the ``mapping`` table (``old_id`` →
    ``new_id``, kept where unmapped), the id and every column pointing at a model of ``offsets``
    shifted by the SQL given there, the national id given the
    placeholder ``%(prefix)s`` in place of its first three digits. Any other unique column is
    refused: it would collide with the rows copied."""
    q = connection.ops.quote_name
    columns, exprs, joins = [], [], []
    for f in model._meta.concrete_fields:
        col = q(f.column)
        columns.append(col)
        target = f.related_model if f.is_relation else None
        if f.primary_key:
            exprs.append(f"src.{col} + {offsets[model]}")
        elif target is Organization:
            alias = f"m{len(joins)}"
            joins.append(f"LEFT JOIN {mapping} {alias} ON {alias}.old_id = src.{col}")
            exprs.append(f"COALESCE({alias}.new_id, src.{col})")
        elif target is not None and target in offsets:
            exprs.append(f"src.{col} + {offsets[target]}")
        elif f.name == "national_id":
            exprs.append(f"CASE WHEN src.{col} IS NULL THEN NULL ELSE %(prefix)s || substr(src.{col}, 4) END")
        else:
            if f.unique and not f.is_relation:
                raise RuntimeError(f"{model.__name__}.{f.name} is unique: say how to copy it")
            exprs.append(f"src.{col}")
    return (
        f"INSERT INTO {q(model._meta.db_table)} ({', '.join(columns)}) SELECT {', '.join(exprs)} "
        f"FROM {source} src {' '.join(joins)}"
    )
