"""Reads of the tree. Roll-ups come from stored prefix sums or one grouped query over path
prefixes, never one query per node."""

from .models import Organization


def user_roots(user):
    """The organisations at the top of the user's scope."""
    from .models import user_root_paths

    if user.is_superuser:
        return Organization.objects.get_root_nodes()
    return Organization.objects.filter(path__in=user_root_paths(user))


def breadcrumbs(org: Organization, user):
    """Ancestors of ``org`` that the user may see, from the top of their scope down."""
    return list(org.ancestors_and_self().for_user(user))
