"""A cell secretary adds a candidate on a phone and moves them to the cell vote; the grassroots
committee's staff then records the committee vote."""

import datetime

import pytest
from playwright.sync_api import expect

from candidates.models import Candidate, Stage
from demo.tree import seed_accounts, seed_tree
from organizations.models import Organization
from tests.browser.login import log_in
from tests.candidates.factories import official_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def record(page, button, **fields):
    for label, value in fields.items():
        control = page.get_by_label(label, exact=False).first
        tag = control.evaluate("e => e.tagName")
        if tag == "SELECT":
            control.select_option(index=value) if isinstance(value, int) else control.select_option(value)
        else:
            control.fill(str(value))
    page.get_by_role("button", name=button).click()


def test_secretary_to_cell_vote_then_grassroots_committee_vote(live_server, page, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seed_tree()
    seed_accounts()
    cell = Organization.objects.get(code="HB.TP.001.01")
    helpers = [official_member(cell, full_name="Bùi Văn Giúp"), official_member(cell, full_name="Đinh Thị Thiệu")]
    today = datetime.date.today()
    day = lambda n: (today - datetime.timedelta(days=n)).isoformat()  # noqa: E731

    log_in(page, live_server, "secretary")
    page.goto(f"{live_server.url}/candidates/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Việc cần làm")
    page.get_by_role("link", name="+ Thêm đối tượng").click()
    page.get_by_label("Họ và tên").fill("Quách Thị Hoa")
    page.get_by_label("Ngày sinh").fill("1990-08-20")  # past youth age: two members introduce
    page.get_by_label("Giới tính").select_option("female")
    page.get_by_label("Dân tộc").select_option("muong")
    page.get_by_label("Ngày đưa vào nguồn").fill(day(120))
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Quách Thị Hoa")
    expect(page.get_by_test_id("stage")).to_have_text("Nguồn")

    record(
        page,
        "Ghi nhận: Đưa vào danh sách đối tượng bồi dưỡng",
        **{"Ngày vào danh sách bồi dưỡng": day(110), "Đảng viên giúp đỡ": 1},
    )
    expect(page.get_by_test_id("stage")).to_have_text("Đối tượng bồi dưỡng")
    record(
        page,
        "Ghi nhận: Học lớp bồi dưỡng nhận thức về Đảng",
        **{"Số giấy chứng nhận": "125/CN", "Ngày cấp giấy chứng nhận": day(90)},
    )
    record(
        page,
        "Ghi nhận: Hoàn thiện hồ sơ xin vào Đảng",
        **{
            "Đơn xin vào Đảng": day(80),
            "Lý lịch (2-KNĐ)": day(80),
            "Hình thức giới thiệu": "members",
            "Giấy giới thiệu": day(78),
            "Người giới thiệu thứ nhất": 1,
            "Người giới thiệu thứ hai": 2,
            # The system holds her only from the source list: the secretary states the 12 months.
            "Người giới thiệu thứ nhất cùng công tác": day(800),
            "Người giới thiệu thứ hai cùng công tác": day(800),
            "Ngày bí thư chi bộ xác nhận": day(78),
            "Nhận xét của đoàn thể": day(75),
        },
    )
    expect(page.get_by_test_id("stage")).to_have_text("Đã hoàn thiện hồ sơ")
    # Background verification is the grassroots committee's step, not the secretary's.
    expect(page.get_by_text("do cán bộ đảng ủy cơ sở hoặc cấp trên ghi nhận")).to_be_visible()
    c = Candidate.objects.get(person__full_name="Quách Thị Hoa")
    url = page.url

    page.get_by_test_id("logout").click()
    log_in(page, live_server, "grassroots")
    page.goto(url)
    record(
        page,
        "Ghi nhận: Thẩm tra lý lịch",
        **{
            "Kết quả thẩm tra": "clear",
            "Ngày thẩm tra xong": day(60),
            "Người vào Đảng": "verified",
            "Cha đẻ": "verified",
            "Mẹ đẻ": "exempt",  # a party member who declared everything: not verified again
        },
    )
    expect(page.get_by_test_id("stage")).to_have_text("Đã thẩm tra lý lịch")
    page.get_by_test_id("logout").click()

    log_in(page, live_server, "secretary")
    page.goto(url)
    # Bad input first: more votes than members present. Nothing is saved, the message names it.
    record(
        page,
        "Ghi nhận: Chi bộ họp xét, biểu quyết",
        **{
            "Ngày chi bộ xét": day(50),
            "Đảng viên chính thức có mặt": 8,
            "Tổng số đảng viên chính thức": 10,
            "Số tán thành": 9,
        },
    )
    expect(page.get_by_text("nhiều hơn số đảng viên có mặt")).to_be_visible()
    record(
        page,
        "Ghi nhận: Chi bộ họp xét, biểu quyết",
        **{
            "Ngày chi bộ xét": day(50),
            "Đảng viên chính thức có mặt": 9,
            "Tổng số đảng viên chính thức": 10,
            "Số tán thành": 9,
        },
    )
    expect(page.get_by_test_id("stage")).to_have_text("Chi bộ đã xét")
    page.get_by_role("link", name="Bảng theo dõi").click()
    expect(page.get_by_test_id("count-cell_vote")).to_have_text("1")
    page.get_by_test_id("logout").click()

    log_in(page, live_server, "grassroots")
    page.goto(url)
    record(
        page,
        "Ghi nhận: Đảng ủy cơ sở xét, biểu quyết",
        **{"Ngày đảng ủy cơ sở xét": day(40), "Số cấp ủy viên": 9, "Số tán thành (cấp ủy)": 7},
    )
    expect(page.get_by_test_id("stage")).to_have_text("Đảng ủy cơ sở đã xét")
    expect(page.locator("ol.history li")).to_have_count(7)
    c.refresh_from_db()
    assert c.stage == Stage.COMMITTEE_VOTE and c.committee_votes_for == 7
    assert {c.helper_id, c.introducer_1_id, c.introducer_2_id} <= {h.pk for h in helpers}
