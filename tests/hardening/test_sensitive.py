"""Sensitive fields (ethnicity, religion, national ID, background verification) show only to the
roles that work with the person's file — ``organizations.privacy.can_see_sensitive`` — in the
pages, the exports and the API. The provincial office gets aggregated counts only."""

import pytest

from candidates.models import Candidate, VerificationResult
from members.models import ETHNICITIES, Religion
from organizations.privacy import can_see_sensitive

from .world import ROLES, body_text, clients, world  # noqa: F401 (fixtures)

ETHNICITY = dict(ETHNICITIES)
# Who reads the sensitive fields of a person of cell CXA (district X).
SEES_X = {"secretary_a", "grassroots", "district_x"}


def _secrets(world):
    """The sensitive values of district X's member and candidate, as they would be shown."""
    p = world.X.membership.person
    return {
        "national_id": p.national_id,
        "religion": Religion(p.religion).label,
        "verification": VerificationResult.ISSUES.label,
    }


@pytest.fixture
def verified(world, db):
    Candidate.objects.filter(pk=world.X.candidate.pk).update(verification_result=VerificationResult.ISSUES)
    return world


def test_the_rule(world, db):
    users, X = world.users, world.X
    assert {r for r in ROLES[1:] if can_see_sensitive(getattr(users, r), X.cell)} == SEES_X
    assert not can_see_sensitive(users.secretary_a, world.tree.CXB)  # the neighbouring cell
    assert not can_see_sensitive(users.province, X.cell)  # counts only
    assert can_see_sensitive(users.district_x) and not can_see_sensitive(users.province)


@pytest.mark.parametrize("role", ROLES[1:])
def test_member_page_export_and_list(role, verified, clients):
    world = verified
    X = world.X
    secrets = _secrets(world)
    client = clients[role]
    inside = role in SEES_X or role == "province"
    pages = {
        "detail": client.get(f"/members/{X.membership.pk}/"),
        "list": client.get("/members/", {"org": X.cell.code}),
        "export": client.get("/members/export.xlsx", {"org": X.cell.code}),
        "candidate": client.get(f"/candidates/{X.candidate.pk}/"),
        "candidate export": client.get(f"/candidates/export/{X.cell.code}.xlsx"),
    }
    if not inside:
        assert {k: r.status_code for k, r in pages.items()} == dict.fromkeys(pages, 404)
        return
    texts = {k: body_text(r) for k, r in pages.items()}
    name = X.membership.person.full_name
    assert name in texts["detail"] and name in texts["list"] and name in texts["export"]
    assert (
        X.candidate.person.full_name in texts["candidate"] and X.candidate.person.full_name in texts["candidate export"]
    )
    sees = role in SEES_X
    for key in ("detail", "export"):
        assert (secrets["national_id"] in texts[key]) is sees, (key, role)
        assert (secrets["religion"] in texts[key]) is sees, (key, role)
    assert (f'data-label="Dân tộc">{ETHNICITY[X.membership.person.ethnicity]}<' in texts["list"]) is sees
    assert ('data-label="Dân tộc"' in texts["list"]) is sees
    candidate_ethnicity = ETHNICITY[X.candidate.person.ethnicity]
    assert (f"· {candidate_ethnicity} ·" in texts["candidate"]) is sees
    assert (candidate_ethnicity in texts["candidate export"]) is sees
    if not sees:
        for text in texts.values():
            assert secrets["verification"] not in text


def test_national_id_search_and_ethnicity_filter_need_the_right(world, clients):
    """Searching by a national ID, or filtering by ethnicity, would reveal them: not for the office."""
    person = world.X.membership.person
    by_id = {
        role: clients[role].get("/members/", {"q": person.national_id, "org": "T"}).content.decode()
        for role in ("province",)
    }
    assert person.full_name not in by_id["province"]
    assert person.full_name in clients["district_x"].get("/members/", {"q": person.national_id}).content.decode()
    # The office's ethnicity filter is ignored: the list is not narrowed to that ethnicity.
    office = clients["province"].get("/members/", {"org": "T", "ethnicity": "hmong"}).content.decode()
    assert person.full_name in office  # a Thái member, still listed
    district = clients["district_x"].get("/members/", {"ethnicity": "hmong"}).content.decode()
    assert person.full_name not in district


@pytest.mark.parametrize("role", ROLES[1:])
def test_the_api_has_counts_not_people(role, world, clients):
    secrets = list(_secrets(world).values()) + [m.person.full_name for m in world.X.memberships + world.Y.memberships]
    for url in (
        "/api/reports/members?org=T.X.1.A",
        "/api/organizations/T.X.1.A",
        "/api/reports/new-members?org=T.X.1.A&from=2023-01-01&to=2023-12-31",
    ):
        answer = clients[role].get(url)
        if answer.status_code == 200:
            text = body_text(answer)
            assert [s for s in secrets if s in text] == [], (role, url)
        else:
            assert answer.status_code == 404 and role in ("secretary_b", "district_y")
