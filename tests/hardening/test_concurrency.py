"""Concurrency: status and stage changes are guarded in the database (two conflicting changes never
both succeed), and edit forms carry a version (when two people edit one record, the second is
told and the first edit is kept).

The candidates' services have their own two-thread tests (tests/candidates/test_concurrency.py);
here the members' status changes and the quotas get theirs, and every edit form is tried the way
two people would use it: both open the form, both send it.
"""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

from candidates.models import Candidate, CandidateEvent, Stage
from members.models import EventKind, Membership, MembershipEvent, Person, Status
from members.quotas.models import Quota, QuotaChange
from members.quotas.services import quota_set, version_token
from members.services import membership_record_event
from tests.concurrency import run_together
from tests.members.factories import admitted_2023

D = datetime.date


def _hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html) or re.search(rf'value="([^"]*)"[^>]*name="{name}"', html)
    assert match, f"no hidden {name} in the form"
    return match.group(1)


# --- edit forms: the second is told, the first is kept ------------------------------------------


def test_quota_form_second_editor_is_told(tree, users, login, client):
    from django.test import Client

    quota_set(organization=tree.CXA, year=2024, target=3, user=users.province)
    url = f"/quotas/{tree.CXA.code}/2024/edit/"
    first, second = Client(), Client()
    first.force_login(users.grassroots)
    second.force_login(users.district_x)
    seen_first = _hidden(first.get(url).content.decode(), "seen")
    seen_second = _hidden(second.get(url).content.decode(), "seen")
    assert seen_first == seen_second == version_token(Quota.objects.get(organization=tree.CXA, year=2024))

    assert first.post(url, {"target": "4", "seen": seen_first}).status_code == 302
    answer = second.post(url, {"target": "5", "seen": seen_second})
    assert answer.status_code == 200
    assert "vừa được người khác thay đổi (hiện là 4)" in answer.content.decode()
    assert Quota.objects.get(organization=tree.CXA, year=2024).target == 4  # the first edit is kept
    assert list(QuotaChange.objects.filter(organization=tree.CXA).values_list("new_target", flat=True)) == [4, 3]
    # Reloaded, the second editor gets the new version and may save.
    seen_again = _hidden(second.get(url).content.decode(), "seen")
    assert second.post(url, {"target": "5", "seen": seen_again}).status_code == 302
    assert Quota.objects.get(organization=tree.CXA, year=2024).target == 5


def test_quota_created_meanwhile_is_not_overwritten(tree, users):
    quota_set(organization=tree.CXA, year=2025, target=2, user=users.grassroots, seen="new")
    with pytest.raises(ValidationError, match="người khác thay đổi"):
        quota_set(organization=tree.CXA, year=2025, target=9, user=users.district_x, seen="new")
    assert Quota.objects.get(organization=tree.CXA, year=2025).target == 2


def test_member_decision_form_second_is_told(tree, users, login):
    from django.test import Client

    m = admitted_2023(tree.CXA)
    first, second = Client(), Client()
    first.force_login(users.district_x)
    second.force_login(users.province)
    v1 = _hidden(first.get(f"/members/{m.pk}/record/died/").content.decode(), "version")
    v2 = _hidden(second.get(f"/members/{m.pk}/record/struck_off/").content.decode(), "version")
    assert v1 == v2 == str(m.version)
    ok = first.post(f"/members/{m.pk}/record/died/", {"effective_date": "01/03/2024", "version": v1})
    assert ok.status_code == 302
    late = second.post(
        f"/members/{m.pk}/record/struck_off/", {"effective_date": "02/03/2024", "reason": "Bỏ sinh hoạt", "version": v2}
    )
    assert late.status_code == 200 and "vừa được người khác cập nhật" in late.content.decode()
    m.refresh_from_db()
    assert m.status == Status.DIED
    assert list(MembershipEvent.objects.filter(membership=m).values_list("kind", flat=True)) == [
        EventKind.ADMITTED,
        EventKind.DIED,
    ]


def test_candidate_forms_second_is_told(tree, users):
    from django.test import Client

    from tests.candidates.factories import candidate_at

    c = candidate_at(tree.CXA, Stage.SOURCE, user=users.secretary_a)
    first, second = Client(), Client()
    first.force_login(users.secretary_a)
    second.force_login(users.district_x)
    page = first.get(f"/candidates/{c.pk}/").content.decode()
    assert f'name="drop-version" value="{c.version}"' in page or f'value="{c.version}" name="drop-version"' in page
    drop = {"drop-effective_date": "2024-02-01", "drop-reason": "Chuyển đi nơi khác", "drop-version": c.version}
    first.post(f"/candidates/{c.pk}/drop/", drop)
    move = {
        "move-to_cell": tree.CXB.code,
        "move-effective_date": "2024-02-02",
        "move-reason": "Đổi nơi ở",
        "move-version": c.version,
    }
    answer = second.post(f"/candidates/{c.pk}/move/", move, follow=True)
    assert "người khác cập nhật" in answer.content.decode()
    c.refresh_from_db()
    assert c.stage == Stage.DROPPED and c.version == 2 and c.cell == tree.CXA
    assert CandidateEvent.objects.filter(candidate=c).count() == 2  # created, dropped


