import datetime

import pytest
from django.utils import timezone

from followup.models import Assignment, CheckAction, CommitteeMember, MonthlyCheck
from followup.months import month_start
from organizations.models import Role
from tests.fixtures import make_user
from tests.followup.factories import AssignmentFactory, MonthlyCheckFactory, admit

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def assignment(tree, committee_member):
    return AssignmentFactory(committee_member=committee_member, organization=tree.GX, start=D(2022, 1, 1))


def this_month():
    return month_start(timezone.localdate())


def test_pages_need_login(client, assignment):
    for url in (
        "/followup/",
        "/followup/assignments/",
        f"/followup/assignments/{assignment.pk}/",
        f"/followup/assignments/{assignment.pk}/2022-07/",
        "/followup/evaluation/T/",
        "/followup/lists/T/",
    ):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_out_of_scope_is_404(tree, users, assignment, login):
    client = login(users.district_y)
    assert client.get(f"/followup/assignments/{assignment.pk}/").status_code == 404
    assert client.get(f"/followup/assignments/{assignment.pk}/2022-07/").status_code == 404
    assert (
        client.post(f"/followup/assignments/{assignment.pk}/2022-07/", {"checked_on": "2022-07-10"}).status_code == 404
    )
    assert client.get("/followup/assignments/?org=T.X").status_code == 404
    assert "Đảng bộ xã Ân Nghĩa" not in client.get("/followup/assignments/").content.decode()
    # Cell secretaries do not manage assignments.
    assert login(users.secretary_a).get("/followup/assignments/").status_code == 403  # in scope, not their role


def test_staff_inside_see_the_assignment_and_its_missing_months(tree, users, assignment, login):
    MonthlyCheckFactory(assignment=assignment, month=D(2022, 1, 1))
    client = login(users.district_x)
    html = client.get(f"/followup/assignments/{assignment.pk}/").content.decode()
    assert "Đã kiểm tra" in html and "02/2022" in html and "Chưa kiểm tra" in html
    home = client.get("/followup/").content.decode()
    assert 'data-testid="lagging"' in home and "Bùi Văn Thắng" in home
    ended = AssignmentFactory(
        committee_member=assignment.committee_member, organization=tree.GXC, start=D(2021, 1, 1), end=D(2021, 12, 31)
    )
    MonthlyCheckFactory(assignment=ended, month=D(2021, 5, 1))
    past = client.get("/followup/?year=2021").content.decode()
    assert "Chi bộ Trường THPT Lạc Sơn" in past and "01/2021" in past and "05/2021" not in past
    assert "Chi bộ Trường THPT Lạc Sơn" not in client.get("/followup/?year=2022").content.decode()
    # The province sees it too; the assignee sees their own months.
    assert login(users.province).get(f"/followup/assignments/{assignment.pk}/").status_code == 200
    mine = login(assignment.committee_member.user).get("/followup/").content.decode()
    assert 'data-testid="my-assignments"' in mine and "02/2022" in mine


def test_district_staff_add_a_committee_member_and_assign_them(tree, users, login):
    make_user("hoang_ba_tuan", Role.Kind.GRASSROOTS_STAFF, tree.GX)  # an account of X's area (issue 15)
    client = login(users.district_x)
    own = admit(tree.CXA, D(2015, 3, 2))
    elsewhere = admit(tree.CYA, D(2015, 3, 2))
    fields = {
        "m-username": "hoang_ba_tuan",
        "m-full_name": "Hoàng Bá Tuấn",
        "m-committee": "T.X",
        "m-position": "Ủy viên BTV",
    }
    r = client.post("/followup/assignments/", {**fields, "m-national_id": elsewhere.person.national_id})
    assert "Không có đảng viên có số CCCD" in r.content.decode() and not CommitteeMember.objects.exists()
    r = client.post("/followup/assignments/", {**fields, "m-national_id": own.person.national_id})
    assert r.status_code == 302
    member = CommitteeMember.objects.get(full_name="Hoàng Bá Tuấn")
    assert member.membership == own
    r = client.post(
        "/followup/assignments/", {"a-committee_member": member.pk, "a-organization": "T.X.1", "a-start": "2022-01-01"}
    )
    assert r.status_code == 302
    # Overlapping, and out of scope: a clear message, nothing saved.
    r = client.post(
        "/followup/assignments/", {"a-committee_member": member.pk, "a-organization": "T.X.1", "a-start": "2022-03-01"}
    )
    assert "không được trùng nhau" in r.content.decode()
    r = client.post(
        "/followup/assignments/", {"a-committee_member": member.pk, "a-organization": "T.Y.1", "a-start": "2022-03-01"}
    )
    assert "Không có tổ chức mã “T.Y.1” trong phạm vi của bạn." in r.content.decode()
    assert Assignment.objects.count() == 1
    listing = client.get("/followup/assignments/?org=T.X.1").content.decode()
    assert "Hoàng Bá Tuấn" in listing


