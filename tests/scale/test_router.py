"""The read-replica router: off unless DATABASE_REPLICA_URL is set; when on, the reads of the
report views (GET) go to the replica and everything else to the primary."""

import environ
import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.test import override_settings

from members.models import Membership
from organizations.models import Organization
from partydev import routers
from partydev.routers import REPLICA, ReplicaRouter, configure, use_replica


def test_off_without_the_url():
    databases, middleware = {"default": {"NAME": "x"}}, ["a"]
    assert configure(databases, middleware, "", environ.Env.db_url_config) == []
    assert databases == {"default": {"NAME": "x"}} and middleware == ["a"]
    # Only the tasks' progress router (a connection of its own) unless a replica is configured.
    replica_on = "DATABASE_REPLICA_URL" in __import__("os").environ
    assert "partydev.routers.ReplicaRouter" not in settings.DATABASE_ROUTERS or replica_on


def test_on_with_the_url():
    databases = {"default": {"NAME": "partydev", "CONN_MAX_AGE": 60, "CONN_HEALTH_CHECKS": True}}
    middleware = ["django.middleware.security.SecurityMiddleware"]
    result = configure(databases, middleware, "postgres://reader@10.0.0.2:5432/partydev", environ.Env.db_url_config)
    assert result == ["partydev.routers.ReplicaRouter"]
    replica = databases[REPLICA]
    assert (replica["HOST"], replica["USER"], replica["NAME"]) == ("10.0.0.2", "reader", "partydev")
    assert replica["CONN_MAX_AGE"] == 60 and replica["TEST"] == {"MIRROR": "default"}
    assert middleware[0] == "partydev.routers.ReplicaMiddleware"


def test_router_sends_only_allowed_reads_to_the_replica():
    router = ReplicaRouter()
    assert router.db_for_read(Membership) == "default"  # no replica request
    with use_replica():
        assert router.db_for_read(Membership) == REPLICA
        assert router.db_for_read(Organization) == REPLICA
        for model in (Session, get_user_model()):  # logins, sessions: always the primary
            assert router.db_for_read(model) == "default"
        assert router.db_for_write(Membership) == "default"
    assert router.db_for_read(Membership) == "default"  # the flag does not leak out of the block
    assert router.allow_migrate("default", "members") and not router.allow_migrate(REPLICA, "members")
    assert router.allow_relation(object(), object())


@pytest.mark.django_db(transaction=True)
def test_reads_inside_a_transaction_stay_on_the_primary():
    router = ReplicaRouter()
    with use_replica():
        with transaction.atomic():
            assert router.db_for_read(Membership) == "default"
        assert router.db_for_read(Membership) == REPLICA


class RecordingRouter(ReplicaRouter):
    """Records where each read would go; the test database has no replica alias, so it reads
    from the primary all the same."""

    seen: list = []

    def db_for_read(self, model, **hints):
        self.seen.append((model._meta.label, super().db_for_read(model, **hints)))
        return "default"


@pytest.fixture
def recording():
    RecordingRouter.seen = []
    with override_settings(
        DATABASE_ROUTERS=[RecordingRouter()], MIDDLEWARE=["partydev.routers.ReplicaMiddleware", *settings.MIDDLEWARE]
    ):
        yield RecordingRouter.seen


@pytest.mark.django_db(transaction=True)  # no test transaction around the request
def test_report_pages_read_from_the_replica(recording, users, tree, login):
    client = login(users.province)
    assert client.get(f"/orgs/{tree.P.code}/").status_code == 200
    assert ("organizations.Organization", REPLICA) in recording
    assert all(alias == "default" for label, alias in recording if label.startswith(("sessions.", "auth.")))


@pytest.mark.django_db(transaction=True)
def test_other_pages_and_writes_use_the_primary(recording, users, tree, login):
    client = login(users.province)
    assert client.get("/ping/").status_code == 200
    client.post(f"/orgs/{tree.P.code}/", {})  # a POST on a report path: not a replica request
    assert recording and all(alias == "default" for _, alias in recording)


def test_replica_request_rules(rf):
    assert routers.is_replica_request(rf.get("/dashboard/HB/"))
    assert routers.is_replica_request(rf.get("/api/reports/achievement?org=HB"))
    assert not routers.is_replica_request(rf.post("/dashboard/HB/"))
    assert not routers.is_replica_request(rf.get("/members/"))
    assert not routers.is_replica_request(rf.get("/candidates/1/"))
    # The restructuring page previews a write in a rolled-back transaction: on the primary.
    assert not routers.is_replica_request(rf.get("/orgs/HB/restructure/"))
