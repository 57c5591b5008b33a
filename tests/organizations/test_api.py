import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_roots_are_the_users_organisations(tree, users, login):
    data = login(users.district_x).get(reverse("organizations:api-list")).json()
    # valid_from and valid_to: issue 16 (every item says when it was valid).
    assert data["results"] == [
        {
            "code": tree.X.code,
            "name": tree.X.name,
            "kind": "district",
            "parent": tree.P.code,
            "valid_from": None,
            "valid_to": None,
        }
    ]


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
        "valid_from": None,
        "valid_to": None,
        "children": 2,
        "descendants": {"district": 2, "grassroots_committee": 2, "grassroots_cell": 1, "cell": 3},
    }
