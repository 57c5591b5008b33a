import datetime

import pytest

from followup.digests import followup_digest_for
from followup.models import CheckAction
from tests.followup.factories import AssignmentFactory, MonthlyCheckFactory

pytestmark = pytest.mark.django_db
D = datetime.date
TODAY = D(2022, 7, 10)


def test_assignee_gets_due_missing_months_and_overdue_actions(
    tree, users, committee_member, django_assert_max_num_queries
):
    a = AssignmentFactory(committee_member=committee_member, organization=tree.GX, start=D(2022, 5, 1))
    check = MonthlyCheckFactory(assignment=a, month=D(2022, 5, 1))
    CheckAction.objects.create(check_record=check, description="Rà soát nguồn", owner="Bí thư", due_date=D(2022, 6, 30))
    CheckAction.objects.create(
        check_record=check, description="Đã xong", owner="Bí thư", due_date=D(2022, 6, 1), done_on=D(2022, 6, 1)
    )
    CheckAction.objects.create(check_record=check, description="Chưa đến hạn", owner="Bí thư", due_date=D(2022, 7, 30))
    with django_assert_max_num_queries(6):
        digest = followup_digest_for(committee_member.user, TODAY)
        lines = digest.lines()
    assert lines[0] == "Đến hạn kiểm tra tháng 07/2022: Đảng bộ xã Ân Nghĩa."
    assert lines[1] == "Chưa kiểm tra Đảng bộ xã Ân Nghĩa các tháng 06/2022."
    assert lines[2].startswith("Việc quá hạn (Đảng bộ xã Ân Nghĩa): Rà soát nguồn — Bí thư, hạn 30/06/2022.")
    assert len(lines) == 3  # their own assignment is not repeated as "in scope"

    staff = followup_digest_for(users.district_x, TODAY)
    assert staff.lines() == ["Trong phạm vi quản lý: 1 phân công còn tháng chưa được kiểm tra."]
    assert not followup_digest_for(users.district_y, TODAY)
    assert followup_digest_for(users.secretary_a, TODAY).text() == ""


def test_send_digests_carries_the_follow_up_section(tree, users, committee_member):
    from django.core import mail
    from django.core.management import call_command
    from django.utils import timezone

    today = timezone.localdate()
    AssignmentFactory(committee_member=committee_member, organization=tree.GX, start=today.replace(day=1))
    committee_member.user.email = "cuv@example.org"
    committee_member.user.save()
    call_command("send_digests", stdout=open("/dev/null", "w"))
    (message,) = mail.outbox
    assert message.to == ["cuv@example.org"]
    assert "Theo dõi, kiểm tra công tác phát triển đảng viên" in message.body
    assert f"Đến hạn kiểm tra tháng {today:%m/%Y}: Đảng bộ xã Ân Nghĩa." in message.body
