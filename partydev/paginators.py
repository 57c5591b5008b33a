"""Django's Paginator for pages where a count over the whole table is too dear.

- ``KnownCountPaginator``: Django's own, with the total given (read from the read model's facts,
  say) instead of a ``COUNT(*)`` over the register.
- ``NoCountPaginator``: no total at all; a page fetches one row more than it shows to know
  whether another follows. Its pages say "rows 51–100", never "of N".
- ``CountedRows``: what Django's own Paginator cuts a page from when the number of rows is read
  beforehand with other figures (one aggregate for several tables): the page's rows only are read
  (LIMIT/OFFSET) and turned into what the table shows.

Both keep Django's interface (``get_page``, ``Page.has_next``, ``start_index`` …), so a template
written for the one works with the others.
"""

from collections.abc import Callable, Iterator, Sequence
from functools import cached_property
from typing import Any, Generic, TypeVar, overload

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.db.models import QuerySet

# What a page is cut from: the rows of a queryset, or a list.
Rows = QuerySet[Any, Any] | Sequence[Any]

T = TypeVar("T")


class CountedRows(Sequence[T], Generic[T]):
    """The rows of an ordered queryset whose number is known (``count``, read with other figures
    in one aggregate): ``len()`` asks no query, a slice reads only its rows (a page: LIMIT/OFFSET)
    and iterating reads them all, once. ``build`` turns the rows read (a list) into the rows
    shown, and may read what they need for them (one query for a page, one for the whole)."""

    def __init__(self, queryset: QuerySet[Any, Any], count: int, build: Callable[[list[Any]], list[T]]) -> None:
        self.queryset, self.total, self.build = queryset, count, build
        self._all: list[T] | None = None

    def __len__(self) -> int:
        return self.total

    def __bool__(self) -> bool:
        return self.total > 0

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> list[T]: ...
    def __getitem__(self, index: int | slice) -> T | list[T]:
        if self._all is not None:
            return self._all[index]
        if isinstance(index, slice):
            if index.step not in (None, 1) or (index.start or 0) < 0 or (index.stop or 0) < 0:
                return list(self)[index]
            return self.build(list(self.queryset[index]))
        if index < 0:
            return list(self)[index]
        rows = self[index : index + 1]
        if not rows:
            raise IndexError(index)
        return rows[0]

    def __iter__(self) -> Iterator[T]:
        if self._all is None:
            self._all = self.build(list(self.queryset))
        return iter(self._all)


class KnownCountPaginator(Paginator):
    def __init__(self, object_list: Rows, per_page: int | str, *, count: int, **kwargs: Any) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


class NoCountPage(Page):
    def __init__(self, object_list: Sequence[Any], number: int, paginator: Paginator, *, more: bool) -> None:
        super().__init__(object_list, number, paginator)
        self._more = more

    def has_next(self) -> bool:
        return self._more

    def has_other_pages(self) -> bool:
        return self._more or self.has_previous()

    def next_page_number(self) -> int:
        if not self._more:
            raise EmptyPage("Đây là trang cuối.")
        return self.number + 1

    def start_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + 1 if self.object_list else 0

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


class NoCountPaginator(Paginator):
    count = None  # type: ignore[assignment]  # unknown, on purpose

    def validate_number(self, number: Any) -> int:  # anything asked: not an integer, PageNotAnInteger
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger("Số trang phải là số nguyên.") from None
        if number < 1:
            raise EmptyPage("Số trang phải từ 1.")
        return number

    def page(self, number: object) -> NoCountPage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        return NoCountPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)

    def get_page(self, number: object) -> NoCountPage:
        try:
            return self.page(number)
        except (PageNotAnInteger, EmptyPage):
            return self.page(1)