def test_person_form_second_is_told(tree, users):
    """Two people correct one member's personal fields: the second is told, the first kept."""
    from django.test import Client

    m = admitted_2023(tree.CXA)
    url = f"/members/{m.pk}/edit/"
    first, second = Client(), Client()
    first.force_login(users.secretary_a)
    second.force_login(users.district_x)
    f1, f2 = first.get(url), second.get(url)
    assert f1.status_code == f2.status_code == 200
    v1, v2 = _hidden(f1.content.decode(), "version"), _hidden(f2.content.decode(), "version")
    assert v1 == v2
    base = {
        "full_name": m.person.full_name,
        "sex": "male",
        "date_of_birth": "01/01/1990",
        "ethnicity": "thai",
        "religion": "none",
        "national_id": m.person.national_id,
        "place_of_origin": "",
        "general_education": "upper_secondary",
        "professional_qualification": "none",
        "political_theory": "none",
        "sector": "other",
    }
    assert first.post(url, {**base, "place_of_origin": "Mường Khến", "version": v1}).status_code == 302
    late = second.post(url, {**base, "place_of_origin": "Tân Lạc", "version": v2})
    assert late.status_code == 200 and "vừa được người khác sửa" in late.content.decode()
    assert Person.objects.get(pk=m.person.pk).place_of_origin == "Mường Khến"


# --- transitions guarded in the database: two threads, one wins ------------------------------


def _one_winner(results):
    assert sorted(r == "ok" for r in results) == [False, True], results
    loser = next(r for r in results if r != "ok")
    if isinstance(loser, OperationalError):  # in-memory SQLite refuses the second writer at once
        assert connection.vendor == "sqlite" and "locked" in str(loser)


@pytest.mark.django_db(transaction=True)
def test_two_status_changes_of_one_member_one_wins(tree, users):
    m = admitted_2023(tree.CXA)
    results = run_together(
        lambda: membership_record_event(
            Membership.objects.get(pk=m.pk), kind=EventKind.DIED, effective_date=D(2024, 3, 1), user=users.district_x
        ),
        lambda: membership_record_event(
            Membership.objects.get(pk=m.pk),
            kind=EventKind.STRUCK_OFF,
            effective_date=D(2024, 3, 1),
            reason="Bỏ sinh hoạt",
            user=users.province,
        ),
    )
    _one_winner(results)
    m.refresh_from_db()
    events = list(MembershipEvent.objects.filter(membership=m).values_list("kind", flat=True))
    assert (
        len(events) == 2
        and m.status == {EventKind.DIED: Status.DIED, EventKind.STRUCK_OFF: Status.STRUCK_OFF}[events[1]]
    )
    assert m.version == 2


@pytest.mark.django_db(transaction=True)
def test_two_quota_edits_from_one_version_one_wins(tree, users):
    quota_set(organization=tree.CXA, year=2024, target=3, user=users.province)
    seen = version_token(Quota.objects.get(organization=tree.CXA, year=2024))
    results = run_together(
        lambda: quota_set(organization=tree.CXA, year=2024, target=4, user=users.grassroots, seen=seen),
        lambda: quota_set(organization=tree.CXA, year=2024, target=5, user=users.district_x, seen=seen),
    )
    _one_winner(results)
    assert QuotaChange.objects.filter(organization=tree.CXA, year=2024).count() == 2
    assert (
        Quota.objects.get(organization=tree.CXA, year=2024).target
        == QuotaChange.objects.filter(organization=tree.CXA).first().new_target
    )


@pytest.mark.django_db(transaction=True)
def test_candidate_stage_guard_is_a_conditional_update(tree, users):
    """Belt and braces: the stored version is compared in the UPDATE itself."""
    from candidates import services
    from tests.candidates.factories import candidate_at

    c = candidate_at(tree.CXA, Stage.SOURCE, user=users.secretary_a)
    Candidate.objects.filter(pk=c.pk).update(version=c.version + 5)  # someone else wrote meanwhile
    with pytest.raises(ValidationError, match="người khác cập nhật"):
        services.candidate_drop(
            c.pk, effective_date=D(2024, 2, 1), reason="x", user=users.secretary_a, expected_version=c.version
        )
    assert Candidate.objects.get(pk=c.pk).stage == Stage.SOURCE
