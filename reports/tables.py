"""Every report table defined once: its columns give both the HTML rows and the Excel sheet.

Large tables (the drill-down of all 3,184 cells) are rendered here in one pass rather than
through a template loop, which costs tens of microseconds per cell.
"""

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from typing import Any

from django.core.paginator import Paginator
from django.http import QueryDict
from django.utils.safestring import SafeString, mark_safe

from partydev.text import fold


@dataclass(frozen=True)
class Column:
    header: str
    get: Callable[[Any], Any]
    kind: str = "text"  # text, int, signed, rate, points
    css: str = ""


def fmt_int(value: int | float | Decimal | None) -> str:
    return "—" if value is None else f"{int(value):,}".replace(",", ".")


def fmt_rate(value: Decimal | float | str | None) -> str:
    """88,48% — the same text as the ``percent`` template filter, without its overhead."""
    if value is None or value == "":
        return "—"
    return f"{Decimal(value):,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") + "%"


def fmt_signed(value: int | None) -> str:
    if value is None:
        return "—"
    return ("+" if value > 0 else "") + fmt_int(value)


def fmt_points(value: Decimal | float | None) -> str:
    if value is None:
        return "—"
    text = f"{Decimal(value):.2f}".replace(".", ",")
    return ("+" if value > 0 else "") + text


FORMATTERS: dict[str, Callable[[Any], str]] = {
    "text": lambda v: "—" if v in (None, "") else str(v),
    "int": fmt_int,
    "signed": fmt_signed,
    "rate": fmt_rate,
    "points": fmt_points,
}


def cell_text(column: Column, row: Any) -> str:
    return FORMATTERS[column.kind](column.get(row))


@dataclass
class Table:
    title: str
    columns: list[Column]
    rows: list
    subtitle: str = ""
    footer: list | None = None  # a totals row, same columns

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]


def rows_html(
    table: Table, *, link: Callable[[Any], str | None] | None = None, row_class: Callable[[Any], str] | None = None
) -> SafeString:
    """<tr> rows of ``table`` as safe HTML; the first column links where ``link`` gives a URL."""
    out = []
    cols = [(c.get, FORMATTERS[c.kind], c.kind != "text") for c in table.columns]
    opens = [
        f'<td class="num" data-label="{escape(c.header)}">'
        if c.kind != "text"
        else f'<td data-label="{escape(c.header)}">'
        for c in table.columns
    ]
    for row in table.rows:
        cls = row_class(row) if row_class else ""
        parts = [f'<tr class="{cls}">' if cls else "<tr>"]
        for i, (get, fmt, num) in enumerate(cols):
            text = fmt(get(row)) if num else escape(fmt(get(row)), quote=False)  # numbers hold no markup
            if i == 0 and link:
                url = link(row)
                if url:
                    text = f'<a href="{escape(url)}">{text}</a>'
            parts.append(opens[i] + text + "</td>")
        parts.append("</tr>")
        out.append("".join(parts))
    return mark_safe("\n".join(out))


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
