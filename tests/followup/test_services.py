import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from followup.models import Assignment, CheckAction, EvaluationRating, Level, MonthlyCheck
from followup.services import (
    action_mark_done,
    assignment_create,
    assignment_end,
    check_save,
    committee_member_create,
    rating_record,
    thresholds_update,
)
from organizations.models import Role
from tests.fixtures import make_user

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2022, 7, 15)


def messages(excinfo):
    return " ".join(excinfo.value.messages)


def test_district_staff_assign_a_member_of_their_committee(tree, users, committee_member):
    a = assignment_create(
        actor=users.district_x, committee_member=committee_member, organization=tree.GX, start=D(2022, 1, 1)
    )
    assert a.created_by == users.district_x and a.end is None
    ended = assignment_end(actor=users.district_x, assignment=a, end=D(2022, 6, 30))
    assert ended.end == D(2022, 6, 30) and ended.ended_by == users.district_x
    # The ended assignment stays as history; a new one may follow it.
    assignment_create(
        actor=users.district_x, committee_member=committee_member, organization=tree.GX, start=D(2022, 7, 1)
    )
    assert Assignment.objects.filter(committee_member=committee_member).count() == 2


def test_assignment_outside_scope_is_refused(tree, users, committee_member, member_y):
    with pytest.raises(ValidationError) as e:
        assignment_create(
            actor=users.district_x, committee_member=committee_member, organization=tree.GY, start=D(2022, 1, 1)
        )
    assert "ngoài phạm vi" in messages(e)
    with pytest.raises(ValidationError) as e:  # someone else's district, their committee member
        assignment_create(actor=users.district_x, committee_member=member_y, organization=tree.GY, start=D(2022, 1, 1))
    assert "ngoài phạm vi" in messages(e)
    with pytest.raises(ValidationError):  # grassroots staff do not manage assignments
        assignment_create(
            actor=users.grassroots, committee_member=committee_member, organization=tree.CXA, start=D(2022, 1, 1)
        )
    with pytest.raises(ValidationError) as e:  # the province may, but not outside the member's committee
        assignment_create(
            actor=users.province, committee_member=committee_member, organization=tree.GY, start=D(2022, 1, 1)
        )
    assert "không thuộc Huyện Lạc Sơn" in messages(e)
    assert not Assignment.objects.exists()


@pytest.mark.parametrize(
    "start,end,clashes",
    [
        (D(2022, 6, 30), None, True),  # starts on the last day of the first one
        (D(2021, 1, 1), D(2022, 1, 1), True),  # ends on its first day
        (D(2021, 1, 1), D(2021, 12, 31), False),
        (D(2022, 7, 1), None, False),
    ],
)
def test_overlapping_assignments_of_the_same_person_and_organisation(
    tree, users, committee_member, start, end, clashes
):
    assignment_create(
        actor=users.district_x,
        committee_member=committee_member,
        organization=tree.GX,
        start=D(2022, 1, 1),
        end=D(2022, 6, 30),
    )
    if clashes:
        with pytest.raises(ValidationError) as e:
            assignment_create(
                actor=users.district_x, committee_member=committee_member, organization=tree.GX, start=start, end=end
            )
        assert "không được trùng nhau" in messages(e) and "01/01/2022" in messages(e)
        assert Assignment.objects.count() == 1
    else:
        assignment_create(
            actor=users.district_x, committee_member=committee_member, organization=tree.GX, start=start, end=end
        )
        assert Assignment.objects.count() == 2


def test_the_same_dates_for_another_organisation_are_fine(tree, users, committee_member):
    assignment_create(
        actor=users.district_x, committee_member=committee_member, organization=tree.GX, start=D(2022, 1, 1)
    )
    assignment_create(
        actor=users.district_x, committee_member=committee_member, organization=tree.GXC, start=D(2022, 1, 1)
    )
    assert Assignment.objects.count() == 2


def test_committee_member_profile_only_within_scope(tree, users):
    user = make_user("new_member", Role.Kind.GRASSROOTS_STAFF, tree.GX)  # an account of X's area (issue 15)
    with pytest.raises(ValidationError):
        committee_member_create(actor=users.district_x, user=user, committee=tree.Y, full_name="Hà Văn Nam")
    member = committee_member_create(actor=users.district_x, user=user, committee=tree.X, full_name=" Hà Văn Nam ")
    assert member.full_name == "Hà Văn Nam" and member.position == "Cấp ủy viên"
    with pytest.raises(ValidationError) as e:
        committee_member_create(actor=users.district_x, user=user, committee=tree.X, full_name="Hà Văn Nam")
    assert "đã là cấp ủy viên" in messages(e)


@pytest.fixture
def assignment(tree, users, committee_member):
    return assignment_create(
        actor=users.district_x, committee_member=committee_member, organization=tree.GX, start=D(2022, 1, 1)
    )


def save(assignment, month=D(2022, 7, 1), actions=(), **kw):
    values = {"checked_on": D(2022, 7, 10), "reviewed": "Sổ nguồn", "findings": "Chậm", "today": TODAY, **kw}
    return check_save(
        actor=assignment.committee_member.user, assignment=assignment, month=month, actions=actions, **values
    )


