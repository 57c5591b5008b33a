"""Dates and numbers as the active language writes them (``partydev/formats/<lang>/formats.py``):
templates use Django's filters (``|date``, ``|intcomma``); Python code that writes a message uses
these, never a hard-coded ``strftime``."""

import datetime

from django.utils import formats


def short_date(day: datetime.date) -> str:
    """dd/mm/yyyy in Vietnamese (``SHORT_DATE_FORMAT``)."""
    return formats.date_format(day, "SHORT_DATE_FORMAT")
