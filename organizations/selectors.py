"""Reads of the tree. Roll-ups come from stored prefix sums or one grouped query over path
prefixes, never one query per node."""

import datetime
from collections.abc import Iterable
from typing import Any, TypeVar

from django.db.models import Count, Model, OuterRef, Q, QuerySet, Subquery

from partydev.models import Upload

from .models import (
    GRASSROOTS_KINDS,
    Organization,
    OrganizationAncestry,
    OrganizationQuerySet,
    Role,
    Succession,
    scoped,
    user_root_paths,
)
from .privacy import can_see_sensitive

_M = TypeVar("_M", bound=Model)


def user_roots(user: Any) -> OrganizationQuerySet:
    """The organisations at the top of the user's scope."""
    if user.is_superuser:
        return Organization.objects.get_root_nodes()
    return Organization.objects.filter(path__in=user_root_paths(user))


def visible_uploads(user: Any, *, personal_data: bool) -> QuerySet[Upload]:
    """The uploads a user sees: those for organisations in their subtrees. A file with
    ``personal_data`` (national IDs, ethnicity, religion: a register, a back-fill) is seen whole
    only by those who may read those fields (``privacy``); the others see the files they uploaded."""
    uploads = scoped(Upload.objects.all(), user, "scope")
    if personal_data and not can_see_sensitive(user):
        uploads = uploads.filter(uploaded_by=user)
    return uploads


def breadcrumbs(org: Organization, user: Any) -> list[Organization]:
    """Ancestors of ``org`` that the user may see, from the top of their scope down."""
    return list(org.ancestors_and_self().for_user(user))


class AtDateError(ValueError):
    """A bad ``at`` date; the message is Vietnamese and names the field."""


def parse_at(value: str | None) -> datetime.date | None:
    """``at=YYYY-MM-DD`` (empty or absent: today's tree, None)."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise AtDateError(f"Tham số “at” không phải một ngày dạng YYYY-MM-DD: “{value[:20]}”.") from None


def _valid_on(day: datetime.date, prefix: str = "") -> Q:
    return (Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": day})) & (
        Q(**{f"{prefix}valid_to__isnull": True}) | Q(**{f"{prefix}valid_to__gte": day})
    )


def _below_on(org: Organization, day: datetime.date) -> QuerySet[OrganizationAncestry]:
    """The ancestry rows from ``org`` down to the organisations under it on ``day`` (the dated
    closure table: its ``valid_to`` is exclusive), those organisations valid that day."""
    return OrganizationAncestry.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=day),
        _valid_on(day, "descendant__"),
        ancestor=org,
        depth__gt=0,
        valid_from__lte=day,
    )


def children_on(org: Organization, day: datetime.date) -> list[Organization]:
    """The organisations directly under ``org`` on ``day`` (valid that day), in code order: one query."""
    return list(
        Organization.objects.filter(pk__in=_below_on(org, day).filter(depth=1).values("descendant_id")).order_by("path")
    )


def descendant_counts_on(org: Organization, day: datetime.date) -> dict[str, int]:
    """{kind: count} of the organisations under ``org`` on ``day``: one grouped query."""
    rows = _below_on(org, day).order_by().values_list("descendant__kind").annotate(n=Count("id"))
    return dict(sorted((kind, n) for kind, n in rows))


def successors_of(orgs: Iterable[Organization]) -> dict[int, list[dict]]:
    """{ended organisation id: [{code, name, since, whole}]} through the recorded successions,
    in one query."""
    ended = [o.pk for o in orgs if o.valid_to is not None]
    out: dict[int, list[dict]] = {}
    if not ended:
        return out
    rows = (
        Succession.objects.filter(predecessor_id__in=ended)
        .order_by("effective_date", "successor__code")
        .values_list("predecessor_id", "successor__code", "successor__name", "effective_date", "whole")
    )
    for pred, code, name, since, whole in rows:
        out.setdefault(pred, []).append({"code": code, "name": name, "since": since.isoformat(), "whole": whole})
    return out


def predecessors_by_successor() -> dict[int, list[int]]:
    """{organisation id: the ids it took over (wholly) through recorded successions}: one query
    over the successions (a small table)."""
    out: dict[int, list[int]] = {}
    for pred, succ in (
        Succession.objects.filter(whole=True).order_by("id").values_list("predecessor_id", "successor_id")
    ):
        out.setdefault(succ, []).append(pred)
    return out


def predecessors_of(org: Organization) -> list[Organization]:
    """The organisations ``org`` was made from (through recorded successions), in code order."""
    return list(Organization.objects.filter(successions_as_predecessor__successor=org).distinct().order_by("code"))


def with_recorder_role(queryset: QuerySet[_M], user_field: str) -> QuerySet[_M]:
    """``queryset`` annotated with the role of the user in ``user_field`` (its most specific one:
    kind and organisation name), in the same query: a history names who recorded each row
    ("Bí thư chi bộ — Chi bộ xóm Bưng"), not their login name. Read ``recorder_role_label``."""
    roles = Role.objects.filter(user=OuterRef(user_field)).order_by("-organization__depth", "id")
    return queryset.annotate(
        recorder_role_kind=Subquery(roles.values("kind")[:1]),
        recorder_role_org=Subquery(roles.values("organization__name")[:1]),
    )


def recorder_role_label(row: Any) -> str:
    kind = getattr(row, "recorder_role_kind", None)
    if not kind:
        return ""
    return f"{Role.Kind(kind).label} — {row.recorder_role_org}"


def label_grassroots(orgs: Iterable[Any]) -> list:
    """Set ``grassroots_name`` on each organisation (or anything with an organisation's ``path``
    and ``depth``; None skipped): the name of the grassroots organisation it belongs to ("" for
    one at or above that level), so lists can tell apart the 34 cells called "Chi bộ tổ dân phố
    Mít 1". One query for all."""
    present = [o for o in orgs if o is not None]
    step = Organization.steplen
    prefixes = {o.path[: k * step] for o in present for k in range(1, o.depth)}
    found = (
        dict(Organization.objects.filter(path__in=prefixes, kind__in=GRASSROOTS_KINDS).values_list("path", "name"))
        if prefixes
        else {}
    )
    for o in present:
        names = [found[o.path[: k * step]] for k in range(o.depth - 1, 0, -1) if o.path[: k * step] in found]
        o.grassroots_name = names[0] if names else ""  # read by the templates
    return present
