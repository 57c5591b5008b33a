"""Bounds on what a request may ask for: dates, years, page numbers, ids.

Every date a user gives (a query parameter or a form field) lies within 1900-01-01 … today + 5
years, a birth date no later than today; page numbers and ids within what the database holds.
Outside them the answer is a Vietnamese 400 (JSON under ``/api/``), never a 500: a view raises
``BadParameter`` and ``partydev.middleware.BadInputMiddleware`` answers it, the message escaped
like any text of a template.
"""

import datetime
from collections.abc import Mapping

from django.core.exceptions import BadRequest, ValidationError
from django.utils import timezone

MIN_DATE = datetime.date(1900, 1, 1)
YEARS_AHEAD = 5
MAX_PAGE = 100_000
MAX_ID = 2**63 - 1  # a BigAutoField; anything larger overflows the database driver
MAX_INT = 2**31 - 1  # counts, targets, versions typed in a form
ECHO_LENGTH = 40


class BadParameter(BadRequest):
    """A parameter the view cannot use; ``str(exc)`` is the Vietnamese message for the user."""


def echo(value: object) -> str:
    """What a message may repeat of a value typed by the user: short (templates and JSON escape it)."""
    text = str(value)
    return text if len(text) <= ECHO_LENGTH else text[: ECHO_LENGTH - 1] + "…"


def max_date(today: datetime.date | None = None) -> datetime.date:
    today = today or timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def date_problem(
    day: datetime.date, label: str, *, birth: bool = False, today: datetime.date | None = None
) -> str | None:
    """Why ``day`` cannot be used for ``label``, or None."""
    today = today or timezone.localdate()
    if day < MIN_DATE:
        return f"{label}: ngày {day:%d/%m/%Y} quá xa (sớm nhất {MIN_DATE:%d/%m/%Y})."
    if birth and day > today:
        return f"{label}: ngày {day:%d/%m/%Y} chưa tới."
    latest = max_date(today)
    if day > latest:
        return f"{label}: ngày {day:%d/%m/%Y} quá xa (muộn nhất {latest:%d/%m/%Y})."
    return None


def validate_date(day: object, label: str = "Ngày", *, birth: bool = False) -> None:
    """A form validator: raises ``ValidationError`` for a day outside the bounds."""
    if isinstance(day, datetime.datetime):
        day = day.date()
    if isinstance(day, datetime.date) and (problem := date_problem(day, label, birth=birth)):
        raise ValidationError(problem, code="date_bounds")


def parse_date(text: object, label: str) -> datetime.date:
    """A date of a query string, YYYY-MM-DD, within the bounds; else ``BadParameter``."""
    raw = str(text or "").strip()
    try:
        day = datetime.date.fromisoformat(raw)
    except ValueError:
        raise BadParameter(f"Ngày “{echo(raw)}” ở ô “{label}” không hợp lệ; hãy nhập theo dạng YYYY-MM-DD.") from None
    if problem := date_problem(day, label):
        raise BadParameter(problem)
    return day


def parse_int(text: object, label: str, *, low: int, high: int) -> int:
    raw = str(text or "").strip()
    if not raw.isascii() or not raw.lstrip("-").isdigit() or len(raw) > 20:
        raise BadParameter(f"“{echo(raw)}” ở ô “{label}” không phải là một số nguyên.")
    value = int(raw)
    if not low <= value <= high:
        raise BadParameter(f"“{echo(raw)}” ở ô “{label}” nằm ngoài khoảng cho phép ({low}–{high}).")
    return value


def parse_year(text: object, label: str = "năm", *, low: int = MIN_DATE.year, high: int | None = None) -> int:
    high = high if high is not None else timezone.localdate().year + YEARS_AHEAD
    return parse_int(text, label, low=low, high=high)


def page_number(params: Mapping[str, object], name: str = "page") -> int:
    """The page asked for: 1 when none, else an integer 1 … MAX_PAGE (``BadParameter`` otherwise)."""
    raw = params.get(name)
    if raw in (None, ""):
        return 1
    return parse_int(raw, "trang", low=1, high=MAX_PAGE)
