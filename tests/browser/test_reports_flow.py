import io
import re

import openpyxl
import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from demo.management.commands.seed_demo import demo_steps
from tests.browser.login import log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not {"members", "quotas"} <= {k for k, _, _ in demo_steps(1)}, reason="no members/quotas demo yet"
    ),
]


def test_province_sees_the_term_drills_down_and_exports(live_server, page, settings, tmp_path, inline_exports):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A district's table downloads here at once; a larger one goes to a worker (tests/tasks).
    call_command("seed_demo", only="members", stdout=io.StringIO())  # tree, quotas, members
    problems = []
    page.on(
        "console",
        lambda m: problems.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None,
    )
    page.on(
        "response",
        lambda r: (
            problems.append(f"{r.status} {r.url}") if r.status >= 400 and not r.url.endswith("/favicon.ico") else None
        ),
    )
    page.on("pageerror", lambda e: problems.append(str(e)))

    log_in(page, live_server, "province", next_url="/dashboard/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đảng bộ tỉnh Hòa Bình")

    page.get_by_test_id("filter-district-level").click()
    # The published term (2016–2022): the demo's reporting year moves on, so the dates are typed.
    page.get_by_label("Từ ngày").fill("2016-01-01")
    page.get_by_label("Đến ngày").fill("2022-12-31")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_test_id("period")).to_have_text("2016–2022")
    expect(page.get_by_test_id("rate")).to_have_text("88,48%")
    expect(page.get_by_test_id("total-rate")).to_have_text("88,48%")
    expect(page.locator("table[data-testid=achievement] tbody tr")).to_have_count(10)
    expect(page.locator("canvas[data-chart=years]")).to_be_visible()

    page.locator("table[data-testid=achievement] tbody").get_by_role("link", name="Đảng bộ huyện Lạc Sơn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đảng bộ huyện Lạc Sơn")
    expect(page.get_by_test_id("period")).to_have_text("2016–2022")
    expect(page).to_have_url(re.compile(r"/dashboard/HB\.LS/\?from=2016-01-01&to=2022-12-31"))
    rows = page.locator("table[data-testid=achievement] tbody tr")
    expect(rows).to_have_count(50)
    shown_total = page.get_by_test_id("admitted").inner_text()

    with page.expect_download() as download_info:
        page.get_by_test_id("export-xlsx").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    ws = openpyxl.load_workbook(saved).active
    values = list(ws.iter_rows(values_only=True))
    header = values.index(next(r for r in values if r[0] == "Tổ chức"))
    body = values[header + 1 : header + 51]
    assert len(body) == 50 and all(isinstance(r[2], int) for r in body)
    total = next(r for r in values if str(r[0]).startswith("Toàn"))
    assert f"{total[2]:,}".replace(",", ".") == shown_total
    assert not problems, problems
