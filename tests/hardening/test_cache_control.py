"""Issue 15, finding 11: pages, exports, stored uploads and the API carry personal data; every
answer says ``Cache-Control: no-store`` so no shared or back-button cache keeps it.

Walks every URL pattern of the access matrix, with its real ids, as district staff and as the
provincial office (so each page, export and file is reached by a role allowed to read it)."""

import pytest

from .test_access_matrix import MATRIX, _url
from .world import clients, world  # noqa: F401 (fixtures)


@pytest.mark.parametrize("role", ["district_x", "province"])
def test_every_answer_says_no_store(world, clients, role):
    missing, answered = [], 0
    for route, spec in sorted(MATRIX.items()):
        target = spec.target(world.X) if spec.target else None
        response = clients[role].get(_url(route, target))
        answered += response.status_code == 200
        if "no-store" not in response.get("Cache-Control", ""):
            missing.append(f"{route} → {response.status_code}")
    assert missing == []
    assert answered > 30  # the walk reached real pages, not only refusals


def test_the_login_page_and_a_refusal_too(world, clients):
    for response in (clients["anonymous"].get("/accounts/login/"), clients["district_x"].get("/members/999999/")):
        assert "no-store" in response["Cache-Control"]
