"""Tree edits and quota settings in the admin go through the services: the dated tree, the
history and the quota changes follow as they do from the pages."""

import datetime

import pytest

from members.quotas.models import Quota, QuotaChange
from organizations import ancestry
from organizations.models import Organization, OrganizationAncestry
from tests.fixtures import make_user, organization_admin_form

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client):
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    return client


def test_adding_and_moving_in_the_admin_keep_the_dated_tree(admin_client_, tree):
    response = admin_client_.post(
        "/admin/organizations/organization/add/",
        {
            "code": "T.X.1.C",
            "name": "Chi bộ xóm Mới",
            "kind": "cell",
            "treebeard_position": "first-child",
            "treebeard_ref_node": tree.GX.pk,
        },
    )
    assert response.status_code == 302, response.content[:3000]
    assert ancestry.current_problems() == []
    new = Organization.objects.get(code="T.X.1.C")
    assert set(OrganizationAncestry.objects.filter(descendant=new).values_list("ancestor__code", flat=True)) == {
        "T.X.1.C",
        "T.X.1",
        "T.X",
        "T",
    }
    response = admin_client_.post(
        f"/admin/organizations/organization/{tree.GX.pk}/change/",
        organization_admin_form(tree.GX, tree.Y),
    )
    assert response.status_code == 302
    assert ancestry.current_problems() == []
    closed = OrganizationAncestry.objects.filter(descendant=new, ancestor=tree.X).get()
    assert closed.valid_to == datetime.date.today()


def test_a_quota_saved_in_the_admin_is_a_quota_change(admin_client_, tree):
    response = admin_client_.post(
        "/admin/quotas/quota/add/", {"organization": tree.X.pk, "year": 2024, "target": 12, "minimum": "", "note": ""}
    )
    assert response.status_code == 302, response.content[:3000]
    quota = Quota.objects.get(organization=tree.X, year=2024)
    assert quota.target == 12 and quota.set_by.username == "root"
    change = QuotaChange.objects.get(organization=tree.X, year=2024)
    assert (change.old_target, change.new_target, change.changed_by.username) == (None, 12, "root")
    response = admin_client_.post(
        f"/admin/quotas/quota/{quota.pk}/change/",
        {"organization": tree.X.pk, "year": 2024, "target": 15, "minimum": "", "note": ""},
    )
    assert response.status_code == 302
    assert list(
        QuotaChange.objects.filter(organization=tree.X).values_list("old_target", "new_target").order_by("id")
    ) == [(None, 12), (12, 15)]
