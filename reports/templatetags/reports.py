from decimal import Decimal

from django import template
from django.urls import reverse
from django.utils.http import urlencode

from partydev import formats

register = template.Library()


@register.filter
def signed(value: int | None) -> str:
    """A change with its sign, Vietnamese thousands dots: +1.234, -5, 0."""
    return formats.signed(value)


@register.filter
def points(value: Decimal | None) -> str:
    """A change of a rate in percentage points with a decimal comma: +5,81."""
    return formats.points(value)


@register.filter
def points_plain(value: Decimal | float | None) -> str:
    """A decimal figure with a decimal comma and no sign: 123,4."""
    return formats.decimal(value)


@register.filter
def signed_percent(value: Decimal | None) -> str:
    """A change in percent with its sign and a decimal comma: +4,52%."""
    return formats.DASH if value is None else formats.points(value) + "%"


@register.simple_tag
def picker_go(view_name: str, query: str = "", **params: str) -> str:
    """The address the organisation picker opens for its choice: ``view_name`` of the chosen
    organisation ({code}), with the page's query (period, filters) and ``params`` kept."""
    url = reverse(view_name, args=["__code__"]).replace("__code__", "{code}")
    query = "&".join(q for q in (query, urlencode(params) if params else "") if q)
    return f"{url}?{query}" if query else url
