from collections.abc import Mapping
from decimal import Decimal

from django import template

from partydev import formats

register = template.Library()


@register.filter
def get_item(mapping: Mapping | None, key: object) -> object:
    return mapping.get(key, "") if mapping else ""


@register.filter
def percent(value: Decimal | float | str | None, places: int = 2) -> str:
    """A rate as Vietnamese writes it: 88,48%. ``None`` (no quota) shows a dash."""
    return formats.percent(value, places)


@register.filter
def number(value: int | float | str | None) -> str:
    """An integer with Vietnamese thousands separators (69.190); cheaper than humanize."""
    return formats.number(value)


@register.filter
def who(user: object, role: str = "") -> str:
    """The person who recorded something: full name (family name first) and role ("Hà Thị Lan,
    Bí thư chi bộ — Chi bộ xóm Bưng"); the login name only when no name is on file. ``role`` comes
    with the rows (``organizations.selectors.with_recorder_role``), never a query per row."""
    if user is None:
        return "hệ thống"
    parts = (getattr(user, "last_name", ""), getattr(user, "first_name", ""))
    name = " ".join(p.strip() for p in parts if p and p.strip()) or user.get_username()  # type: ignore[attr-defined]
    return f"{name}, {role}" if role else str(name)
