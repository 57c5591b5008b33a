import datetime

import pytest
from playwright.sync_api import expect

from demo.tree import seed_accounts, seed_tree
from members.models import Proposal
from organizations.models import Organization
from tests.browser.login import log_in
from tests.members.factories import admit, official

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_secretary_finds_a_member_without_diacritics_and_proposes_a_transfer(live_server, page, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seed_tree()
    seed_accounts()
    cell = Organization.objects.get(code="HB.TP.001.01")
    official(cell, full_name="Đinh Thị Hường")
    official(cell, full_name="Bùi Văn Lực")
    admit(cell, datetime.date(2022, 6, 1), full_name="Quách Ngọc Ánh")
    admit(Organization.objects.get(code="HB.TP.001.02"), full_name="Đinh Thị Hương Khác")  # another cell: not shown

    log_in(page, live_server, "secretary")
    page.get_by_role("link", name="☰ Menu").click()  # a phone: the top menu opens from its button
    page.get_by_role("link", name="Đảng viên", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Danh sách đảng viên")
    expect(page.get_by_test_id("member-count")).to_have_text("3 đảng viên")

    page.get_by_role("searchbox", name="Tìm đảng viên").fill("dinh thi huong")
    page.get_by_role("button", name="Tìm", exact=True).click()
    rows = page.locator("table.members tbody tr")
    expect(rows).to_have_count(1)
    rows.get_by_role("link", name="Đinh Thị Hường").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đinh Thị Hường")
    expect(page.get_by_test_id("history")).to_contain_text("Công nhận đảng viên chính thức")

    page.get_by_role("link", name="Đề nghị chuyển sinh hoạt đi").click()
    page.get_by_label("Chuyển đến tổ chức (mã trong hệ thống)").fill("HB.TP.001.02")
    page.get_by_label("Lý do").fill("Chuyển nơi cư trú")
    page.get_by_role("button", name="Gửi đề nghị").click()
    expect(page.locator(".messages")).to_contain_text("Đã gửi đề nghị «Chuyển sinh hoạt đi»")
    expect(page.get_by_test_id("proposals")).to_contain_text("Chờ quyết định")
    proposal = Proposal.objects.get()
    assert (proposal.kind, proposal.other_organization.code, proposal.created_by.username) == (
        "transferred_out",
        "HB.TP.001.02",
        "secretary",
    )
