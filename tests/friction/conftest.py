import pytest
from django.conf import settings
from django.test import Client


@pytest.fixture
def browser_login(live_server, page):
    """Log a user into the browser page without the login form: a session made by the test
    client, its cookie handed to the browser."""

    def _login(user):
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )
        return page

    return _login


from tests.reports.conftest import admissions  # noqa: E402,F401  (the reports' small history)
