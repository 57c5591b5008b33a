import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from followup.models import Assignment, CheckAction, CommitteeMember, MonthlyCheck
from organizations.models import Role
from tests.browser.login import log_in
from tests.fixtures import PASSWORD, build_small_province, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_committee_member_records_the_months_check(live_server, page, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    tree = build_small_province()
    user = make_user("capuy_test", Role.Kind.DISTRICT_STAFF, tree.X)
    member = CommitteeMember.objects.create(user=user, committee=tree.X, full_name="Bùi Văn Thắng")
    today = timezone.localdate()
    Assignment.objects.create(committee_member=member, organization=tree.GX, start=today.replace(day=1))
    month = f"{today:%m/%Y}"

    log_in(page, live_server, "capuy_test", PASSWORD, next_url="/followup/")
    page.get_by_role("link", name=f"Kiểm tra tháng {month}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Kiểm tra tháng {month}")
    expect(page.get_by_test_id("fact-admissions")).to_have_text("0")

    page.get_by_label("Nội dung đã xem xét").fill("Sổ theo dõi nguồn, danh sách đối tượng bồi dưỡng")
    page.get_by_label("Nhận xét, đánh giá").fill("Nguồn còn mỏng ở khu dân cư")
    page.get_by_label("Việc cần làm 1").fill("Phối hợp Đoàn thanh niên giới thiệu đoàn viên ưu tú")
    page.get_by_label("Người chịu trách nhiệm 1").fill("Bí thư chi bộ xóm Bưng")
    page.get_by_label("Hạn hoàn thành 1").fill((today + datetime.timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Lưu biên bản").click()

    expect(page.locator(".messages")).to_contain_text(f"Đã lưu biên bản kiểm tra tháng {month}")
    expect(page.get_by_test_id("actions")).to_contain_text("Bí thư chi bộ xóm Bưng")
    expect(page.get_by_label("Nhận xét, đánh giá")).to_have_value("Nguồn còn mỏng ở khu dân cư")
    check = MonthlyCheck.objects.get()
    assert check.findings == "Nguồn còn mỏng ở khu dân cư" and check.recorded_by == user
    assert CheckAction.objects.get().owner == "Bí thư chi bộ xóm Bưng"
