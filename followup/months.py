"""Months as the follow-up counts them: a month is its first day."""

import datetime

from partydev.params import date_problem


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return datetime.date(month.year + month.month // 12, month.month % 12 + 1, 1)


def month_end(month: datetime.date) -> datetime.date:
    return next_month(month) - datetime.timedelta(days=1)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    """Every month from the one holding ``first`` to the one holding ``last`` (inclusive)."""
    month, stop, result = month_start(first), month_start(last), []
    while month <= stop:
        result.append(month)
        month = next_month(month)
    return result


def parse_month(text: str) -> datetime.date | None:
    """'2022-07' → 1 July 2022; None if it is not a month, or not one within the bounds of
    ``partydev.params`` (1900 … today + 5 years)."""
    try:
        year, month = (int(part) for part in str(text).split("-"))
        first = datetime.date(year, month, 1)
    except (TypeError, ValueError, OverflowError):
        return None
    return None if date_problem(first, "tháng") else first


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` later (or earlier), clamped to the end of a shorter month."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    first = datetime.date(year, month + 1, 1)
    return min(first.replace(day=1) + datetime.timedelta(days=day.day - 1), month_end(first))
