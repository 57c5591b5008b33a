"""``for_user`` on every model that hangs off the tree (one base, ``ScopedQuerySet``): a user whose
subtree holds the row sees it, a user of the other district does not, nor does an anonymous one."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser

from candidates.models import CandidateEvent, CriterionCheck, LocalCriterion, Stage
from followup.models import Assignment, CheckAction, CommitteeMember, EvaluationRating, MonthlyCheck
from followup.services import assignment_create, check_save, rating_record
from members.models import EventKind, Membership, MembershipEvent, MembershipPeriod, Person, Proposal
from members.quotas.models import Quota, QuotaChange
from members.quotas.services import quota_set
from members.services import proposal_create
from organizations.models import Role, ScopedQuerySet
from organizations.selectors import visible_uploads
from partydev.models import Upload
from tests.candidates.factories import candidate_at
from tests.fixtures import make_user
from tests.members.factories import official

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2023, 3, 1)


@pytest.fixture
def rows(tree, users):
    m = official(tree.CXA)
    proposal_create(m, kind=EventKind.DIED, proposed_on=D(2021, 1, 1), user=users.secretary_a)
    quota_set(organization=tree.GX, year=2024, target=5, user=users.district_x)
    c = candidate_at(tree.CXA, Stage.SOURCE)
    criterion = LocalCriterion.objects.create(organization=tree.X, label="Tiêu chí riêng")
    CriterionCheck.objects.create(candidate=c, criterion=criterion, met_on=D(2024, 2, 1))
    assignee = make_user("cuv_x", Role.Kind.DISTRICT_STAFF, tree.X)
    member = CommitteeMember.objects.create(user=assignee, committee=tree.X, full_name="Bùi Văn Thắng")
    a = assignment_create(actor=users.district_x, committee_member=member, organization=tree.GX, start=D(2022, 1, 1))
    check_save(
        actor=assignee,
        assignment=a,
        month=D(2022, 7, 1),
        checked_on=D(2022, 7, 10),
        reviewed="Sổ nguồn",
        findings="Chậm",
        actions=[{"description": "Rà soát nguồn", "owner": "Bí thư chi bộ", "due_date": D(2022, 8, 1)}],
        today=TODAY,
    )
    rating_record(actor=users.district_x, organization=tree.GX, year=2022, level="good", today=TODAY)
    return m


MODELS = [
    Person,
    Membership,
    MembershipEvent,
    MembershipPeriod,
    Proposal,
    Quota,
    QuotaChange,
    CandidateEvent,
    LocalCriterion,
    CriterionCheck,
    CommitteeMember,
    Assignment,
    MonthlyCheck,
    CheckAction,
    EvaluationRating,
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_for_user_inside_and_outside(model, rows, users):
    assert isinstance(model.objects.all(), ScopedQuerySet)
    scoped_rows = model.objects.filter(membership__isnull=False) if model is Person else model.objects.all()
    everything = set(scoped_rows.values_list("pk", flat=True))  # a candidate's person is read through Candidate
    assert everything, f"the fixture makes no {model.__name__}"
    assert set(model.objects.for_user(users.district_x).values_list("pk", flat=True)) == everything
    assert set(model.objects.for_user(users.province).values_list("pk", flat=True)) == everything
    assert not model.objects.for_user(users.district_y).exists()
    assert not model.objects.for_user(AnonymousUser()).exists()


def test_an_assignee_sees_their_own_assignment_and_checks_wherever_they_sit(tree, rows):
    elsewhere = make_user("cuv_elsewhere", Role.Kind.DISTRICT_STAFF, tree.Y)
    CommitteeMember.objects.update(user=elsewhere)
    assert Assignment.objects.for_user(elsewhere).count() == 1
    assert MonthlyCheck.objects.for_user(elsewhere).count() == 1


def test_uploads_in_scope_and_files_with_personal_data_only_for_readers(tree, users):
    def upload(kind, scope, user):
        return Upload.objects.create(
            kind=kind, scope=scope, original_name="x.xlsx", size=1, sha256="0" * 64, uploaded_by=user
        )

    register = upload("members", tree.X, users.district_x)
    own = upload("members", tree.P, users.province)
    assert set(visible_uploads(users.district_x, personal_data=True)) == {register}
    assert not visible_uploads(users.district_y, personal_data=True).exists()
    # The provincial office reads counts, not national IDs: only the register it uploaded itself.
    assert set(visible_uploads(users.province, personal_data=True)) == {own}
    assert set(visible_uploads(users.province, personal_data=False)) == {register, own}
