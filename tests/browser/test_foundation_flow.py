import re

import pytest
from playwright.sync_api import expect

from demo.tree import seed_accounts, seed_tree
from tests.browser.login import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_district_drills_down_searches_and_logs_out(live_server, page, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seed_tree()
    seed_accounts()
    log_in(page, live_server, "district")
    expect(page).to_have_url(re.compile(r"/dashboard/HB\.TP/"))  # district staff land on their dashboard
    page.get_by_role("link", name="☰ Menu").click()  # a phone: the top menu opens from its button
    page.get_by_role("link", name="Tổ chức", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đảng bộ thành phố Hòa Bình")

    page.get_by_role("link", name="Đảng bộ phường Hợp Thành").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đảng bộ phường Hợp Thành")
    cell_link = page.locator("table.data tbody tr td a").first
    expect(cell_link).to_have_count(0)  # cells have no children: plain text, not links
    expect(page.locator("table.data tbody tr").first).to_contain_text("Chi bộ")
    page.get_by_role("link", name="Đảng bộ thành phố Hòa Bình").click()  # breadcrumb back up
    expect(page.get_by_role("heading", level=1)).to_have_text("Đảng bộ thành phố Hòa Bình")

    page.get_by_role("searchbox", name="Tìm tổ chức").fill("hop thanh")
    page.get_by_role("button", name="Tìm").click()
    expect(page.locator("ul.results")).to_contain_text("Đảng bộ phường Hợp Thành")
    page.get_by_role("link", name="Đảng bộ phường Hợp Thành").click()
    page.get_by_role("searchbox", name="Tìm tổ chức").fill("mit 1")
    page.get_by_role("button", name="Tìm").click()
    page.locator("ul.results a").first.click()
    expect(page).to_have_url(re.compile(r"/orgs/HB\.TP\.001\.\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Chi bộ tổ dân phố Mít 1")

    page.get_by_test_id("logout").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    page.goto(f"{live_server.url}/orgs/")
    expect(page).to_have_url(re.compile(r"/accounts/login/"))
