"""Every event rule: what is recorded, and what is refused with nothing saved."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from members.models import EventKind, Membership, MembershipEvent, MembershipPeriod, Person, Proposal, Status
from members.services import member_admit, member_transfer_in_from_outside, membership_record_event, proposal_create

from .factories import admit, official, person_fields

D = datetime.date
pytestmark = pytest.mark.django_db


def record(m, kind, day, **kw):
    return membership_record_event(m, kind=kind, effective_date=day, **kw)


def snapshot():
    return (
        Person.objects.count(),
        Membership.objects.count(),
        MembershipEvent.objects.count(),
        list(MembershipPeriod.objects.values_list("membership_id", "cell_id", "status", "start", "end").order_by("id")),
        list(Membership.objects.values_list("id", "status", "cell_id", "exempted", "version").order_by("id")),
    )


def refused(fn, *args, match, **kw):
    before = snapshot()
    with pytest.raises(ValidationError, match=match):
        fn(*args, **kw)
    assert snapshot() == before


def test_admission_creates_a_probationary_member_with_its_event_and_period(tree):
    m = admit(tree.CXA, D(2022, 3, 1))
    assert m.status == Status.PROBATIONARY
    assert list(m.events.values_list("kind", flat=True)) == [EventKind.ADMITTED]
    assert list(m.periods.values_list("cell_id", "status", "start", "end")) == [
        (tree.CXA.pk, "probationary", D(2022, 3, 1), None)
    ]
    assert m.person.name_search.startswith("bui thi hang")


def test_admission_refuses_minors_future_dates_dates_before_birth_and_bad_ids(tree):
    day = D(2022, 3, 1)
    refused(admit, tree.CXA, day, date_of_birth=D(2004, 3, 2), match="Chưa đủ 18 tuổi")
    admit(tree.CXA, day, date_of_birth=D(2004, 3, 1))  # 18 on the day: allowed
    future = timezone.localdate() + datetime.timedelta(days=1)
    refused(admit, tree.CXA, future, match="ở tương lai")
    refused(admit, tree.CXA, D(1985, 1, 1), date_of_birth=D(1990, 1, 1), match="trước ngày sinh")
    refused(admit, tree.CXA, day, national_id="01719001234", match="12 chữ số")
    refused(admit, tree.CXA, day, national_id="01719001234x", match="12 chữ số")
    admit(tree.CXA, day, national_id="017190099999")
    refused(admit, tree.CXA, day, national_id="017190099999", match="đã có trong hệ thống")
    refused(admit, tree.GX, day, match="không phải là chi bộ")


def test_recognition_rules(tree):
    m = admit(tree.CXA, D(2021, 3, 1))  # ceremony 11/03/2021
    refused(record, m, EventKind.RECOGNISED, D(2022, 3, 1), match="Chưa hết 12 tháng")
    record(m, EventKind.RECOGNISED, D(2022, 4, 5), card_number="12345678")
    m.refresh_from_db()
    assert (m.status, m.official_from, m.recognition_decision_date, m.card_number) == (
        Status.OFFICIAL,
        D(2022, 3, 11),
        D(2022, 4, 5),
        "12345678",
    )
    refused(record, m, EventKind.RECOGNISED, D(2022, 5, 1), match="tình trạng «Chính thức»")
    assert list(m.periods.values_list("status", "start", "end")) == [
        ("probationary", D(2021, 3, 1), D(2022, 3, 11)),
        ("official", D(2022, 3, 11), None),
    ]


def test_events_must_follow_the_history_and_make_sense_for_the_status(tree):
    m = official(tree.CXA)
    refused(record, m, EventKind.WARNED, D(2019, 1, 1), reason="x", match="trước sự kiện gần nhất")
    refused(record, m, EventKind.STRUCK_OFF, D(2021, 1, 1), match="Cần ghi lý do")
    refused(record, m, EventKind.EXEMPTION_ENDED, D(2021, 1, 1), match="không có gì để thôi miễn")
    record(m, EventKind.REPRIMANDED, D(2021, 1, 1), reason="vi phạm quy chế")
    record(m, EventKind.LEFT, D(2021, 2, 1))
    for kind in (
        EventKind.STRUCK_OFF,
        EventKind.DIED,
        EventKind.EXPELLED,
        EventKind.TRANSFERRED_OUT,
        EventKind.EXEMPTED,
        EventKind.RECOGNISED,
    ):
        refused(
            record,
            m,
            kind,
            D(2021, 3, 1),
            reason="x",
            other_organization_name="Tỉnh ủy Phú Thọ",
            match="Đã ra khỏi Đảng",
        )
    refused(record, m, EventKind.READMITTED, D(2023, 1, 1), match="36 tháng")
    record(m, EventKind.READMITTED, D(2024, 2, 1))
    m.refresh_from_db()
    assert m.status == Status.PROBATIONARY and m.official_from is None
    record(m, EventKind.LEFT, D(2024, 3, 1))
    refused(record, m, EventKind.READMITTED, D(2028, 1, 1), match="một lần")


def test_probationary_members_are_struck_off_not_expelled(tree):
    m = admit(tree.CXA, D(2022, 3, 1))
    refused(record, m, EventKind.EXPELLED, D(2022, 6, 1), reason="x", match="«Dự bị»")
    refused(record, m, EventKind.REMOVED_FROM_POST, D(2022, 6, 1), reason="x", match="«Dự bị»")
    record(m, EventKind.STRUCK_OFF, D(2022, 6, 1), reason="không đủ tư cách")
    assert m.events.last().was_probationary


def test_exemption_and_its_end(tree):
    m = official(tree.CXA)
    record(m, EventKind.EXEMPTED, D(2021, 1, 1), reason="tuổi cao")
    refused(record, m, EventKind.EXEMPTED, D(2021, 2, 1), match="đang được miễn")
    record(m, EventKind.EXEMPTION_ENDED, D(2021, 6, 1))
    m.refresh_from_db()
    assert not m.exempted and m.status == Status.OFFICIAL


def test_duplicate_event_is_refused(tree):
    m = official(tree.CXA)
    record(m, EventKind.WARNED, D(2021, 1, 1), reason="x", decision_number="5-QĐ")
    refused(record, m, EventKind.WARNED, D(2021, 1, 1), reason="x", decision_number="5-QĐ", match="trùng")


def test_transfer_rules(tree, users):
    m = official(tree.CXA)
    user = users.district_x
    refused(record, m, EventKind.TRANSFERRED_OUT, D(2021, 1, 1), user=user, match="Cần ghi nơi chuyển đến")
    refused(
        record,
        m,
        EventKind.TRANSFERRED_OUT,
        D(2021, 1, 1),
        user=user,
        other_organization_code="NOPE",
        match="Không có tổ chức đảng mã «NOPE»",
    )
    refused(
        record,
        m,
        EventKind.TRANSFERRED_OUT,
        D(2021, 1, 1),
        user=user,
        other_organization_code=tree.CYA.code,
        match="ngoài phạm vi",
    )
    refused(
        record,
        m,
        EventKind.TRANSFERRED_OUT,
        D(2021, 1, 1),
        user=user,
        other_organization_code=tree.GX.code,
        match="không phải là chi bộ",
    )
    refused(
        record,
        m,
        EventKind.TRANSFERRED_OUT,
        D(2021, 1, 1),
        user=user,
        other_organization_code=tree.CXA.code,
        match="trùng với chi bộ hiện tại",
    )
    record(m, EventKind.TRANSFERRED_OUT, D(2021, 1, 1), user=user, other_organization_code=tree.CXB.code)
    m.refresh_from_db()
    assert m.cell == tree.CXB and m.status == Status.OFFICIAL
    assert list(m.events.values_list("kind", "cell__code", "other_organization__code"))[-2:] == [
        (EventKind.TRANSFERRED_OUT, tree.CXA.code, tree.CXB.code),
        (EventKind.TRANSFERRED_IN, tree.CXB.code, tree.CXA.code),
    ]
    record(m, EventKind.TRANSFERRED_OUT, D(2021, 5, 1), user=user, other_organization_name="Đảng bộ tỉnh Phú Thọ")
    m.refresh_from_db()
    assert m.status == Status.TRANSFERRED_OUT
    refused(record, m, EventKind.DIED, D(2021, 6, 1), match="Đã chuyển sinh hoạt đi")
    record(
        m,
        EventKind.TRANSFERRED_IN,
        D(2022, 5, 1),
        user=user,
        cell_code=tree.CXA.code,
        other_organization_name="Đảng bộ tỉnh Phú Thọ",
    )
    m.refresh_from_db()
    assert (m.status, m.cell) == (Status.OFFICIAL, tree.CXA)


def test_temporary_transfer_keeps_the_member_where_they_are(tree, users):
    m = official(tree.CXA)
    record(
        m,
        EventKind.TRANSFERRED_OUT,
        D(2021, 1, 1),
        other_organization_name="Chi bộ thôn X, tỉnh Sơn La",
        temporary=True,
    )
    m.refresh_from_db()
    assert (m.status, m.cell) == (Status.OFFICIAL, tree.CXA)


def test_stale_version_is_refused(tree):
    m = official(tree.CXA)
    refused(record, m, EventKind.WARNED, D(2021, 1, 1), reason="x", version=m.version - 1, match="người khác cập nhật")


def test_transfer_in_from_outside_is_not_an_admission(tree):
    m = member_transfer_in_from_outside(
        person_fields=person_fields(),
        cell=tree.CXB,
        effective_date=D(2020, 1, 1),
        origin_name="Đảng bộ tỉnh Sơn La",
        official=True,
        admission_decision_date=D(2010, 1, 1),
        official_from=D(2011, 1, 1),
    )
    assert list(m.events.values_list("kind", flat=True)) == [EventKind.TRANSFERRED_IN]
    assert m.status == Status.OFFICIAL


def test_proposals(tree, users):
    m = official(tree.CXA)
    with pytest.raises(ValidationError, match="Không có tổ chức đảng"):
        proposal_create(m, kind=EventKind.TRANSFERRED_OUT, proposed_on=D(2021, 1, 1), other_organization_code="NOPE")
    p = proposal_create(
        m,
        kind=EventKind.TRANSFERRED_OUT,
        proposed_on=D(2021, 1, 1),
        user=users.secretary_a,
        other_organization_code=tree.CYA.code,
    )
    assert p.state == Proposal.State.PENDING and p.other_organization == tree.CYA
    with pytest.raises(ValidationError, match="đang chờ quyết định"):
        proposal_create(m, kind=EventKind.TRANSFERRED_OUT, proposed_on=D(2021, 1, 1), other_organization_name="X")
    with pytest.raises(ValidationError, match="Chính thức"):
        proposal_create(m, kind=EventKind.RECOGNISED, proposed_on=D(2021, 1, 1))
    event = record(
        m,
        EventKind.TRANSFERRED_OUT,
        D(2021, 2, 1),
        user=users.province,
        other_organization_code=tree.CYA.code,
        proposal=p,
    )
    p.refresh_from_db()
    assert p.state == Proposal.State.DECIDED and p.event == event


def test_admission_via_service_keeps_decider_and_number(tree):
    m = member_admit(
        person_fields=person_fields(),
        cell=tree.CXA,
        admission_decision_date=D(2022, 1, 5),
        admission_decision_number="12-QĐ/HU",
        admission_decided_by=tree.X,
    )
    e = m.events.get()
    assert (e.decision_number, e.other_organization) == ("12-QĐ/HU", tree.X)
