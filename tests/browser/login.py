"""Logging in through the login page, as a person would."""

from demo.tree import DEMO_PASSWORD


def log_in(page, live_server, username, password=DEMO_PASSWORD, next_url=""):
    page.goto(f"{live_server.url}/accounts/login/" + (f"?next={next_url}" if next_url else ""))
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()
