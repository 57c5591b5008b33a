import pytest
from django.urls import reverse

from organizations.models import Organization

pytestmark = pytest.mark.django_db


def test_for_user_is_the_subtree(tree, users):
    assert set(Organization.objects.for_user(users.district_x).values_list("code", flat=True)) == {
        tree.X.code,
        tree.GX.code,
        tree.GXC.code,
        tree.CXA.code,
        tree.CXB.code,
    }
    assert set(Organization.objects.for_user(users.secretary_a).values_list("code", flat=True)) == {tree.CXA.code}
    assert Organization.objects.for_user(users.province).count() == 9


def _urls_for(code):
    return [
        reverse("reports:browser-org", args=[code]),
        reverse("organizations:api-detail", args=[code]),
        reverse("organizations:api-list") + f"?parent={code}",
    ]


@pytest.mark.parametrize("other", ["Y", "GY", "CYA"])
def test_outsider_gets_404_on_every_url_with_a_code(tree, users, login, other):
    client = login(users.district_x)
    for url in _urls_for(getattr(tree, other).code):
        assert client.get(url).status_code == 404, url


@pytest.mark.parametrize("inside", ["X", "GX", "CXA"])
def test_insider_sees_their_subtree(tree, users, login, inside):
    client = login(users.district_x)
    for url in _urls_for(getattr(tree, inside).code):
        assert client.get(url).status_code == 200, url


def test_secretary_cannot_see_siblings_or_parents(tree, users, login):
    client = login(users.secretary_a)
    for code in (tree.CXB.code, tree.GX.code, tree.X.code, tree.P.code):
        for url in _urls_for(code):
            assert client.get(url).status_code == 404, url


def test_anonymous_goes_to_login(client, tree):
    response = client.get(reverse("reports:browser-org", args=[tree.X.code]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.get(reverse("organizations:api-detail", args=[tree.X.code])).status_code == 403
    assert client.get(reverse("organizations:api-list")).status_code == 403


def test_search_stays_in_scope(tree, users, login):
    client = login(users.district_x)
    page = client.get(reverse("reports:browser") + "?q=bao la").content.decode()
    assert "Bao La" not in page
    page = client.get(reverse("reports:browser") + "?q=an nghia").content.decode()
    assert "Ân Nghĩa" in page


def test_breadcrumbs_run_from_the_top_of_the_users_scope_down(tree, users):
    from django.contrib.auth import get_user_model

    from organizations.selectors import breadcrumbs

    def crumbs(user, org):
        return [o.code for o in breadcrumbs(org, get_user_model().objects.get(pk=user.pk))]

    admin = get_user_model().objects.create_superuser("root_crumbs", "r@example.org", "x" * 12)
    assert crumbs(users.province, tree.CXA) == [tree.P.code, tree.X.code, tree.GX.code, tree.CXA.code]
    assert crumbs(users.district_x, tree.CXA) == [tree.X.code, tree.GX.code, tree.CXA.code]
    assert crumbs(users.secretary_a, tree.CXA) == [tree.CXA.code]
    assert crumbs(admin, tree.CXA) == crumbs(users.province, tree.CXA)
    for user in (users.province, users.district_x, users.grassroots, users.secretary_a):
        for org in (tree.CXA, tree.GX, tree.X):
            fresh = get_user_model().objects.get(pk=user.pk)
            assert crumbs(user, org) == [o.code for o in org.ancestors_and_self().for_user(fresh)]
