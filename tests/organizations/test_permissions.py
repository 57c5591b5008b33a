"""Each capability of ``organizations.permissions``, through the service that checks it: a user who
has it writes, one who does not gets ``PermissionDenied`` and nothing is written."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied

from candidates import calendar
from candidates import services as candidate_services
from candidates.models import CandidateEvent, Stage
from documents.services import template_revert
from followup.models import Assignment, CommitteeMember, EvaluationRating, MonthlyCheck
from followup.models import Level as RatingLevel
from followup.services import assignment_create, assignment_end, check_save, rating_record
from members.models import EventKind, MembershipEvent, Person, Proposal
from members.quotas.models import Quota
from members.quotas.services import quota_set, quotas_bulk_set, upload_scope
from members.services import membership_record_event, person_update, proposal_create, proposal_reject
from organizations import permissions
from organizations.models import Organization, Role, TreeOperation
from organizations.restructure import decision_new, org_rename
from partydev.models import CalendarDay
from tests.candidates.factories import candidate_at
from tests.fixtures import make_user
from tests.members.factories import official

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2023, 3, 1)


def denied(fn, *args, **kwargs):
    with pytest.raises(PermissionDenied) as exc:
        fn(*args, **kwargs)
    assert str(exc.value)  # a Vietnamese message, never an empty 403
    return exc.value


# --- the pipeline ----------------------------------------------------------------------------------


def test_may_work_in_cell(tree, users):
    c = candidate_at(tree.CXA, Stage.SOURCE)
    args = dict(effective_date=D(2024, 2, 1), reason="Chuyển công tác")
    denied(candidate_services.candidate_drop, c.pk, user=users.secretary_b, **args)
    assert not CandidateEvent.objects.filter(candidate=c, kind="dropped").exists()
    candidate_services.candidate_drop(c.pk, user=users.secretary_a, **args)
    assert CandidateEvent.objects.filter(candidate=c, kind="dropped").exists()


def test_may_do_committee_work(tree, users):
    c = candidate_at(tree.CXA, Stage.DOSSIER)
    data = dict(
        verification_result="clear",
        verification_date=D(2024, 3, 1),
        verification_subjects={"applicant": "verified", "guardian": "verified"},
    )
    denied(candidate_services.candidate_advance, c.pk, Stage.VERIFICATION, data=data, user=users.secretary_a)
    c.refresh_from_db()
    assert c.stage == Stage.DOSSIER
    c = candidate_services.candidate_advance(c.pk, Stage.VERIFICATION, data=data, user=users.grassroots)
    assert c.stage == Stage.VERIFICATION


def test_may_decide_admission(tree, users):
    c = candidate_at(tree.CXA, Stage.COMMITTEE_VOTE)
    data = dict(decision_number="1", decision_date=D(2024, 3, 20), decided_by=tree.X)
    denied(candidate_services.candidate_advance, c.pk, Stage.DECISION, data=data, user=users.grassroots)
    c.refresh_from_db()
    assert c.stage == Stage.COMMITTEE_VOTE
    c = candidate_services.candidate_advance(c.pk, Stage.DECISION, data=data, user=users.district_x)
    assert c.stage == Stage.DECISION
    assert permissions.may_decide_admission(users.grassroots, tree.CXA, decided_by=tree.GX)  # authorised committee


def test_may_override_rule(tree, users):
    c = candidate_at(tree.CXA, Stage.VERIFICATION, date_of_birth=D(2006, 4, 1))  # 17 at the vote
    vote = dict(cell_vote_date=D(2024, 3, 20), cell_present=9, cell_total=9, cell_votes_for=9)
    reason = "Văn bản đồng ý số 12 của Ban Thường vụ"
    with pytest.raises(candidate_services.RuleFailed) as exc:
        candidate_services.candidate_advance(
            c.pk, Stage.CELL_VOTE, data=vote, user=users.secretary_a, override_reason=reason
        )
    assert not exc.value.can_override
    assert not permissions.may_override_rule(users.secretary_a, tree.CXA)
    c = candidate_services.candidate_advance(
        c.pk, Stage.CELL_VOTE, data=vote, user=users.district_x, override_reason=reason
    )
    assert c.events.last().override_reason == reason


# --- the members register --------------------------------------------------------------------------


def test_may_record_member_event(tree, users):
    m = official(tree.CXA)
    args = dict(kind=EventKind.WARNED, effective_date=D(2021, 1, 1), reason="Vi phạm", decision_number="5-QĐ")
    denied(membership_record_event, m, user=users.grassroots, **args)
    assert not MembershipEvent.objects.filter(membership=m, kind=EventKind.WARNED).exists()
    membership_record_event(m, user=users.district_x, **args)
    assert MembershipEvent.objects.filter(membership=m, kind=EventKind.WARNED).exists()


def test_may_record_member_event_rejects_a_proposal(tree, users):
    m = official(tree.CXA)
    p = proposal_create(m, kind=EventKind.DIED, proposed_on=D(2021, 1, 1), user=users.secretary_a)
    denied(proposal_reject, p, user=users.secretary_a)
    p.refresh_from_db()
    assert p.state == Proposal.State.PENDING
    assert proposal_reject(p, user=users.district_x).state == Proposal.State.REJECTED


def test_may_propose_member_event(tree, users):
    m = official(tree.CXA)
    args = dict(kind=EventKind.DIED, proposed_on=D(2021, 1, 1))
    denied(proposal_create, m, user=users.district_x, **args)
    assert not Proposal.objects.exists()
    assert proposal_create(m, user=users.secretary_a, **args).state == Proposal.State.PENDING


def test_may_edit_person(tree, users):
    m = official(tree.CXA)
    denied(person_update, m.person, fields={"ethnicity": "tay"}, user=users.province)  # reads counts only
    assert Person.objects.get(pk=m.person.pk).ethnicity == "muong"
    person_update(m.person, fields={"ethnicity": "tay"}, user=users.secretary_a)
    assert Person.objects.get(pk=m.person.pk).ethnicity == "tay"


# --- quotas ------------------------------------------------------------------------------------------


def test_may_set_quota(tree, users):
    denied(quota_set, organization=tree.GX, year=2024, target=5, user=users.grassroots)  # its own level
    assert not Quota.objects.exists()
    quota_set(organization=tree.GX, year=2024, target=5, user=users.district_x)
    assert Quota.objects.get().target == 5


def test_may_upload_quotas(tree, users):
    entries = [dict(organization_id=tree.CXA.pk, year=2024, target=2, quota=None)]
    denied(upload_scope, users.grassroots)
    denied(quotas_bulk_set, entries, user=users.grassroots)
    assert not Quota.objects.exists()
    assert upload_scope(users.district_x) == tree.X
    quotas_bulk_set(entries, user=users.district_x)
    assert Quota.objects.get().target == 2


# --- the province's settings ---------------------------------------------------------------------------


def test_may_edit_calendar(tree, users):
    args = dict(date=D(2031, 3, 12), kind="day_off", decree_number="99/TB-VPCP")
    denied(calendar.calendar_day_declare, user=users.district_x, **args)
    assert not CalendarDay.objects.exists()
    calendar.calendar_day_declare(user=users.province, **args)
    assert CalendarDay.objects.get().date == D(2031, 3, 12)


def test_may_edit_templates(tree, users):
    denied(template_revert, kind_key="decision", user=users.district_x)
    assert permissions.may_edit_templates(users.province) and not permissions.may_edit_templates(users.district_x)


def test_may_restructure(tree, users):
    common = dict(name="Tên mới", decision=decision_new(number="01-QĐ/TU", date=D(2025, 7, 1), issued_by=tree.P))
    denied(org_rename, tree.GX, user=users.district_x, effective_date=D(2025, 7, 1), **common)
    assert not TreeOperation.objects.exists()
    org_rename(tree.GX, user=users.province, effective_date=D(2025, 7, 1), **common)
    assert Organization.objects.get(pk=tree.GX.pk).name == "Tên mới"


# --- the follow-up -----------------------------------------------------------------------------------------


@pytest.fixture
def assignment(tree, users):
    member = CommitteeMember.objects.create(
        user=make_user("cuv_x", Role.Kind.DISTRICT_STAFF, tree.X), committee=tree.X, full_name="Bùi Văn Thắng"
    )
    return assignment_create(actor=users.district_x, committee_member=member, organization=tree.GX, start=D(2022, 1, 1))


def test_may_manage_followup(tree, users, assignment):
    denied(assignment_end, actor=users.grassroots, assignment=assignment, end=D(2022, 6, 30))
    assert Assignment.objects.get().end is None
    assignment_end(actor=users.district_x, assignment=assignment, end=D(2022, 6, 30))
    assert Assignment.objects.get().end == D(2022, 6, 30)


def test_may_rate_year(tree, users):
    args = dict(year=2022, level=RatingLevel.GOOD, today=TODAY)
    denied(rating_record, actor=users.district_x, organization=tree.X, **args)  # not itself
    assert not EvaluationRating.objects.exists()
    rating_record(actor=users.district_x, organization=tree.GX, **args)
    assert EvaluationRating.objects.get().organization == tree.GX


def test_may_record_check(tree, users, assignment):
    args = dict(
        assignment=assignment,
        month=D(2022, 7, 1),
        checked_on=D(2022, 7, 10),
        reviewed="Sổ nguồn",
        findings="Chậm",
        actions=(),
        today=TODAY,
    )
    denied(check_save, actor=users.district_x, **args)  # a manager, not the assignee
    assert not MonthlyCheck.objects.exists()
    check_save(actor=assignment.committee_member.user, **args)
    assert MonthlyCheck.objects.count() == 1


# --- the helpers -------------------------------------------------------------------------------------------


def test_require_refuses_none_and_require_unless_system_allows_it(tree, users):
    denied(permissions.require, None, permissions.may_set_quota, tree.GX)
    permissions.require_unless_system(None, permissions.may_set_quota, tree.GX)
    permissions.require(users.district_x, permissions.may_set_quota, tree.GX)
    assert "quản trị" in denied(permissions.require, users.district_x, permissions.may_edit_calendar).args[0]
