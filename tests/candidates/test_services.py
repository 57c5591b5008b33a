"""The pipeline services: the full journey, bad input, rules and overrides, returns, drops,
moves, back-fill, roles."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from candidates import services
from candidates.models import Candidate, CandidateEvent, DueKind, EventKind, LocalCriterion, Stage
from members.models import EventKind as MemberEventKind
from members.models import Membership, Status
from organizations.models import Kind, Role
from organizations.services import organization_create
from partydev.workdays import add_working_days
from tests.fixtures import make_user

from .factories import candidate_at, official_member, person_fields, step_data

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def helpers(tree):
    return [official_member(tree.CXA), official_member(tree.CXB), official_member(tree.CXA)]


def advance(c, stage, user, **data):
    return services.candidate_advance(c.pk, stage, data=data, user=user)


def test_full_journey_from_source_to_official_member(tree, users, helpers):
    sec, staff, district = users.secretary_a, users.grassroots, users.district_x
    c = services.candidate_create(
        person_fields=person_fields(full_name="Bùi Văn Nam", date_of_birth=D(1990, 6, 15)),
        cell=tree.CXA,
        source_kind="youth_union",
        effective_date=D(2024, 1, 8),
        user=sec,
    )
    assert c.stage == Stage.SOURCE and c.events.count() == 1
    c = advance(c, Stage.CULTIVATION, sec, cultivation_date=D(2024, 1, 15), helper=helpers[0])
    c = advance(c, Stage.COURSE, sec, certificate_number="CN-1", certificate_date=D(2024, 2, 20))
    assert c.due_kind == DueKind.CERTIFICATE_EXPIRY and c.next_due == D(2029, 2, 19)
    c = advance(
        c,
        Stage.DOSSIER,
        sec,
        form1_date=D(2024, 3, 1),
        form2_date=D(2024, 3, 1),
        introduction="members",
        form3_date=D(2024, 3, 4),
        introducer_1=helpers[0],
        introducer_2=helpers[1],
        # The system holds her only from 08/01/2024: the secretary states since when they know her.
        introducer_1_since=D(2019, 9, 1),
        introducer_2_since=D(2021, 2, 1),
        together_statement_date=D(2024, 3, 4),
        form5_date=D(2024, 3, 5),
    )
    assert c.stage_date == D(2024, 3, 5)
    c = advance(
        c,
        Stage.VERIFICATION,
        staff,
        verification_result="clear",
        verification_date=D(2024, 4, 2),
        verification_subjects={"applicant": "verified", "father": "verified", "mother": "exempt"},
    )
    c = advance(c, Stage.CELL_VOTE, sec, cell_vote_date=D(2024, 4, 10), cell_present=9, cell_total=12, cell_votes_for=8)
    assert c.next_due == add_working_days(D(2024, 4, 10), 60) and c.due_kind == DueKind.DECISION
    assert services.next_stage(c) == Stage.COMMITTEE_VOTE  # no partial committee above this cell
    c = advance(
        c, Stage.COMMITTEE_VOTE, staff, committee_date=D(2024, 4, 20), committee_members=9, committee_votes_for=6
    )
    c = advance(
        c,
        Stage.DECISION,
        district,
        decision_number="45-QĐ/HU",
        decision_date=D(2024, 5, 6),
        decided_by=tree.X,
        decision_received_date=D(2024, 5, 8),
    )
    assert c.due_kind == DueKind.CEREMONY and c.next_due == add_working_days(D(2024, 5, 8), 30)
    c = advance(c, Stage.PROBATIONARY, sec, ceremony_date=D(2024, 5, 19))
    m = Membership.objects.get(person=c.person)
    assert c.membership == m and m.status == Status.PROBATIONARY and m.cell == tree.CXA
    assert m.admission_decision_date == D(2024, 5, 6) and m.ceremony_date == D(2024, 5, 19)
    assert m.events.filter(kind=MemberEventKind.ADMITTED).count() == 1
    assert c.due_kind == DueKind.PROPOSAL and c.next_due == add_working_days(D(2025, 5, 19), 30)
    with pytest.raises(ValidationError, match="12 tháng"):
        advance(c, Stage.RECOGNITION_PROPOSED, sec, recognition_proposal_date=D(2025, 5, 1))
    c = advance(c, Stage.RECOGNITION_PROPOSED, sec, recognition_proposal_date=D(2025, 6, 2))
    c = advance(c, Stage.OFFICIAL, district, recognition_decision_date=D(2025, 7, 30))  # late: official from 19/05/2025
    m.refresh_from_db()
    assert c.stage == Stage.OFFICIAL and c.official_from == D(2025, 5, 19) and c.next_due is None
    assert m.status == Status.OFFICIAL and m.official_from == D(2025, 5, 19)
    kinds = list(c.events.values_list("stage_to", flat=True))
    assert kinds == [
        Stage.SOURCE,
        Stage.CULTIVATION,
        Stage.COURSE,
        Stage.DOSSIER,
        Stage.VERIFICATION,
        Stage.CELL_VOTE,
        Stage.COMMITTEE_VOTE,
        Stage.DECISION,
        Stage.PROBATIONARY,
        Stage.RECOGNITION_PROPOSED,
        Stage.OFFICIAL,
    ]
    assert c.version == 11
    # 24-QĐ/TW until 19/01/2025, 232-QĐ/TW (the proposal of 02/06/2025), 294-QĐ/TW (the decision of 30/07/2025).
    assert set(c.events.values_list("regulation", flat=True)) == {"2021", "2025-01", "2025"}


def test_partial_committee_step_where_one_exists(tree, users):
    partial = organization_create(parent=tree.GX, code="T.X.1.P", name="Đảng bộ bộ phận", kind=Kind.PARTIAL_COMMITTEE)
    cell = organization_create(parent=partial, code="T.X.1.P.1", name="Chi bộ 1", kind=Kind.CELL)
    c = candidate_at(cell, Stage.CELL_VOTE)
    assert services.next_stage(c) == Stage.PARTIAL_APPRAISAL
    # The refusal names each step by its act, not by the state it leads to.
    with pytest.raises(
        ValidationError, match="Bước tiếp theo là «Đảng ủy bộ phận thẩm định», không thể ghi «Đảng ủy cơ sở xét"
    ):
        advance(
            c,
            Stage.COMMITTEE_VOTE,
            users.grassroots,
            committee_date=D(2024, 4, 1),
            committee_members=9,
            committee_votes_for=9,
        )
    c = advance(
        c,
        Stage.PARTIAL_APPRAISAL,
        users.grassroots,
        partial_date=D(2024, 3, 15),
        partial_members=5,
        partial_votes_for=4,
    )
    assert services.next_stage(c) == Stage.COMMITTEE_VOTE


@pytest.mark.parametrize(
    "stage, data, field",
    [
        (
            Stage.CELL_VOTE,
            dict(cell_vote_date=D(2024, 3, 20), cell_present=11, cell_total=10, cell_votes_for=9),
            "cell_present",
        ),
        (
            Stage.CELL_VOTE,
            dict(cell_vote_date=D(2024, 3, 20), cell_present=8, cell_total=10, cell_votes_for=9),
            "cell_votes_for",
        ),
        (
            Stage.CELL_VOTE,
            dict(cell_vote_date=D(2024, 2, 1), cell_present=8, cell_total=10, cell_votes_for=8),
            "cell_vote_date",
        ),
        (
            Stage.CELL_VOTE,
            dict(cell_vote_date=D(2099, 2, 1), cell_present=8, cell_total=10, cell_votes_for=8),
            "cell_vote_date",
        ),
    ],
)
def test_bad_input_is_refused_and_saves_nothing(tree, users, stage, data, field):
    c = candidate_at(tree.CXA, Stage.VERIFICATION)  # verified on 26/02/2024
    events, version = c.events.count(), c.version
    with pytest.raises(ValidationError) as exc:
        advance(c, stage, users.secretary_a, **data)
    assert field in exc.value.message_dict
    c.refresh_from_db()
    assert c.events.count() == events and c.version == version and c.stage == Stage.VERIFICATION


def test_ceremony_before_its_decision_is_refused(tree, users):
    c = candidate_at(tree.CXA, Stage.DECISION, decided_by=tree.X)  # decision 01/04/2024
    with pytest.raises(ValidationError, match="trước ngày của bước trước «Đã có quyết định kết nạp»"):
        advance(c, Stage.PROBATIONARY, users.secretary_a, ceremony_date=D(2024, 3, 30))
    assert not Membership.objects.filter(person=c.person).exists()


def test_a_stage_skipped_without_back_fill_is_refused(tree, users):
    c = candidate_at(tree.CXA, Stage.SOURCE)
    with pytest.raises(ValidationError, match="nhập bổ sung"):
        advance(
            c,
            Stage.CELL_VOTE,
            users.secretary_a,
            cell_vote_date=D(2024, 3, 20),
            cell_present=9,
            cell_total=9,
            cell_votes_for=9,
        )


def test_helper_and_introducers_must_be_official_members_of_the_same_grassroots(tree, users, helpers):
    elsewhere = official_member(tree.CYA)
    c = candidate_at(tree.CXA, Stage.SOURCE, date_of_birth=D(1990, 6, 15))  # past youth age: members introduce
    with pytest.raises(ValidationError) as exc:
        advance(c, Stage.CULTIVATION, users.secretary_a, cultivation_date=D(2024, 1, 15), helper=elsewhere)
    assert "helper" in exc.value.message_dict
    probationary = official_member(tree.CXA)
    Membership.objects.filter(pk=probationary.pk).update(status=Status.PROBATIONARY)
    probationary.refresh_from_db()
    with pytest.raises(ValidationError):
        advance(c, Stage.CULTIVATION, users.secretary_a, cultivation_date=D(2024, 1, 15), helper=probationary)
    c = advance(
        c, Stage.CULTIVATION, users.secretary_a, cultivation_date=D(2024, 1, 15), helper=helpers[1]
    )  # other cell, same grassroots
    c = advance(c, Stage.COURSE, users.secretary_a, certificate_number="1", certificate_date=D(2024, 1, 20))
    dossier = dict(
        form1_date=D(2024, 2, 1),
        form2_date=D(2024, 2, 1),
        introduction="members",
        form3_date=D(2024, 2, 2),
        form5_date=D(2024, 2, 3),
        introducer_1_since=D(2020, 1, 1),
        introducer_2_since=D(2020, 1, 1),
        together_statement_date=D(2024, 2, 2),
    )
    with pytest.raises(ValidationError) as exc:
        advance(c, Stage.DOSSIER, users.secretary_a, introducer_1=helpers[0], introducer_2=elsewhere, **dossier)
    assert "introducer_2" in exc.value.message_dict
    with pytest.raises(ValidationError):
        advance(c, Stage.DOSSIER, users.secretary_a, introducer_1=helpers[0], introducer_2=helpers[0], **dossier)
    advance(c, Stage.DOSSIER, users.secretary_a, introducer_1=helpers[0], introducer_2=helpers[2], **dossier)


def test_failed_rule_blocks_and_an_override_with_a_reason_is_recorded(tree, users):
    c = candidate_at(tree.CXA, Stage.VERIFICATION, date_of_birth=D(2006, 4, 1))  # 17 at the vote of 20/03/2024
    vote = dict(cell_vote_date=D(2024, 3, 20), cell_present=9, cell_total=9, cell_votes_for=9)
    with pytest.raises(services.RuleFailed) as exc:
        advance(c, Stage.CELL_VOTE, users.secretary_a, **vote)
    assert [f.code for f in exc.value.failures] == ["age"] and not exc.value.can_override
    # The secretary cannot override; the district can, with a written reason only.
    with pytest.raises(services.RuleFailed):
        services.candidate_advance(c.pk, Stage.CELL_VOTE, data=vote, user=users.secretary_a, override_reason="Đặc biệt")
    with pytest.raises(services.RuleFailed) as exc:
        services.candidate_advance(c.pk, Stage.CELL_VOTE, data=vote, user=users.district_x, override_reason="  ")
    assert exc.value.can_override
    c = services.candidate_advance(
        c.pk,
        Stage.CELL_VOTE,
        data=vote,
        user=users.district_x,
        override_reason="Văn bản đồng ý số 12 của Ban Thường vụ",
    )
    event = c.events.last()
    assert event.overrides[0]["code"] == "age" and event.override_reason.startswith("Văn bản")


def test_votes_below_two_thirds_block_the_committee_vote(tree, users):
    c = candidate_at(tree.CXA, Stage.CELL_VOTE)
    with pytest.raises(services.RuleFailed, match="2/3"):
        advance(
            c,
            Stage.COMMITTEE_VOTE,
            users.grassroots,
            committee_date=D(2024, 3, 20),
            committee_members=9,
            committee_votes_for=5,
        )
    advance(
        c,
        Stage.COMMITTEE_VOTE,
        users.grassroots,
        committee_date=D(2024, 3, 20),
        committee_members=9,
        committee_votes_for=6,
    )


def test_a_vote_below_two_thirds_is_recorded_and_the_third_reports_upward(tree, users):
    c = candidate_at(tree.CXA, Stage.VERIFICATION)  # verified 26/02/2024
    sec = users.secretary_a
    failed = dict(cell_vote_date=D(2024, 3, 20), cell_present=9, cell_total=9, cell_votes_for=5)
    first = services.candidate_record_failed_vote(c.pk, Stage.CELL_VOTE, data=failed, user=sec)
    assert first.data["attempt"] == 1 and not first.data["report_upward"] and "5/9" in first.data["summary"]
    c.refresh_from_db()
    assert c.stage == Stage.VERIFICATION and c.cell_vote_date is None  # the step has not happened
    # Bad input is refused like a step's, and a vote that passes is a step, not a failure.
    with pytest.raises(ValidationError) as exc:
        services.candidate_record_failed_vote(c.pk, Stage.CELL_VOTE, data={**failed, "cell_votes_for": 10}, user=sec)
    assert "cell_votes_for" in exc.value.message_dict
    with pytest.raises(ValidationError, match="đạt từ 2/3"):
        services.candidate_record_failed_vote(c.pk, Stage.CELL_VOTE, data={**failed, "cell_votes_for": 6}, user=sec)
    with pytest.raises(ValidationError, match="trước lần chưa đạt gần nhất"):
        services.candidate_record_failed_vote(
            c.pk, Stage.CELL_VOTE, data={**failed, "cell_vote_date": D(2024, 3, 19)}, user=sec
        )
    with pytest.raises(ValidationError, match="bước biểu quyết tiếp theo"):
        services.candidate_record_failed_vote(
            c.pk,
            Stage.COMMITTEE_VOTE,
            data={"committee_date": D(2024, 3, 21), "committee_members": 9, "committee_votes_for": 1},
            user=users.grassroots,
        )
    services.candidate_record_failed_vote(
        c.pk, Stage.CELL_VOTE, data={**failed, "cell_vote_date": D(2024, 4, 3)}, user=sec
    )
    third = services.candidate_record_failed_vote(
        c.pk, Stage.CELL_VOTE, data={**failed, "cell_vote_date": D(2024, 4, 17)}, user=sec
    )
    assert third.data["attempt"] == 3 and third.data["report_upward"]
    c.refresh_from_db()
    assert [e.effective_date for e in c.failed_votes()] == [D(2024, 3, 20), D(2024, 4, 3), D(2024, 4, 17)]
    # The vote that passes is the step; the count starts again at the next vote.
    c = advance(c, Stage.CELL_VOTE, sec, cell_vote_date=D(2024, 5, 8), cell_present=9, cell_total=9, cell_votes_for=6)
    assert c.stage == Stage.CELL_VOTE and c.failed_votes() == []
    assert c.events.filter(kind=EventKind.VOTE_FAILED).count() == 3


def test_roles_who_records_which_step(tree, users):
    c = candidate_at(tree.CXA, Stage.DOSSIER)
    with pytest.raises(PermissionDenied, match="không có quyền"):
        advance(c, Stage.VERIFICATION, users.secretary_a, verification_result="clear", verification_date=D(2024, 3, 1))
    c = advance(
        c,
        Stage.VERIFICATION,
        users.grassroots,
        verification_result="clear",
        verification_date=D(2024, 3, 1),
        verification_subjects={"applicant": "verified", "guardian": "verified"},
    )
    c = advance(
        c,
        Stage.CELL_VOTE,
        users.secretary_a,
        cell_vote_date=D(2024, 3, 5),
        cell_present=9,
        cell_total=9,
        cell_votes_for=9,
    )
    c = advance(
        c,
        Stage.COMMITTEE_VOTE,
        users.grassroots,
        committee_date=D(2024, 3, 8),
        committee_members=9,
        committee_votes_for=9,
    )
    decision = dict(decision_number="1", decision_date=D(2024, 3, 20), decided_by=tree.X)
    with pytest.raises(PermissionDenied, match="không có quyền"):
        advance(c, Stage.DECISION, users.grassroots, **decision)
    with pytest.raises(PermissionDenied, match="không có quyền"):
        advance(c, Stage.DECISION, users.district_y, **decision)  # another district
    advance(c, Stage.DECISION, users.district_x, **decision)


def test_deciding_body_that_may_not_decide_is_a_rule_failure(tree, users):
    c = candidate_at(tree.CXA, Stage.COMMITTEE_VOTE)
    with pytest.raises(services.RuleFailed, match="thẩm quyền"):
        advance(
            c, Stage.DECISION, users.district_x, decision_number="1", decision_date=D(2024, 4, 1), decided_by=tree.GX
        )


def test_local_criterion_blocks_until_met(tree, users):
    criterion = LocalCriterion.objects.create(
        organization=tree.X, label="Hoàn thành nghĩa vụ quân sự", required_before=Stage.CELL_VOTE
    )
    c = candidate_at(tree.CXA, Stage.VERIFICATION)
    vote = dict(cell_vote_date=D(2024, 3, 20), cell_present=9, cell_total=9, cell_votes_for=9)
    with pytest.raises(services.RuleFailed, match="nghĩa vụ quân sự"):
        advance(c, Stage.CELL_VOTE, users.secretary_a, **vote)
    services.criterion_check(c, criterion, met_on=D(2024, 3, 1), user=users.secretary_a)
    advance(c, Stage.CELL_VOTE, users.secretary_a, **vote)


def test_return_drop_and_move(tree, users):
    sec = users.secretary_a
    c = candidate_at(tree.CXA, Stage.DOSSIER)
    c = services.candidate_return(
        c.pk, to_stage=Stage.CULTIVATION, effective_date=D(2024, 3, 1), reason="Thiếu giấy chứng nhận", user=sec
    )
    assert c.stage == Stage.CULTIVATION and c.certificate_date is None and c.form1_date is None
    assert c.events.last().kind == EventKind.RETURNED and c.events.last().reason == "Thiếu giấy chứng nhận"
    with pytest.raises(ValidationError, match="lý do"):
        services.candidate_drop(c.pk, effective_date=D(2024, 3, 2), reason="", user=sec)
    with pytest.raises(ValidationError, match="phạm vi"):
        services.candidate_move(c.pk, to_cell=tree.CYA, effective_date=D(2024, 3, 2), reason="Chuyển nơi ở", user=sec)
    c = services.candidate_move(
        c.pk, to_cell=tree.CXB, effective_date=D(2024, 3, 2), reason="Chuyển nơi ở", user=users.grassroots
    )
    assert c.cell == tree.CXB and c.events.last().cell == tree.CXB
    c = services.candidate_drop(
        c.pk, effective_date=D(2024, 3, 3), reason="Chuyển công tác ra tỉnh khác", user=users.grassroots
    )
    assert c.stage == Stage.DROPPED and c.next_due is None
    with pytest.raises(ValidationError, match="kết thúc"):
        advance(c, Stage.COURSE, users.grassroots, certificate_number="1", certificate_date=D(2024, 3, 5))


def test_back_fill_enters_a_candidate_at_the_stage_reached(tree, users, helpers):
    c = services.candidate_backfill(
        person_fields=person_fields(),
        cell=tree.CXA,
        source_kind="school",
        source_date=D(2024, 1, 8),
        stage=Stage.CELL_VOTE,
        data=step_data(D(2024, 1, 8), helper=helpers[0], introducers=(helpers[0], helpers[2])),
        user=users.district_x,
    )
    assert c.stage == Stage.CELL_VOTE and c.cell_vote_date == D(2024, 3, 4)
    events = list(c.events.all())
    assert [e.kind for e in events] == [EventKind.CREATED] + [EventKind.BACKFILLED] * 5
    assert [e.effective_date for e in events] == sorted(e.effective_date for e in events)
    assert c.next_due == add_working_days(D(2024, 3, 4), 60)
    # Dates out of order in a back-fill are refused like any other step, and nothing is saved.
    bad = step_data(D(2024, 1, 8), helper=helpers[0])
    bad["cell_vote_date"] = D(2024, 2, 1)  # before the verification of 26/02
    before = Candidate.objects.count()
    with pytest.raises(ValidationError):
        services.candidate_backfill(
            person_fields=person_fields(),
            cell=tree.CXA,
            source_kind="school",
            source_date=D(2024, 1, 8),
            stage=Stage.CELL_VOTE,
            data=bad,
            user=users.district_x,
        )
    assert Candidate.objects.count() == before


def test_creating_in_a_cell_outside_scope_is_refused(tree, users):
    with pytest.raises(ValidationError, match="phạm vi"):
        services.candidate_create(
            person_fields=person_fields(),
            cell=tree.CYA,
            source_kind="school",
            effective_date=D(2024, 1, 8),
            user=users.secretary_a,
        )
    with pytest.raises(ValidationError, match="chi bộ"):
        services.candidate_create(
            person_fields=person_fields(),
            cell=tree.GX,
            source_kind="school",
            effective_date=D(2024, 1, 8),
            user=users.grassroots,
        )


def test_probationary_member_not_recognised_is_struck_off(tree, users):
    c = candidate_at(tree.CXA, Stage.DECISION, decided_by=tree.X)
    c = advance(c, Stage.PROBATIONARY, users.secretary_a, ceremony_date=D(2024, 4, 20))
    with pytest.raises(PermissionDenied, match="không có quyền"):
        services.candidate_strike_off(
            c.pk, effective_date=D(2025, 5, 10), reason="Vi phạm tư cách", user=users.secretary_a
        )
    c = services.candidate_strike_off(
        c.pk, effective_date=D(2025, 5, 10), reason="Vi phạm tư cách", user=users.district_x
    )
    c.membership.refresh_from_db()
    assert c.stage == Stage.STRUCK_OFF and c.membership.status == Status.STRUCK_OFF and c.next_due is None
    assert c.events.last().kind == EventKind.STRUCK_OFF


def test_an_old_certificate_does_not_open_the_door_to_earlier_dates(tree, users):
    c = candidate_at(tree.CXA, Stage.CULTIVATION)  # on the list from 15/01/2024
    c = advance(
        c, Stage.COURSE, users.secretary_a, certificate_number="9", certificate_date=D(2022, 5, 4)
    )  # course taken before
    with pytest.raises(ValidationError, match="thứ tự thời gian"):
        advance(
            c,
            Stage.DOSSIER,
            users.secretary_a,
            form1_date=D(2024, 1, 2),
            form2_date=D(2024, 1, 2),
            introduction="youth_union",
            form3_date=D(2024, 1, 3),
            form5_date=D(2024, 1, 4),
        )
