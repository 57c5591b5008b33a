"""Dates and numbers as the active language writes them (``partydev/formats/<lang>/formats.py``):
templates use Django's filters (``|date``, ``|intcomma``); Python code that writes a message uses
these, never a hard-coded ``strftime``."""

import datetime

from django.conf import settings
from django.utils import dateformat, formats, translation


def short_date(day: datetime.date | None) -> str:
    """dd/mm/yyyy in Vietnamese (``SHORT_DATE_FORMAT``); an unknown date is written as nothing. Where
    translations are off (``migrate``), the project's language still decides."""
    if day is None:
        return ""
    lang = translation.get_language() or settings.LANGUAGE_CODE
    return dateformat.format(day, formats.get_format("SHORT_DATE_FORMAT", lang=lang))
