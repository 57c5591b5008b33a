"""Who may read the sensitive fields of a person: the one rule, used by every page, export and API.

Sensitive: ethnicity, religion, national ID (CCCD) and the result of a candidate's background
(family) verification. They are read by the people who work with the person's file:

- the cell secretary of the person's own cell,
- grassroots staff and district staff whose subtree holds the person's cell,
- administrators.

The provincial office gets aggregated counts only (the report pages), not the fields of a person.
Seeing a record at all is still ``Organization.objects.for_user``; this only narrows what shows.
"""

from collections.abc import Mapping
from typing import Any

from .models import Organization, Role, role_kinds_over, user_roles

SENSITIVE_FIELDS = ("ethnicity", "religion", "national_id", "verification_result")
SENSITIVE_ROLES = frozenset(
    {Role.Kind.CELL_SECRETARY, Role.Kind.GRASSROOTS_STAFF, Role.Kind.DISTRICT_STAFF, Role.Kind.ADMIN}
)


def can_see_sensitive(user: Any, org: Organization | None = None) -> bool:
    """True if ``user`` may read the sensitive fields of the people of ``org``'s subtree.

    ``org`` is the person's cell (or the organisation a list is about: roles reach down the
    tree, so what holds for it holds for every cell below). Without ``org`` — a list over the
    user's whole scope — every role the user holds must allow it.
    """
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    if org is not None:
        return bool(role_kinds_over(user, org) & SENSITIVE_ROLES)
    kinds = {kind for _, kind in user_roles(user)}
    return bool(kinds) and kinds <= SENSITIVE_ROLES


HIDDEN = "—"


# --- small groups ---------------------------------------------------------------------------
#
# A count by a sensitive attribute (ethnicity, religion, …) over a handful of people tells who
# they are: "one new member in this cell on that day, ethnicity Thái". Shown to a role that may
# not read the field, such a breakdown hides every group of fewer than ``minimum`` people
# (primary suppression), and enough other groups that no hidden one can be worked out from the
# total (complementary suppression). The rule is a pure function; the report pages, exports and
# the API apply it where they present a breakdown (``reports/suppression.py``).

SENSITIVE_BREAKDOWNS = tuple(f for f in SENSITIVE_FIELDS if f in ("ethnicity", "religion"))


def suppress_small_groups(counts: Mapping[Any, int], minimum: int, *, total: int | None = None) -> tuple[dict, list]:
    """``counts`` (key → number of people, in display order) as they may be shown: a dict with
    the same keys, hidden ones ``None``, and the list of the hidden keys in that order.

    - ``minimum`` ≤ 1: nothing is hidden.
    - When the people counted (``total`` if given, else the sum) are fewer than ``minimum`` but
      not none, every group is hidden, zeros included: a single visible zero too many would
      point at the group the few people are in.
    - Otherwise every group of 1 … ``minimum`` − 1 people is hidden; then, while the hidden
      groups hold fewer than ``minimum`` people together (a single hidden group always does,
      and the total minus the visible ones would give it away), the smallest visible non-empty
      group is hidden too. So the hidden groups, together, hold at least ``minimum`` people and
      are at least two.

    ``total`` larger than the sum (people with no value recorded) counts as one more, unnamed
    group that is never shown: it takes part in the rule like the others.
    """
    counts = dict(counts)
    people = sum(counts.values())
    residual = (total - people) if total is not None and total > people else 0
    everyone = people + residual
    if minimum <= 1 or everyone == 0:
        return counts, []
    if everyone < minimum:
        return dict.fromkeys(counts), list(counts)
    order = {key: i for i, key in enumerate(counts)}
    hidden = {key for key, n in counts.items() if 0 < n < minimum}
    hidden_people = sum(counts[k] for k in hidden) + residual
    residual_hidden = 0 < residual < minimum
    while (hidden or residual_hidden) and hidden_people < minimum:
        visible = [k for k, n in counts.items() if k not in hidden and n > 0]
        if not visible:
            break
        smallest = min(visible, key=lambda k: (counts[k], order[k]))
        hidden.add(smallest)
        hidden_people += counts[smallest]
    shown = {key: (None if key in hidden else n) for key, n in counts.items()}
    return shown, [k for k in counts if k in hidden]
