"""Every change to a person, a membership, a candidate or a quota is recorded: who, when (UTC),
from where, the old and the new values — through the screens, the services' conditional and bulk
writes and the imports. The trail is read-only in the admin."""

import datetime

import pytest
from django.test import Client

from candidates.models import Candidate, CandidateEvent, Stage
from members.models import EventKind, Membership, MembershipEvent, Person, Proposal
from members.quotas.models import Quota, QuotaChange
from members.quotas.services import quota_set, quotas_bulk_set, version_token
from members.services import members_register_bulk, proposal_create
from tests.members.factories import admitted_2023

D = datetime.date
IP = "192.0.2.77"


def _client(user):
    client = Client(REMOTE_ADDR=IP)
    client.force_login(user)
    return client


def _is_utc(moment):
    return moment.tzinfo is not None and moment.utcoffset() == datetime.timedelta(0)


def _latest(model, pk):
    return model.history.filter(id=pk).order_by("-history_date", "-history_id").first()


def test_person_change_through_the_page(tree, users):
    m = admitted_2023(tree.CXA)
    client = _client(users.district_x)
    from members.services import person_version

    form = {
        "full_name": "Hà Văn Khiêm",
        "sex": "male",
        "date_of_birth": "02/02/1991",
        "ethnicity": "muong",
        "religion": "buddhism",
        "national_id": m.person.national_id,
        "place_of_origin": "Kim Bôi",
        "general_education": "upper_secondary",
        "professional_qualification": "none",
        "political_theory": "none",
        "sector": "other",
        "version": person_version(m.person),
    }
    assert client.post(f"/members/{m.pk}/edit/", form).status_code == 302
    row = _latest(Person, m.person.pk)
    assert row.history_type == "~"
    assert (row.history_user, row.history_ip) == (users.district_x, IP) and _is_utc(row.history_date)
    delta = {c.field: (c.old, c.new) for c in row.diff_against(row.prev_record).changes}
    assert delta["religion"] == ("none", "buddhism") and delta["place_of_origin"] == ("", "Kim Bôi")
    assert delta["full_name"] == ("Hà Văn Khiêm 1", "Hà Văn Khiêm")


def test_membership_status_change_and_its_event(tree, users):
    m = admitted_2023(tree.CXA)
    client = _client(users.district_x)
    answer = client.post(f"/members/{m.pk}/record/died/", {"effective_date": "01/03/2024", "version": m.version})
    assert answer.status_code == 302
    row = _latest(Membership, m.pk)
    assert (row.history_user, row.history_ip, row.history_type) == (users.district_x, IP, "~")
    delta = {c.field: (c.old, c.new) for c in row.diff_against(row.prev_record).changes}
    assert delta["status"] == ("probationary", "died") and delta["version"] == (1, 2)
    event = MembershipEvent.objects.get(membership=m, kind=EventKind.DIED)
    assert MembershipEvent.history.get(id=event.pk).history_user == users.district_x


def test_proposal_has_history(tree, users):
    m = admitted_2023(tree.CXA)
    proposal = proposal_create(m, kind=EventKind.DIED, proposed_on=D(2024, 1, 5), user=users.secretary_a, reason="x")
    assert Proposal.history.filter(id=proposal.pk, history_type="+").count() == 1


def test_candidate_conditional_update_is_recorded(tree, users):
    from tests.candidates.factories import candidate_at

    c = candidate_at(tree.CXA, Stage.SOURCE, user=users.secretary_a)
    client = _client(users.secretary_a)
    drop = {"drop-effective_date": "2024-02-01", "drop-reason": "Chuyển đi nơi khác", "drop-version": c.version}
    client.post(f"/candidates/{c.pk}/drop/", drop)
    row = _latest(Candidate, c.pk)
    assert row.history_type == "~" and row.history_user == users.secretary_a and row.history_ip == IP
    delta = {ch.field: (ch.old, ch.new) for ch in row.diff_against(row.prev_record).changes}
    assert delta["stage"] == (Stage.SOURCE, Stage.DROPPED)
    assert (
        CandidateEvent.history.filter(candidate_id=c.pk).count()
        == CandidateEvent.objects.filter(candidate=c).count()
        == 2
    )


def test_quota_change_by_hand_and_in_bulk(tree, users):
    client = _client(users.grassroots)
    # The forms carry the token they were drawn with (issue 15: without it, refused as stale).
    assert client.post(f"/quotas/{tree.CXA.code}/2024/edit/", {"target": "3", "seen": "new"}).status_code == 302
    seen = version_token(Quota.objects.get(organization=tree.CXA, year=2024))
    assert client.post(f"/quotas/{tree.CXA.code}/2024/edit/", {"target": "4", "seen": seen}).status_code == 302
    quota = Quota.objects.get(organization=tree.CXA, year=2024)
    row = _latest(Quota, quota.pk)
    assert (row.history_user, row.history_ip) == (users.grassroots, IP) and _is_utc(row.history_date)
    assert [(c.old, c.new) for c in row.diff_against(row.prev_record).changes if c.field == "target"] == [(3, 4)]
    # The import's bulk writes do not escape it.
    quotas_bulk_set(
        [
            {"organization_id": tree.CXA.pk, "year": 2024, "target": 6, "quota": quota},
            {"organization_id": tree.CXB.pk, "year": 2024, "target": 2, "quota": None},
        ],
        user=users.district_x,
    )
    assert _latest(Quota, quota.pk).target == 6 and _latest(Quota, quota.pk).history_user == users.district_x
    created = Quota.objects.get(organization=tree.CXB, year=2024)
    assert Quota.history.filter(id=created.pk, history_type="+").count() == 1
    assert QuotaChange.history.count() == QuotaChange.objects.count() == 4


def test_bulk_registered_members_have_history(tree, users):
    entries = [
        {
            "person": Person(
                full_name=f"Đỗ Thị Hoa {i}",
                sex="female",
                date_of_birth=D(1995, 1, i + 1),
                general_education="upper_secondary",
                national_id=f"00119500{i:04d}",
            ),
            "cell": tree.CXA,
            "admission_decision_date": D(2022, 5, 1),
            "official_from": None,
            "recognition_decision_date": None,
        }
        for i in range(3)
    ]
    memberships = members_register_bulk(entries, user=users.district_x)
    for m in memberships:
        assert Person.history.filter(id=m.person_id, history_type="+").count() == 1
        assert Membership.history.filter(id=m.pk, history_type="+").count() == 1
    assert (
        MembershipEvent.history.filter(membership_id__in=[m.pk for m in memberships]).count()
        == MembershipEvent.objects.filter(membership__in=memberships).count()
    )


def test_history_is_read_only_in_the_admin(db, django_user_model, tree):
    m = admitted_2023(tree.CXA)
    admin = django_user_model.objects.create_superuser("root", password="x-long-password-1")
    client = _client(admin)
    for model, pk in ((Person, m.person.pk), (Membership, m.pk)):
        meta = model.history.model._meta
        base = f"/admin/{meta.app_label}/{meta.model_name}/"
        listing = client.get(f"{base}?q={pk}")
        assert listing.status_code == 200
        row = model.history.filter(id=pk).first()
        assert client.get(f"{base}add/").status_code == 403
        assert client.get(f"{base}{row.history_id}/delete/").status_code == 403
        page = client.get(f"{base}{row.history_id}/change/")
        assert page.status_code == 200 and b'name="_save"' not in page.content
    for model in (Candidate, CandidateEvent, Quota, QuotaChange, Proposal, MembershipEvent):
        meta = model.history.model._meta
        assert client.get(f"/admin/{meta.app_label}/{meta.model_name}/").status_code == 200, model
