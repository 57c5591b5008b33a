from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from django import template

register = template.Library()


@register.filter
def get_item(mapping: Mapping | None, key: object) -> object:
    return mapping.get(key, "") if mapping else ""


@register.filter
def percent(value: Decimal | float | str | None, places: int = 2) -> str:
    """A rate as Vietnamese writes it: 88,48%. ``None`` (no quota) shows a dash."""
    if value is None or value == "":
        return "—"
    q = Decimal(1).scaleb(-int(places))
    text = f"{Decimal(value).quantize(q, rounding=ROUND_HALF_UP):,}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".") + "%"


@register.filter
def number(value: int | float | str | None) -> str:
    """An integer with Vietnamese thousands separators (69.190); cheaper than humanize."""
    if value is None or value == "":
        return "—"
    return f"{int(value):,}".replace(",", ".")
