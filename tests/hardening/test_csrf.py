"""CSRF: every unsafe request without a token is refused, on every URL of the project."""

import ast
from pathlib import Path

import pytest
from django.apps import apps
from django.test import Client

from .urlwalk import endpoints, resolves_to

ROOT = Path(__file__).resolve().parents[2]
PROJECT_DIRS = ["partydev", "organizations", "members", "candidates", "reports"]
ENDPOINTS = endpoints()


def _row_counts():
    from django.db import connection, router

    from partydev.audit import AuditEvent

    skip = {AuditEvent}  # refused requests are audited: that is the point
    tables = set(connection.introspection.table_names())
    return {
        m._meta.label: m._base_manager.count()
        for m in apps.get_models()
        if m not in skip
        and m._meta.db_table in tables
        and m._meta.app_label != "axes"
        and router.db_for_read(m) == "default"  # the tasks' progress rows live on a connection of their own
    }


def test_every_url_pattern_is_walked():
    assert len(ENDPOINTS) > 20
    unresolved = [e.route for e in ENDPOINTS if not resolves_to(e)]
    assert unresolved == [], "sample paths that do not reach their view: extend urlwalk.SAMPLES"


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_unsafe_requests_without_token_are_refused(method, db, tree, users, django_user_model):
    admin = django_user_model.objects.create_superuser("csrf_admin", password="x-long-password-1")
    clients = {}
    for who in (admin, users.secretary_a, None):
        clients[who] = Client(enforce_csrf_checks=True)
        if who is not None:
            clients[who].force_login(who)
    before = _row_counts()
    outcomes = {}
    for who, client in clients.items():
        for endpoint in ENDPOINTS:
            response = getattr(client, method)(endpoint.path, {"name": "x", "code": "HACK"})
            outcomes[(who and who.username, endpoint.route)] = response.status_code
    accepted = {k: v for k, v in outcomes.items() if v < 400}
    assert accepted == {}, "unsafe requests accepted without a CSRF token"
    assert set(outcomes.values()) <= {403, 404, 405}
    # Logged-in callers reach the CSRF check on every resolved URL: 403 every time.
    assert {v for (who, _), v in outcomes.items() if who == "csrf_admin"} == {403}
    assert _row_counts() == before


def test_login_and_logout_forms_need_the_token(db, users):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/accounts/login/", {"username": "sec_a", "password": "a-long-test-password"})
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session
    client.force_login(users.secretary_a)
    assert client.post("/accounts/logout/").status_code == 403
    assert client.session.get("_auth_user_id") == str(users.secretary_a.pk)


def test_token_accepted_when_present(db, users):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/accounts/login/", {"username": "sec_a", "password": "a-long-test-password", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302  # the check is on, not broken


def test_no_view_is_csrf_exempt():
    exempt = [e.route for e in ENDPOINTS if getattr(e.callback, "csrf_exempt", False)]
    assert exempt == []


def test_project_code_never_uses_csrf_exempt():
    offenders = []
    for folder in PROJECT_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                name = getattr(node, "id", None) or getattr(node, "attr", None)
                if name == "csrf_exempt":
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


def test_refusal_page_is_in_vietnamese(db):
    response = Client(enforce_csrf_checks=True).post("/accounts/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert "Biểu mẫu đã hết hạn" in response.content.decode()
