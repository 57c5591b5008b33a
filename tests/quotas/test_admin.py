"""The admin: quotas with import and export (django-import-export), uploads read-only."""

import pytest

from members.quotas.models import Quota
from tests.fixtures import make_user

pytestmark = pytest.mark.django_db


def test_admin_pages(client, tree):
    Quota.objects.create(organization=tree.GX, year=2024, target=5)
    admin = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    for url in [
        "/admin/quotas/quota/",
        "/admin/quotas/quota/import/",
        "/admin/quotas/quota/export/",
        "/admin/quotas/quotachange/",
        "/admin/partydev/upload/",
    ]:
        assert client.get(url).status_code == 200, url
    assert client.get("/admin/partydev/upload/add/").status_code == 403  # read-only
