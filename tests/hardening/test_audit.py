"""The audit trail: logins, refused accesses, model history; append-only; read-only admin."""

import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from organizations.models import Kind, Organization, Role
from organizations.services import organization_create, organization_move
from partydev.audit import AuditEvent
from tests.fixtures import PASSWORD, organization_admin_form

LOGIN = "/accounts/login/"


def test_successful_login_recorded(db, users):
    client = Client(HTTP_USER_AGENT="Mozilla/5.0 test")
    response = client.post(LOGIN, {"username": "sec_a", "password": PASSWORD}, REMOTE_ADDR="203.0.113.7")
    assert response.status_code == 302
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN)
    assert event.user_id == users.secretary_a.pk and event.username == "sec_a"
    assert event.ip == "203.0.113.7"
    assert event.path == LOGIN and event.method == "POST"
    assert event.user_agent == "Mozilla/5.0 test"
    assert event.at.tzinfo is not None and event.at.utcoffset() == datetime.timedelta(0)


def test_failed_login_recorded_without_the_password(db, users):
    Client().post(LOGIN, {"username": "sec_a", "password": "wrong-secret-xyz"}, REMOTE_ADDR="203.0.113.8")
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.LOGIN_FAILED)
    assert event.username == "sec_a" and event.user_id is None and event.ip == "203.0.113.8"
    assert "wrong-secret-xyz" not in str(event.detail)


def test_locked_out_attempts_are_recorded_as_such(db, users, settings):
    client = Client()
    for i in range(settings.AXES_FAILURE_LIMIT + 1):
        client.post(LOGIN, {"username": "sec_b", "password": f"x{i}"}, REMOTE_ADDR="203.0.113.9")
    failures = list(AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGIN_FAILED).order_by("id"))
    assert len(failures) == settings.AXES_FAILURE_LIMIT + 1
    assert failures[-1].detail["locked_out"] is True
    assert failures[0].detail["locked_out"] is False


def test_logout_recorded(db, users, client):
    client.force_login(users.secretary_a)
    client.post("/accounts/logout/")
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.LOGOUT, username="sec_a").count() == 1


def test_refused_access_recorded(db, tree, users, client):
    client.force_login(users.secretary_a)
    response = client.get(f"/orgs/{tree.CYA.code}/", REMOTE_ADDR="198.51.100.4")  # another district
    assert response.status_code == 404
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.ACCESS_REFUSED)
    assert (event.username, event.status, event.path, event.ip) == (
        "sec_a",
        404,
        f"/orgs/{tree.CYA.code}/",
        "198.51.100.4",
    )


def test_anonymous_refusals_and_allowed_pages_are_not_recorded(db, tree, users, client):
    Client().get("/api/organizations")  # anonymous 403
    client.force_login(users.secretary_a)
    client.get(f"/orgs/{tree.CXA.code}/")
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.ACCESS_REFUSED).exists()


def test_audit_rows_cannot_be_changed_through_the_app(db, users):
    event = AuditEvent.objects.create(kind=AuditEvent.Kind.LOGIN, username="sec_a")
    event.username = "someone-else"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(username="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def test_audit_rows_cannot_be_changed_in_the_database(db):
    event = AuditEvent.objects.create(kind=AuditEvent.Kind.LOGIN, username="sec_a")
    table = AuditEvent._meta.db_table
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET username = 'x' WHERE id = %s", [event.pk])
    if connection.vendor == "postgresql":
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {table} WHERE id = %s", [event.pk])
    event.refresh_from_db()
    assert event.username == "sec_a"


@pytest.fixture
def admin_client_(db, django_user_model):
    admin = django_user_model.objects.create_superuser("root", password="x-long-password-1")
    client = Client()
    client.force_login(admin)
    return client


def test_admin_reads_but_cannot_write_the_trail(admin_client_, users):
    event = AuditEvent.objects.create(kind=AuditEvent.Kind.LOGIN, username="sec_a", user=users.secretary_a)
    base = "/admin/partydev/auditevent/"
    assert admin_client_.get(base).status_code == 200
    assert admin_client_.get(f"{base}?q=sec_a").status_code == 200
    assert admin_client_.get(f"{base}add/").status_code == 403
    assert admin_client_.get(f"{base}{event.pk}/delete/").status_code == 403
    page = admin_client_.get(f"{base}{event.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    admin_client_.post(f"{base}{event.pk}/change/", {"username": "x"})
    event.refresh_from_db()
    assert event.username == "sec_a"


def test_tree_history_with_user_and_ip(admin_client_, tree):
    history = Organization.history
    # A change through the admin: who and from where.
    org = tree.CXA
    response = admin_client_.post(
        f"/admin/organizations/organization/{org.pk}/change/",
        organization_admin_form(org, tree.GX, name="Chi bộ xóm Bưng mới"),
        REMOTE_ADDR="192.0.2.44",
    )
    assert response.status_code == 302, response.content[:2000]
    latest = history.filter(id=org.pk).latest("history_date")
    assert latest.history_type == "~" and latest.name == "Chi bộ xóm Bưng mới"
    assert latest.history_user.username == "root" and latest.history_ip == "192.0.2.44"
    assert latest.prev_record.name == "Chi bộ xóm Bưng"  # old and new values
    # Read per object and per user in the admin.
    listing = admin_client_.get(f"/admin/organizations/historicalorganization/?q={org.pk}")
    assert listing.status_code == 200 and "Chi bộ xóm Bưng mới" in listing.content.decode()
    assert admin_client_.get("/admin/organizations/historicalorganization/add/").status_code == 403


def test_created_org_and_role_have_history(db, tree, users):
    assert Organization.history.filter(id=tree.CYA.pk, history_type="+").count() == 1
    assert Role.history.filter(user_id=users.secretary_a.pk, history_type="+").count() == 1


def test_moving_a_subtree_writes_history_for_every_moved_node(db, tree):
    before = {o.pk: o.path for o in Organization.objects.subtree(tree.GX)}
    moved = organization_move(tree.GX, tree.Y)
    rows = Organization.history.filter(history_type="~", history_change_reason="move")
    assert {r.id for r in rows} == set(before)
    for row in rows:
        assert row.path == Organization.objects.get(pk=row.id).path != before[row.id]
    assert moved.path.startswith(tree.Y.path)


def test_organization_create_via_service_has_history(db, tree):
    org = organization_create(parent=tree.GX, code="T.X.1.C", name="Chi bộ mới", kind=Kind.CELL)
    assert Organization.history.filter(id=org.pk).count() == 1


def test_moving_a_subtree_in_the_admin_writes_its_history(admin_client_, tree):
    cells = {tree.CXA.pk, tree.CXB.pk}
    response = admin_client_.post(
        f"/admin/organizations/organization/{tree.GX.pk}/change/",
        organization_admin_form(tree.GX, tree.Y),
        REMOTE_ADDR="192.0.2.45",
    )
    assert response.status_code == 302
    moved = Organization.history.filter(history_change_reason="move")
    assert {r.id for r in moved} >= cells | {tree.GX.pk}
    for row in moved.filter(id__in=cells):
        assert row.path.startswith(Organization.objects.get(pk=tree.Y.pk).path)
        assert row.history_user.username == "root" and row.history_ip == "192.0.2.45"
    # The stored roll-ups of both branches were refreshed in the same request.
    from organizations.services import rebuild_descendant_counts

    assert rebuild_descendant_counts() == 0
