"""District staff download the quota template, fill it in, upload it, check the preview, confirm."""

import openpyxl
import pytest
from playwright.sync_api import expect

from demo.tree import seed_accounts, seed_tree
from members.quotas.models import Quota
from tests.browser.login import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_district_fills_in_the_template_and_uploads_it(live_server, page, settings, tmp_path, inline_exports):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"
    # The district's template downloads at once here; a larger one goes to a worker (tests/tasks).
    seed_tree()
    seed_accounts()
    log_in(page, live_server, "district")

    page.goto(f"{live_server.url}/quotas/HB.TP/?year=2024")
    expect(page.get_by_role("heading", level=1)).to_have_text("Chỉ tiêu kết nạp năm 2024: Đảng bộ thành phố Hòa Bình")
    with page.expect_download() as download_info:
        page.get_by_test_id("template-link").click()
    template = tmp_path / "mau.xlsx"
    download_info.value.save_as(template)

    wb = openpyxl.load_workbook(template)
    ws = wb["Chỉ tiêu"]
    assert ws["E3"].value == "Chỉ tiêu năm 2024"
    filled = {}
    for row in ws.iter_rows(min_row=4):
        code = row[1].value
        if code.count(".") == 2:  # the grassroots organisations: 3 each, 2 at least
            row[4].value, row[5].value = 3, 2
            filled[code] = 3
    filled_path = tmp_path / "chi-tieu-2024.xlsx"
    wb.save(filled_path)

    page.goto(f"{live_server.url}/quotas/upload/")
    page.get_by_label("Tệp Excel (.xlsx)").set_input_files(filled_path)
    page.get_by_role("button", name="Tải lên và kiểm tra").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xem trước: chi-tieu-2024.xlsx")
    expect(page.get_by_test_id("count-create")).to_have_text(str(len(filled)))
    expect(page.get_by_test_id("count-change")).to_have_text("0")
    expect(page.get_by_test_id("preview-create")).to_contain_text("Đảng bộ phường Hợp Thành")
    assert not Quota.objects.exists()  # nothing written before confirming

    page.get_by_role("button", name="Xác nhận ghi").click()
    expect(page.locator("ul.messages")).to_contain_text(f"Đã ghi: {len(filled)} thêm mới, 0 thay đổi, 0 không đổi.")
    expect(page.get_by_test_id("children-sum")).to_have_text(f"{3 * len(filled)}")
    row = page.locator("tr", has_text="Đảng bộ phường Hợp Thành")
    expect(row.first).to_contain_text("3")
    assert Quota.objects.filter(year=2024, organization__code__in=filled, target=3, minimum=2).count() == len(filled)

    # A small change inline (htmx, under the Content-Security-Policy: no inline script).
    csp_errors = []
    page.on("console", lambda msg: csp_errors.append(msg.text) if "Content Security Policy" in msg.text else None)
    row.first.get_by_role("link", name="Sửa").click()
    page.get_by_label("Chỉ tiêu", exact=True).fill("4")
    page.get_by_role("button", name="Lưu").click()
    edited = page.get_by_test_id("quota-table").locator("tr", has_text="Đảng bộ phường Hợp Thành").first
    expect(edited.locator('td[data-label="Chỉ tiêu"]')).to_have_text("4")
    expect(page.get_by_test_id("children-sum")).to_have_text(f"{3 * len(filled)}")  # the row only, not the page
    assert Quota.objects.get(year=2024, organization__code="HB.TP.001").target == 4
    assert csp_errors == []

    page.goto(f"{live_server.url}/quotas/upload/")
    expect(page.get_by_test_id("upload-history")).to_contain_text("Đã ghi vào hệ thống")
