"""Reporting periods: a year, a range of years (a term), or part of a year.

A period is two inclusive dates. The quota of a period is the sum of the annual quotas of every
year it touches, so the years matter; the same period of the previous year is the comparison
every board's report makes (so với cùng kỳ).
"""

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from partydev.params import date_problem, echo, max_date


class PeriodError(ValueError):
    """Bad period input; the message is Vietnamese and names the field."""


@dataclass(frozen=True)
class Period:
    date_from: datetime.date
    date_to: datetime.date

    def __post_init__(self) -> None:
        if self.date_to < self.date_from:
            raise PeriodError("Ngày kết thúc (đến) không được trước ngày bắt đầu (từ).")

    @classmethod
    def year(cls, year: int) -> "Period":
        return cls(datetime.date(year, 1, 1), datetime.date(year, 12, 31))

    @classmethod
    def years_range(cls, first: int, last: int) -> "Period":
        return cls(datetime.date(first, 1, 1), datetime.date(last, 12, 31))

    @property
    def years(self) -> list[int]:
        """Every calendar year the period touches."""
        return list(range(self.date_from.year, self.date_to.year + 1))

    @property
    def is_whole_years(self) -> bool:
        return (self.date_from.month, self.date_from.day) == (1, 1) and (self.date_to.month, self.date_to.day) == (
            12,
            31,
        )

    def previous_year(self) -> "Period":
        """The same period one year earlier (29/02 becomes 28/02)."""
        return Period(_shift_year(self.date_from, -1), _shift_year(self.date_to, -1))

    def comparison(self) -> "Period":
        """What a period is compared with: a year or part of one, the same days a year earlier; a
        term of several whole years, the term of the same length just before it (2016–2022 with
        2009–2015, not 2015–2021, which would overlap six of its seven years)."""
        span = len(self.years)
        if span > 1 and self.is_whole_years:
            return Period.years_range(self.date_from.year - span, self.date_from.year - 1)
        return self.previous_year()

    @property
    def start_of_year(self) -> datetime.date:
        """The day whose end counts the members 'at the start of the year': the eve of the period."""
        return self.date_from - datetime.timedelta(days=1)

    @property
    def label(self) -> str:
        """How the boards write it: 2022, 2016–2022, or 01/01/2023–30/06/2023."""
        if self.is_whole_years:
            first, last = self.date_from.year, self.date_to.year
            return str(first) if first == last else f"{first}–{last}"
        return f"{self.date_from:%d/%m/%Y}–{self.date_to:%d/%m/%Y}"

    def query(self) -> str:
        return f"from={self.date_from.isoformat()}&to={self.date_to.isoformat()}"


def _shift_year(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def parse_date(text: str, field: str) -> datetime.date:
    """A date of the query string, YYYY-MM-DD, within ``partydev.params``' bounds (1900 … today + 5 years)."""
    try:
        day = datetime.date.fromisoformat(str(text).strip())
    except (ValueError, AttributeError):
        raise PeriodError(f"Ngày “{echo(text)}” ở ô “{field}” không hợp lệ; hãy nhập theo dạng YYYY-MM-DD.") from None
    if problem := date_problem(day, f"Ô “{field}”"):
        raise PeriodError(problem)
    return day


def period_from_params(params: Mapping[str, str], default: Period) -> Period:
    """Read ``from``/``to`` (YYYY-MM-DD) or ``year``/``year_from``/``year_to`` from a query dict."""
    if params.get("from") or params.get("to"):
        date_from = parse_date(params.get("from", ""), "từ ngày") if params.get("from") else default.date_from
        date_to = parse_date(params.get("to", ""), "đến ngày") if params.get("to") else default.date_to
        return Period(date_from, date_to)
    if params.get("year"):
        return Period.year(_parse_year(params["year"], "năm"))
    if params.get("year_from") or params.get("year_to"):
        first = _parse_year(params.get("year_from") or params["year_to"], "từ năm")
        last = _parse_year(params.get("year_to") or params["year_from"], "đến năm")
        return Period.years_range(first, last)
    return default


def _parse_year(text: str, field: str) -> int:
    raw = str(text).strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) != 4:
        raise PeriodError(f"Năm “{echo(text)}” ở ô “{field}” không hợp lệ.")
    year = int(raw)
    if not 1930 <= year <= max_date().year:
        raise PeriodError(f"Năm “{echo(text)}” ở ô “{field}” nằm ngoài khoảng cho phép.")
    return year


HUNDRED = Decimal(100)
CENT = Decimal("0.01")


def rate(part: int | Decimal | None, whole: int | Decimal | None) -> Decimal | None:
    """part ÷ whole × 100, rounded half-up (away from zero at the half) to 2 decimals; None when
    there is nothing to divide by. Whole numbers are divided exactly in integers (fast, no
    context precision); anything else through Decimal."""
    if part is None or not whole:
        return None
    if type(part) is int and type(whole) is int:
        negative = (part < 0) != (whole < 0)
        hundredths, remainder = divmod(abs(part) * 10000, abs(whole))
        if remainder * 2 >= abs(whole):
            hundredths += 1
        return Decimal(-hundredths if negative else hundredths).scaleb(-2)
    return (Decimal(part) * HUNDRED / Decimal(whole)).quantize(CENT, rounding=ROUND_HALF_UP)


def rate_text(value: Decimal | None) -> str | None:
    """A rate for the API: a string with a decimal point ("88.48"), or null."""
    return None if value is None else f"{value:.2f}"
