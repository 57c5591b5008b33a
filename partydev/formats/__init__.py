"""Dates and numbers as the active language writes them (``partydev/formats/<lang>/formats.py``):
templates use Django's filters (``|date``, ``|intcomma``) and the project's (``|number``,
``|percent``, ``|signed``, ``|points``: ``partydev.templatetags``, ``reports.templatetags``), which
are the functions below; Python code that writes a message or a report table uses these too,
never a hard-coded ``strftime`` or separator.

The numbers are written with the separators of ``partydev/formats/vi`` (the one language of the
project: a dot between thousands, a decimal comma: 69.190, 88,48%). They are plain string
operations rather than ``django.utils.numberformat``, which groups digits in a Python loop: a
report table formats some thirty thousand numbers for the drill-down of every cell."""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils import dateformat, formats, translation

from .vi import formats as vi

# What a missing figure (no quota, no previous year) is written as.
DASH = "—"

THOUSAND_SEPARATOR = vi.THOUSAND_SEPARATOR
DECIMAL_SEPARATOR = vi.DECIMAL_SEPARATOR
_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(4)}  # 1, 0.1, 0.01, 0.001


def short_date(day: datetime.date | None) -> str:
    """dd/mm/yyyy in Vietnamese (``SHORT_DATE_FORMAT``); an unknown date is written as nothing. Where
    translations are off (``migrate``), the project's language still decides."""
    if day is None:
        return ""
    lang = translation.get_language() or settings.LANGUAGE_CODE
    return dateformat.format(day, formats.get_format("SHORT_DATE_FORMAT", lang=lang))


def number(value: int | float | Decimal | str | None) -> str:
    """A whole number with thousands separators: 69.190 (a fraction is cut off)."""
    if value is None or value == "":
        return DASH
    return f"{int(value):,}".replace(",", THOUSAND_SEPARATOR)


def percent(value: Decimal | float | str | None, places: int = 2) -> str:
    """A rate in percent, rounded half-up to ``places`` decimals: 88,48%."""
    if value is None or value == "":
        return DASH
    quantum = _QUANTA.get(places) or Decimal(1).scaleb(-int(places))  # places: "1" from a template
    return _separated(f"{Decimal(value).quantize(quantum, rounding=ROUND_HALF_UP):,}") + "%"


def signed(value: int | None) -> str:
    """A change with its sign and thousands separators: +1.234, -5, 0."""
    if value is None:
        return DASH
    return ("+" if value > 0 else "") + number(value)


def points(value: Decimal | float | None) -> str:
    """A change of a rate in percentage points, signed, two decimals: +5,81 (no thousands
    separator)."""
    if value is None:
        return DASH
    text = f"{Decimal(value):.2f}".replace(".", DECIMAL_SEPARATOR)
    return ("+" if value > 0 else "") + text


def decimal(value: Decimal | float | None) -> str:
    """A figure with all its decimals and thousands separators, no sign: 1.234,5."""
    if value is None:
        return DASH
    return _separated(f"{value:,}")


def _separated(text: str) -> str:
    """Python's "1,234.5" with the language's separators (three replaces beat a ``translate``)."""
    return text.replace(",", "\0").replace(".", DECIMAL_SEPARATOR).replace("\0", THOUSAND_SEPARATOR)
