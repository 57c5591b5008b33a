"""The provincial office merges two grassroots committees: the preview shows what moves, nothing is
written until it confirms, then the merged committee holds the cells (with their codes)."""

import pytest
from playwright.sync_api import expect

from demo.tree import seed_accounts, seed_tree
from organizations.models import Organization, TreeOperation
from tests.browser.login import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_province_previews_then_confirms_a_merge(live_server, page, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seed_tree()
    seed_accounts()
    first, second = Organization.objects.filter(path__startswith=Organization.objects.get(code="HB.TP").path, depth=3)[
        :2
    ]
    log_in(page, live_server, "province")

    page.goto(f"{live_server.url}/orgs/{first.code}/")
    page.get_by_test_id("restructure-link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Sắp xếp tổ chức: {first.name}")
    page.get_by_label("Thao tác").select_option("merge")
    page.get_by_label("Số quyết định").fill("125-QĐ/TU")
    page.get_by_label("Ngày quyết định").fill("02/06/2025")
    page.get_by_label("Ngày có hiệu lực").fill("02/06/2025")
    page.get_by_label("Các tổ chức cùng hợp nhất").fill(second.code)
    page.get_by_label("Tên (mới)").fill("Đảng bộ phường Hợp Thành mới")
    page.get_by_label("Mã (mới)").fill("HB.TP.900")
    page.get_by_test_id("preview-button").click()

    preview = page.get_by_test_id("preview")
    expect(preview).to_contain_text("Thành lập «Đảng bộ phường Hợp Thành mới»")
    expect(preview).to_contain_text(f"tổ chức trực thuộc «{first.name}» chuyển sang «Đảng bộ phường Hợp Thành mới»")
    expect(preview).to_contain_text(f"«{second.name}» kết thúc hoạt động từ 02/06/2025")
    assert not TreeOperation.objects.exists() and not Organization.objects.filter(code="HB.TP.900").exists()

    page.get_by_test_id("confirm").click()
    expect(page.locator("ul.messages")).to_contain_text(
        "Đã ghi: hợp nhất «Đảng bộ phường Hợp Thành mới», có hiệu lực từ 02/06/2025."
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Đảng bộ phường Hợp Thành mới")
    expect(page.get_by_test_id("predecessors")).to_contain_text(second.name)
    merged = Organization.objects.get(code="HB.TP.900")
    cells = set(Organization.objects.get_children(merged).values_list("code", flat=True))
    assert f"{first.code}.01" in cells and any(c.startswith(second.code) for c in cells)
    page.get_by_role("link", name=second.name).click()
    expect(page.get_by_test_id("ended")).to_have_text("đã kết thúc 01/06/2025")
