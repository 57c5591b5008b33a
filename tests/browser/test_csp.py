"""The pages work in Chromium under the Content Security Policy, and nothing is refused."""

import re

import pytest
from playwright.sync_api import expect

from demo.tree import DEMO_PASSWORD, seed_accounts, seed_tree

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => {
  window.__csp.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sourceFile || '') + ':' + e.lineNumber);
});
"""


def violations(page):
    return page.evaluate("window.__csp || []")


def watch(page):
    console = []
    page.on("console", lambda m: console.append(m.text) if m.type in ("error", "warning") else None)
    page.add_init_script(LISTEN)
    return console


def test_pages_work_under_the_policy(live_server, page, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seed_tree()
    seed_accounts()
    console = watch(page)
    seen = []

    response = page.goto(f"{live_server.url}/accounts/login/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    seen += violations(page)
    page.get_by_label("Tên đăng nhập").fill("district")
    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đảng bộ thành phố Hòa Bình")
    # The stylesheet applied: the top bar has its colour (a blocked stylesheet would leave it plain).
    assert page.eval_on_selector(".topbar", "e => getComputedStyle(e).backgroundColor") == "rgb(179, 0, 0)"
    seen += violations(page)
    page.get_by_role("link", name="Đảng bộ phường Hợp Thành").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đảng bộ phường Hợp Thành")
    seen += violations(page)
    page.goto(f"{live_server.url}/accounts/password_change/")
    seen += violations(page)
    page.get_by_test_id("logout").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Đăng nhập")
    seen += violations(page)

    assert seen == []
    assert [m for m in console if "Content Security Policy" in m] == []


def test_the_policy_is_enforced(live_server, page):
    """Control: an inline script is blocked and reported, so the listener above can see one."""
    console = watch(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        " document.body.appendChild(s); }"
    )
    page.wait_for_function("window.__csp.length > 0")
    assert page.evaluate("window.ran === undefined")
    assert any(v.startswith("script-src") for v in violations(page))
    assert any(re.search("Content Security Policy", m) for m in console)


def test_admin_pages_under_the_policy(live_server, page, settings, django_user_model):
    """The admin (Django's and treebeard's templates) is reported here, not silently broken."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    seed_tree()
    from organizations.models import Organization

    some_org = Organization.objects.filter(depth=2).first()
    django_user_model.objects.create_superuser("root", password="x-long-password-1")
    console = watch(page)
    seen = {}
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", "root")
    page.fill("#id_password", "x-long-password-1")
    page.locator("input[type=submit]").click()
    expect(page.locator("#site-name")).to_be_visible()
    for path in [
        "/admin/",
        "/admin/organizations/organization/",
        f"/admin/organizations/organization/{some_org.pk}/change/",
        "/admin/partydev/auditevent/",
        "/admin/organizations/historicalorganization/",
    ]:
        page.goto(f"{live_server.url}{path}")
        page.wait_for_load_state("load")
        seen[path] = violations(page)
    print({p: v for p, v in seen.items() if v})
    assert {p: v for p, v in seen.items() if v} == {}
    assert [m for m in console if "Content Security Policy" in m] == []