def test_ending_an_assignment_keeps_it_in_the_history(tree, users, assignment, login):
    client = login(users.district_x)
    r = client.post(f"/followup/assignments/{assignment.pk}/", {"e-end": "2022-06-30"})
    assert r.status_code == 302
    assignment.refresh_from_db()
    assert assignment.end == D(2022, 6, 30) and assignment.ended_by == users.district_x
    assert "30/06/2022" in client.get("/followup/assignments/").content.decode()


def test_the_check_page_opens_with_the_facts_and_saves(tree, assignment, login):
    admit(tree.CXA, D(2022, 7, 4))
    client = login(assignment.committee_member.user)
    page = client.get(f"/followup/assignments/{assignment.pk}/2022-07/").content.decode()
    assert 'data-testid="fact-admissions">1<' in page
    r = client.post(
        f"/followup/assignments/{assignment.pk}/2022-07/",
        {
            "checked_on": "2022-07-25",
            "reviewed": "Sổ theo dõi",
            "findings": "Tốt",
            "action_1_description": "Mở lớp cảm tình Đảng",
            "action_1_owner": "Bí thư Đoàn",
            "action_1_due": "2022-08-30",
        },
    )
    assert r.status_code == 302
    check = MonthlyCheck.objects.get()
    assert check.facts["admissions"] == 1 and check.actions.get().owner == "Bí thư Đoàn"


def test_the_check_page_refuses_bad_input_and_keeps_nothing(tree, assignment, login):
    client = login(assignment.committee_member.user)
    r = client.post(
        f"/followup/assignments/{assignment.pk}/2022-07/",
        {
            "checked_on": "2022-07-25",
            "reviewed": "Sổ theo dõi",
            "findings": "Tốt",
            "action_1_description": "Mở lớp",
            "action_1_due": "2022-08-30",
        },
    )
    assert r.status_code == 200 and "Việc cần làm thứ 1: chưa có người chịu trách nhiệm." in r.content.decode()
    future = (this_month() + datetime.timedelta(days=40)).strftime("%Y-%m")
    r = client.post(
        f"/followup/assignments/{assignment.pk}/{future}/",
        {"checked_on": "2022-07-25", "reviewed": "x", "findings": "y"},
    )
    assert "chưa đến" in r.content.decode()
    assert not MonthlyCheck.objects.exists() and not CheckAction.objects.exists()
    assert client.get(f"/followup/assignments/{assignment.pk}/2022-13/").status_code == 404


def test_staff_read_the_check_but_only_the_assignee_writes_it(tree, users, assignment, login):
    MonthlyCheckFactory(assignment=assignment, month=D(2022, 7, 1), findings="Nguồn còn mỏng")
    client = login(users.district_x)
    html = client.get(f"/followup/assignments/{assignment.pk}/2022-07/").content.decode()
    assert "Nguồn còn mỏng" in html and 'data-testid="check-form"' not in html
    assert (
        client.post(
            f"/followup/assignments/{assignment.pk}/2022-07/",
            {"checked_on": "2022-07-25", "reviewed": "x", "findings": "y"},
        ).status_code
        == 403
    )


def test_marking_an_action_done(tree, assignment, login):
    check = MonthlyCheckFactory(assignment=assignment, month=D(2022, 7, 1))
    action = CheckAction.objects.create(
        check_record=check, description="Rà soát", owner="Bí thư", due_date=D(2022, 8, 1)
    )
    client = login(assignment.committee_member.user)
    r = client.post(f"/followup/actions/{action.pk}/done/", {"done_on": "2022-07-30"})
    assert r.status_code == 302
    action.refresh_from_db()
    assert action.done_on == D(2022, 7, 30)


def _many(tree, committee_member, n):
    for i in range(n):
        a = AssignmentFactory(
            committee_member=committee_member, organization=tree.GXC, start=D(2000 + i, 1, 1), end=D(2000 + i, 12, 31)
        )
        MonthlyCheckFactory(assignment=a, month=D(2000 + i, 3, 1))
    return AssignmentFactory(committee_member=committee_member, organization=tree.GX, start=D(2022, 1, 1))


@pytest.mark.parametrize("url", ["/followup/", "/followup/assignments/", "assignment", "check"])
def test_query_counts_do_not_grow_with_the_data(tree, users, committee_member, login, django_assert_num_queries, url):
    small = _many(tree, committee_member, 1)
    client = login(committee_member.user)

    def target(a):
        return {"assignment": f"/followup/assignments/{a.pk}/", "check": f"/followup/assignments/{a.pk}/2022-07/"}.get(
            url, url
        )

    client.get(target(small))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(target(small))
    big = _many(tree, committee_member, 12)
    for a in Assignment.objects.filter(organization=tree.GX):
        MonthlyCheckFactory(assignment=a, month=D(2022, 2, 1))
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(target(big))