def test_check_with_actions_is_saved_and_completed_later(assignment):
    check = save(
        assignment, actions=[{"description": "Rà soát nguồn", "owner": "Bí thư chi bộ", "due_date": D(2022, 8, 1)}]
    )
    assert check.recorded_by == assignment.committee_member.user
    assert list(check.actions.values_list("owner", flat=True)) == ["Bí thư chi bộ"]
    again = save(
        assignment,
        findings="Đã khắc phục",
        actions=[{"description": "Họp chi bộ", "owner": "Phó bí thư", "due_date": D(2022, 8, 5)}],
    )
    assert again.pk == check.pk and again.findings == "Đã khắc phục"
    assert MonthlyCheck.objects.count() == 1 and CheckAction.objects.count() == 2


def test_check_for_a_future_month_saves_nothing(assignment):
    with pytest.raises(ValidationError) as e:
        save(assignment, month=D(2022, 8, 1), checked_on=D(2022, 7, 10))
    assert "08/2022 chưa đến" in messages(e)
    assert not MonthlyCheck.objects.exists()


def test_the_current_month_may_be_checked(assignment):
    assert save(assignment, month=D(2022, 7, 1)).month == D(2022, 7, 1)


def test_an_action_with_no_owner_saves_nothing(assignment):
    actions = [
        {"description": "Rà soát nguồn", "owner": "Bí thư", "due_date": D(2022, 8, 1)},
        {"description": "Mở lớp bồi dưỡng", "owner": "  ", "due_date": D(2022, 8, 1)},
    ]
    with pytest.raises(ValidationError) as e:
        save(assignment, actions=actions)
    assert "Việc cần làm thứ 2: chưa có người chịu trách nhiệm." in e.value.messages
    assert not MonthlyCheck.objects.exists() and not CheckAction.objects.exists()


def test_check_outside_the_assignment_or_by_someone_else(assignment, users):
    with pytest.raises(ValidationError) as e:
        save(assignment, month=D(2021, 12, 1), checked_on=D(2021, 12, 20))
    assert "ngoài thời gian phân công" in messages(e)
    with pytest.raises(PermissionDenied):  # not the assignee
        check_save(
            actor=users.district_x,
            assignment=assignment,
            month=D(2022, 7, 1),
            checked_on=D(2022, 7, 10),
            reviewed="x",
            findings="y",
            today=TODAY,
        )
    assert not MonthlyCheck.objects.exists()


def test_ending_before_recorded_checks_is_refused(assignment, users):
    save(assignment, month=D(2022, 7, 1))
    with pytest.raises(ValidationError):
        assignment_end(actor=users.district_x, assignment=assignment, end=D(2022, 5, 31))
    assignment.refresh_from_db()
    assert assignment.end is None


def test_action_done(assignment):
    check = save(assignment, actions=[{"description": "Rà soát", "owner": "Bí thư", "due_date": D(2022, 8, 1)}])
    action = check.actions.get()
    action_mark_done(actor=assignment.committee_member.user, action=action, done_on=D(2022, 7, 14), today=TODAY)
    action.refresh_from_db()
    assert action.done_on == D(2022, 7, 14)


def test_thresholds_must_be_ordered_and_set_by_the_province(tree, users):
    with pytest.raises(PermissionDenied):
        thresholds_update(
            actor=users.district_x,
            province=tree.P,
            excellent_rate=100,
            good_rate=80,
            completed_rate=50,
            excellent_max_missed=0,
            excellent_needs_all_checks=True,
        )
    with pytest.raises(ValidationError) as e:
        thresholds_update(
            actor=users.province,
            province=tree.P,
            excellent_rate=70,
            good_rate=80,
            completed_rate=50,
            excellent_max_missed=0,
            excellent_needs_all_checks=True,
        )
    assert "giảm dần" in messages(e)
    t = thresholds_update(
        actor=users.province,
        province=tree.P,
        excellent_rate=110,
        good_rate=90,
        completed_rate=60,
        excellent_max_missed=1,
        excellent_needs_all_checks=False,
    )
    assert t.updated_by == users.province and t.good_rate == 90


def test_rating_is_recorded_with_its_author_by_the_committee_above(tree, users):
    with pytest.raises(PermissionDenied):  # a district does not rate itself
        rating_record(actor=users.district_x, organization=tree.X, year=2021, level=Level.GOOD, today=TODAY)
    with pytest.raises(PermissionDenied):
        rating_record(actor=users.district_x, organization=tree.GY, year=2021, level=Level.GOOD, today=TODAY)
    r1 = rating_record(
        actor=users.district_x,
        organization=tree.GX,
        year=2021,
        level=Level.GOOD,
        proposed_level=Level.EXCELLENT,
        today=TODAY,
    )
    r2 = rating_record(actor=users.province, organization=tree.X, year=2021, level=Level.COMPLETED, today=TODAY)
    assert (r1.rated_by, r2.rated_by) == (users.district_x, users.province)
    assert EvaluationRating.objects.count() == 2
