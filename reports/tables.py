"""Every report table defined once: its columns give both the HTML rows and the Excel sheet.

Large tables (the drill-down of all 3,184 cells) are rendered here from pieces made by
``format_html`` rather than through a template loop, which costs tens of microseconds per cell.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.paginator import Paginator
from django.http import QueryDict
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString

from partydev import formats
from partydev.text import fold


@dataclass(frozen=True)
class Column:
    header: str
    get: Callable[[Any], Any]
    kind: str = "text"  # text, int, signed, rate, points, html
    css: str = ""


def _text(value: Any) -> str:
    return formats.DASH if value in (None, "") else str(value)


# A cell's text by the kind of its column: the same functions as the template filters
# (``number``, ``signed``, ``percent``, ``points``).
FORMATTERS: dict[str, Callable[[Any], str]] = {
    "text": _text,
    "int": formats.number,
    "signed": formats.signed,
    "rate": formats.percent,
    "points": formats.points,
    "html": str,  # markup made safe by the column itself (``format_html``), numbers inside
}


def cell_text(column: Column, row: Any) -> str:
    return FORMATTERS[column.kind](column.get(row))


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: Sequence[Any]  # a list, or rows read a page at a time (partydev.paginators.CountedRows)
    subtitle: str = ""
    footer: list | None = None  # a totals row, same columns

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def rows_html(
    table: Table,
    *,
    link: Callable[[Any], str | None] | None = None,
    row_class: Callable[[Any], str] | None = None,
    row_key: Callable[[Any], str] | None = None,
) -> SafeString:
    """<tr> rows of ``table`` as safe HTML; the first column links where ``link`` gives a URL;
    ``row_class`` gives a row its class, ``row_key`` its ``data-key``.

    Each piece of markup that holds a value is made by ``format_html`` (a cell's opening with its
    header, once per table; a row's class; a link), each text passes through ``conditional_escape``,
    and a row is its safe pieces joined, as ``format_html_join`` joins its own. One ``format_html``
    over a whole row would parse its long format anew for every row: the drill-down of a
    province's 3,184 cells took twice as long that way."""
    (first_opening, get_first, fmt_first, escape_first), *rest = [
        (_cell_opening(c), c.get, FORMATTERS[c.kind], _escaper(c)) for c in table.columns
    ]
    row_openings: dict[str, SafeString] = {"": SafeString("<tr>")}
    rows = []
    for row in table.rows:
        cls = row_class(row) if row_class else ""
        if row_key is not None:
            opening = (
                format_html('<tr class="{}" data-key="{}">', cls, row_key(row))
                if cls
                else format_html('<tr data-key="{}">', row_key(row))
            )
        elif cls not in row_openings:
            opening = row_openings[cls] = format_html('<tr class="{}">', cls)
        else:
            opening = row_openings[cls]
        text = fmt_first(get_first(row))
        url = link(row) if link else None
        if url:
            text = format_html('<a href="{}">{}</a>', url, text)  # escapes a text, keeps a number
        elif escape_first:
            text = escape_first(text)
        parts = [opening, first_opening, text]
        for opening, get, fmt, escape in rest:
            text = fmt(get(row))
            parts += ("</td>", opening, escape(text) if escape else text)
        parts.append("</td></tr>")
        rows.append("".join(parts))
    return SafeString("\n".join(rows))


def _cell_opening(column: Column) -> SafeString:
    if column.kind == "text":
        return format_html('<td data-label="{}">', column.header)
    return format_html('<td class="num" data-label="{}">', column.header)


def _escaper(column: Column) -> Callable[[str], SafeString] | None:
    """How a cell's text is made safe: a formatted number holds digits, separators and signs
    only, nothing to escape (None); a text is escaped once for each value it takes (a column of
    kinds takes a handful of them)."""
    if column.kind != "text":
        return None
    escaped: dict[str, SafeString] = {}

    def escape(text: str) -> SafeString:
        if text not in escaped:
            escaped[text] = conditional_escape(text)
        return escaped[text]

    return escape


def excel_value(column: Column, row: Any) -> float | int | str | None:
    """What a cell holds in Excel: numbers stay numbers, rates become fractions (0.8848 shown as 88,48%)."""
    value = column.get(row)
    if value is None:
        return None
    if column.kind == "rate":
        return float(Decimal(value) / 100)
    if column.kind == "points":
        return float(value)
    if column.kind in ("int", "signed"):
        return int(value)
    return str(value)


# --- long tables on a page: Django's Paginator, sortable and searchable, with the total ---------

TABLE_PAGE_SIZE = 50


@dataclass
class PagedTable:
    key: str
    table: Table
    page: Any  # django.core.paginator.Page
    html: Any
    total: int  # rows of the whole table
    found: int  # rows matching the search
    search: str
    sort: int | None
    descending: bool
    sort_links: list  # [(header, query, arrow)]
    page_query: str  # the query without this table's page number


def paged_table(
    table: Table, key: str, params: QueryDict, *, per_page: int = TABLE_PAGE_SIZE, **html_options: Any
) -> PagedTable:
    """One table of a report page as a page of ``per_page`` rows (Django's Paginator), sorted by
    ``?{key}_sort=N`` (``-N`` descending) and searched by ``?{key}_q=`` over its text columns
    (with or without diacritics), with the total of the whole table. The Excel export keeps
    writing the whole table (``exports``)."""
    search = str(params.get(f"{key}_q", "")).strip()[:100]
    rows = table.rows
    if search:
        wanted = fold(search)
        texts = [c for c in table.columns if c.kind == "text"]
        rows = [r for r in rows if any(wanted in fold(str(c.get(r) or "")) for c in texts)]
    raw = str(params.get(f"{key}_sort", "")).strip()
    sort, descending = None, raw.startswith("-")
    if raw.lstrip("-").isdigit() and int(raw.lstrip("-")) < len(table.columns):
        sort = int(raw.lstrip("-"))
        column = table.columns[sort]

        def sort_key(r: Any, column: Column = column) -> tuple[bool, Any]:
            value = column.get(r)
            if column.kind == "text":
                return (value is None, fold(str(value or "")))
            return (value is None, value if value is not None else 0)

        rows = sorted(rows, key=sort_key, reverse=descending)
    page = Paginator(rows, per_page).get_page(params.get(f"{key}_page"))
    shown = Table(table.title, table.columns, list(page.object_list), table.subtitle)
    query = params.copy()
    query.pop(f"{key}_page", None)
    links = []
    for i, c in enumerate(table.columns):
        q = query.copy()
        q[f"{key}_sort"] = f"-{i}" if sort == i and not descending else str(i)
        arrow = ("▼" if descending else "▲") if sort == i else ""
        links.append((c.header, q.urlencode(), arrow))
    return PagedTable(
        key=key,
        table=table,
        page=page,
        html=rows_html(shown, **html_options),
        total=len(table.rows),
        found=len(rows),
        search=search,
        sort=sort,
        descending=descending,
        sort_links=links,
        page_query=query.urlencode(),
    )
