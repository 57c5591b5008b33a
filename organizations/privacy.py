"""Who may read the sensitive fields of a person: the one rule, used by every page, export and API.

Sensitive: ethnicity, religion, national ID (CCCD) and the result of a candidate's background
(family) verification. They are read by the people who work with the person's file:

- the cell secretary of the person's own cell,
- grassroots staff and district staff whose subtree holds the person's cell,
- administrators.

The provincial office gets aggregated counts only (the report pages), not the fields of a person.
Seeing a record at all is still ``Organization.objects.for_user``; this only narrows what shows.
"""

from .models import Role, role_kinds_over, user_roles

SENSITIVE_FIELDS = ("ethnicity", "religion", "national_id", "verification_result")
SENSITIVE_ROLES = frozenset(
    {Role.Kind.CELL_SECRETARY, Role.Kind.GRASSROOTS_STAFF, Role.Kind.DISTRICT_STAFF, Role.Kind.ADMIN}
)


def can_see_sensitive(user, org=None) -> bool:
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
