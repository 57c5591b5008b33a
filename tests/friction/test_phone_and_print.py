"""Issue 19, phone and print: the top menu behind a button on a phone with each role's own
entries; printed pages in landscape without their controls, headers repeated."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _menu_links(page):
    return [t.strip() for t in page.locator("#site-menu a").all_inner_texts()]


def test_the_phone_menu_opens_from_its_button_with_the_role_entries(live_server, browser_login, tree, users):
    page = browser_login(users.secretary_a)
    page.goto(f"{live_server.url}/candidates/")
    menu, button = page.locator("#site-menu"), page.get_by_role("link", name="☰ Menu")
    expect(button).to_be_visible()
    expect(menu).to_be_hidden()
    # The first screen is the page, not the menu: the top bar is one line.
    assert page.locator(".topbar").bounding_box()["height"] < 60
    button.click()
    expect(menu).to_be_visible()
    expect(button).to_have_attribute("aria-expanded", "true")
    links = _menu_links(page)
    assert "Kết nạp" in links and "Đảng viên" in links
    assert "Theo dõi" not in links and "Chỉ tiêu" not in links  # a secretary cannot use them
    button.click()
    expect(menu).to_be_hidden()
    expect(page.get_by_test_id("logout")).to_be_visible()


def test_district_staff_see_their_entries_and_a_wide_screen_shows_the_row(live_server, browser_login, tree, users):
    page = browser_login(users.district_x)
    page.goto(f"{live_server.url}/candidates/")
    page.get_by_role("link", name="☰ Menu").click()
    assert {"Theo dõi", "Chỉ tiêu", "Kết nạp"} <= set(_menu_links(page))
    page.set_viewport_size({"width": 1366, "height": 768})
    expect(page.get_by_role("link", name="☰ Menu")).to_be_hidden()
    page.reload()
    expect(page.locator("#site-menu")).to_be_visible()


def test_a_printed_report_is_landscape_without_controls_with_headers_on_every_page(
    live_server, browser_login, tree, users
):
    import io

    from pypdf import PdfReader

    page = browser_login(users.province)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/reports/{tree.P.code}/projection/")
    page.emulate_media(media="print")
    for selector in (".actions", ".topbar", ".tabs"):
        if page.locator(selector).count():
            assert page.eval_on_selector(selector, "e => getComputedStyle(e).display") == "none", selector
    assert page.eval_on_selector("table.data thead", "e => getComputedStyle(e).display") == "table-header-group"
    first = page.locator("table.data tbody td").first
    line = float(first.evaluate("e => parseFloat(getComputedStyle(e).lineHeight) || 16"))
    assert first.bounding_box()["height"] <= 2 * line + 12  # a name on one or two lines
    pdf = PdfReader(io.BytesIO(page.pdf(prefer_css_page_size=True)))
    box = pdf.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape


def test_chart_axes_of_head_counts_have_whole_number_ticks(live_server, browser_login, tree, users):
    import datetime

    from tests.members.factories import admit

    admit(tree.CXA, datetime.date(2022, 3, 1))
    page = browser_login(users.province)
    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{live_server.url}/dashboard/{tree.P.code}/?from=2022-01-01&to=2022-12-31")
    page.wait_for_function("() => window.Chart && Object.keys(window.Chart.instances).length > 0")
    ticks = page.evaluate(
        "() => Object.values(window.Chart.instances).map(c => c.scales.y ? c.scales.y.ticks.map(t => t.value) : [])"
    )
    values = [v for chart in ticks for v in chart]
    assert values and all(float(v).is_integer() for v in values)


def test_member_search_results_are_on_the_first_screen_and_the_checkbox_sits_by_its_label(
    live_server, browser_login, tree, users
):
    import datetime

    from tests.members.factories import admit

    admit(tree.CXA, datetime.date(2022, 3, 1), full_name="Quách Văn Tìm")
    page = browser_login(users.secretary_a)
    page.goto(f"{live_server.url}/members/?q=quach+van&status=active")
    row = page.locator("table.data tbody tr").first
    expect(row).to_contain_text("Quách Văn Tìm")
    assert row.bounding_box()["y"] < 844  # above the fold of a 390×844 phone
    page.goto(f"{live_server.url}/candidates/add/")
    box = page.get_by_label("Đoàn viên").bounding_box()
    label = page.locator("label", has_text="Đoàn viên").bounding_box()
    assert box["y"] - label["y"] < 10  # on the label's line, not below it
