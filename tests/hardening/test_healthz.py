from unittest import mock

from django.db import OperationalError


def test_healthz_ok(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_healthz_500_when_the_database_is_down(client, db):
    with mock.patch("partydev.views.connection.cursor", side_effect=OperationalError("server closed the connection")):
        response = client.get("/healthz")
    assert response.status_code == 500
    assert response.json() == {"status": "error"}


def test_healthz_needs_no_login_and_sets_no_cookie(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert not response.cookies
