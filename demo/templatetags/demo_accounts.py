"""The login page's hint: the demo accounts (``demo.tree.ACCOUNT_TABLE``), shown only in
development (``DEBUG``), never in production."""

from django import template
from django.conf import settings

register = template.Library()


@register.simple_tag
def demo_accounts():
    from demo.tree import ACCOUNT_TABLE, DEMO_PASSWORD

    if not settings.DEBUG:
        return None
    return {"password": DEMO_PASSWORD, "accounts": ACCOUNT_TABLE}
