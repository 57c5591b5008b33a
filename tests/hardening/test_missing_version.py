"""Issue 15, finding 11: an edit form posted without its ``seen``/``version`` field is refused
exactly like a stale one (the check used to be skipped when the field was simply left out)."""

import pytest

from members.models import EventKind, MembershipEvent, Person
from members.quotas.models import Quota
from members.quotas.services import quota_set
from tests.members.factories import admitted_2023

pytestmark = pytest.mark.django_db

PERSON = {
    "sex": "male",
    "date_of_birth": "01/01/1990",
    "ethnicity": "thai",
    "religion": "none",
    "place_of_origin": "Tân Lạc",
    "general_education": "upper_secondary",
    "professional_qualification": "none",
    "political_theory": "none",
    "sector": "other",
}


@pytest.mark.parametrize("changed_meanwhile", [True, False])
def test_quota_form_without_seen(tree, users, login, changed_meanwhile):
    quota_set(organization=tree.CXA, year=2024, target=3, user=users.province)
    if changed_meanwhile:
        quota_set(organization=tree.CXA, year=2024, target=6, user=users.district_x)
    answer = login(users.grassroots).post(f"/quotas/{tree.CXA.code}/2024/edit/", {"target": "9"})
    assert answer.status_code == 200 and "vừa được người khác thay đổi" in answer.content.decode()
    assert Quota.objects.get(organization=tree.CXA, year=2024).target == (6 if changed_meanwhile else 3)


def test_quota_form_without_seen_for_a_new_quota(tree, users, login):
    answer = login(users.grassroots).post(f"/quotas/{tree.CXA.code}/2024/edit/", {"target": "9"})
    assert answer.status_code == 200 and "vừa được người khác thay đổi" in answer.content.decode()
    assert not Quota.objects.filter(organization=tree.CXA).exists()
    # With the token of a quota not set yet, the same form is saved.
    ok = login(users.grassroots).post(f"/quotas/{tree.CXA.code}/2024/edit/", {"target": "9", "seen": "new"})
    assert ok.status_code == 302 and Quota.objects.get(organization=tree.CXA, year=2024).target == 9


def test_person_form_without_version(tree, users, login):
    m = admitted_2023(tree.CXA)
    form = {**PERSON, "full_name": m.person.full_name, "national_id": m.person.national_id}
    answer = login(users.district_x).post(f"/members/{m.pk}/edit/", form)
    assert answer.status_code == 200 and "vừa được người khác sửa" in answer.content.decode()
    assert Person.objects.get(pk=m.person.pk).place_of_origin == ""


def test_decision_form_without_version(tree, users, login):
    m = admitted_2023(tree.CXA)
    before = MembershipEvent.objects.filter(membership=m).count()
    answer = login(users.district_x).post(f"/members/{m.pk}/record/{EventKind.DIED}/", {"effective_date": "01/03/2024"})
    assert answer.status_code == 200 and "vừa được người khác cập nhật" in answer.content.decode()
    assert MembershipEvent.objects.filter(membership=m).count() == before
    ok = login(users.district_x).post(
        f"/members/{m.pk}/record/{EventKind.DIED}/", {"effective_date": "01/03/2024", "version": m.version}
    )
    assert ok.status_code == 302
