import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_roots_are_the_users_organisations(tree, users, login):
    data = login(users.district_x).get(reverse("organizations:api-list")).json()
    assert data["results"] == [{"code": tree.X.code, "name": tree.X.name, "kind": "district", "parent": tree.P.code}]


def test_children(tree, users, login):
    data = login(users.district_x).get(reverse("organizations:api-list"), {"parent": tree.GX.code}).json()
    assert [(i["code"], i["kind"], i["parent"]) for i in data["results"]] == [
        (tree.CXA.code, "cell", tree.GX.code),
        (tree.CXB.code, "cell", tree.GX.code),
    ]


def test_detail_counts_descendants_by_kind(tree, users, login):
    data = login(users.province).get(reverse("organizations:api-detail", args=[tree.P.code])).json()
    assert data == {
        "code": tree.P.code,
        "name": tree.P.name,
        "kind": "province",
        "parent": None,
        "descendants": {"district": 2, "grassroots_committee": 2, "grassroots_cell": 1, "cell": 3},
    }
