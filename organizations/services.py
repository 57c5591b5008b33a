"""Writes to the tree. Every change goes through here so the kind rules always hold."""

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Organization, check_placement


def _validate(org: Organization, parent: Organization | None) -> None:
    check_placement(org.kind, parent.kind if parent else None)
    org.full_clean(exclude=["path", "depth", "numchild"])


@transaction.atomic
def organization_create(*, parent: Organization | None, **fields) -> Organization:
    org = Organization(**fields)
    _validate(org, parent)
    if parent is None:
        return Organization.objects.add_root(instance=org)
    return Organization.objects.add_child(parent, instance=org)


@transaction.atomic
def organization_move(org: Organization, new_parent: Organization) -> Organization:
    if new_parent.path.startswith(org.path):
        raise ValidationError("Không thể chuyển một tổ chức vào chính nó hoặc tổ chức trực thuộc nó.")
    check_placement(org.kind, new_parent.kind)
    Organization.objects.move(org, new_parent, pos="last-child")
    org.refresh_from_db()
    return org
