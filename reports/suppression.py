"""Small groups hidden from those who may not read the attribute behind them.

The breakdowns of new members by a sensitive attribute (``organizations.privacy.SENSITIVE_BREAKDOWNS``:
ethnicity, religion) identify people when the groups are small: one new member of a cell on a
given day, "ethnicity: Thái". For a role that may not read those fields of a person
(``can_see_sensitive``), the report pages, their exports and the API show such a breakdown
through ``organizations.privacy.suppress_small_groups``: groups of fewer than
``settings.SMALL_GROUP_MINIMUM`` people (and the groups hidden with them) show no number.

This is the presentation seam: it wraps what ``analytics.new_member_quality`` returns and
changes nothing in how it is computed. Whoever may read the fields gets the result unchanged.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models

from members.models import Person
from organizations.models import Organization
from organizations.privacy import SENSITIVE_BREAKDOWNS, can_see_sensitive, suppress_small_groups

from .analytics import Quality, QualityGroup, QualityItem
from .periods import Period, rate

# A highlight summing a sensitive group but one value is the total minus that value: it is
# hidden exactly when that value is.
HIGHLIGHT_COMPLEMENTS = {"ethnic_minority": ("ethnicity", "kinh"), "religious": ("religion", "none")}


def minimum_group_size() -> int:
    return int(getattr(settings, "SMALL_GROUP_MINIMUM", 5))


@dataclass
class ShownItem:
    key: str | bool  # a choice's value, as QualityItem's
    label: str
    count: int | None
    share: Decimal | None
    prev_count: int | None
    prev_share: Decimal | None

    @property
    def change(self) -> int | None:
        if self.count is None or self.prev_count is None:
            return None
        return self.count - self.prev_count


@dataclass
class ShownGroup:
    """A sensitive breakdown as it may be shown: every value of the attribute (which ones occur
    is itself what is hidden), ``None`` where hidden."""

    key: str
    label: str
    all_items: list[ShownItem]
    suppressed: list[str]
    prev_suppressed: list[str]
    hidden_all: bool
    prev_hidden_all: bool

    @property
    def items(self) -> list[ShownItem]:
        """The rows of the page and the export: a value with people in either period, or a
        hidden one (unless the whole period is hidden: then one note says so, not 54 dashes)."""

        def relevant(n: int | None, whole_hidden: bool) -> bool:
            return (n is None and not whole_hidden) or bool(n)

        return [
            i
            for i in self.all_items
            if relevant(i.count, self.hidden_all) or relevant(i.prev_count, self.prev_hidden_all)
        ]

    def as_dict(self) -> dict:
        data: dict = {i.key: i.count for i in self.all_items}
        data["suppressed"] = list(self.suppressed)
        return data


@dataclass
class ShownQuality:
    """``analytics.Quality`` with its sensitive breakdowns suppressed (same attributes)."""

    org: Organization
    period: Period
    previous: Period
    total: int
    prev_total: int
    groups: list[QualityGroup | ShownGroup]
    highlights: list[QualityItem | ShownItem]
    minimum: int
    notes: list[str] = field(default_factory=list)

    def group(self, key: str) -> QualityGroup | ShownGroup:
        return next(g for g in self.groups if g.key == key)

    @property
    def note(self) -> str:
        return " ".join(self.notes)


def _shown_group(group: QualityGroup, total: int, prev_total: int, minimum: int) -> ShownGroup:
    column = Person._meta.get_field(group.key)
    assert isinstance(column, models.Field)  # the sensitive breakdowns are the person's own columns
    choices = column.flatchoices  # their choices are flat: the same pairs
    by_key = {i.key: i for i in group.items}
    labels = dict(choices)
    keys = [value for value, _ in choices] + [k for k in by_key if k not in labels]
    now = {k: by_key[k].count if k in by_key else 0 for k in keys}
    prev = {k: by_key[k].prev_count if k in by_key else 0 for k in keys}
    shown_now, hidden_now = suppress_small_groups(now, minimum, total=total)
    shown_prev, hidden_prev = suppress_small_groups(prev, minimum, total=prev_total)
    items = [
        ShownItem(
            key=k,
            label=labels.get(k, by_key[k].label if k in by_key else k),
            count=shown_now[k],
            share=None if shown_now[k] is None else rate(shown_now[k], total),
            prev_count=shown_prev[k],
            prev_share=None if shown_prev[k] is None else rate(shown_prev[k], prev_total),
        )
        for k in keys
    ]
    return ShownGroup(
        key=group.key,
        label=group.label,
        all_items=items,
        suppressed=hidden_now,
        prev_suppressed=hidden_prev,
        hidden_all=bool(keys) and len(hidden_now) == len(keys),
        prev_hidden_all=bool(keys) and len(hidden_prev) == len(keys),
    )


def _shown_highlight(item: QualityItem, groups: dict[str, ShownGroup]) -> QualityItem | ShownItem:
    complement = HIGHLIGHT_COMPLEMENTS.get(item.key) if isinstance(item.key, str) else None
    if complement is None or complement[0] not in groups:
        return item
    group = groups[complement[0]]
    hide_now, hide_prev = complement[1] in group.suppressed, complement[1] in group.prev_suppressed
    return ShownItem(
        key=item.key,
        label=item.label,
        count=None if hide_now else item.count,
        share=None if hide_now else item.share,
        prev_count=None if hide_prev else item.prev_count,
        prev_share=None if hide_prev else item.prev_share,
    )


def quality_for(user: Any, result: Quality, minimum: int | None = None) -> Quality | ShownQuality:
    """What ``user`` may be shown of ``result`` (an ``analytics.Quality``): the result itself
    when they may read the sensitive fields of its organisation, else a ``ShownQuality``."""
    if can_see_sensitive(user, result.org):
        return result
    minimum = minimum_group_size() if minimum is None else minimum
    groups: list[QualityGroup | ShownGroup] = []
    sensitive: dict[str, ShownGroup] = {}
    for group in result.groups:
        shown: QualityGroup | ShownGroup = group
        if group.key in SENSITIVE_BREAKDOWNS:
            shown = sensitive[group.key] = _shown_group(group, result.total, result.prev_total, minimum)
        groups.append(shown)
    highlights = [_shown_highlight(i, sensitive) for i in result.highlights]
    notes = []
    if any(g.suppressed or g.prev_suppressed for g in sensitive.values()):
        names = ", ".join(g.label.lower() for g in sensitive.values())
        notes.append(
            f"Theo {names}: nhóm dưới {minimum} người không ghi số (—), cùng với nhóm nhỏ nhất khác để không "
            "suy ra được từ tổng số; vai trò của bạn không xem các thông tin này của từng người."
        )
    return ShownQuality(
        org=result.org,
        period=result.period,
        previous=result.previous,
        total=result.total,
        prev_total=result.prev_total,
        groups=groups,
        highlights=highlights,
        minimum=minimum,
        notes=notes,
    )
