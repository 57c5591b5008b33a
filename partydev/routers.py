"""Read replicas for the report views, switched on by ``DATABASE_REPLICA_URL``.

A national deployment keeps one PostgreSQL primary and one or more streaming replicas. The
report pages and APIs only read, and read the most: they may run on a replica, a few seconds
behind the primary. Everything else (every write, every page that writes or reads what it has
just written, sessions, logins and the lockout counters) stays on the primary.

- ``ReplicaMiddleware`` marks a request as "may read from a replica" when it is a GET or HEAD
  on one of ``REPLICA_PATH_PREFIXES`` (the report views: dashboards, reports, report APIs).
- ``ReplicaRouter`` sends the reads of a marked request to the ``replica`` alias, except for
  the apps in ``PRIMARY_ONLY_APPS`` and inside a transaction on the primary; every write goes
  to ``default``; migrations run on ``default`` only (a replica copies the primary).

``configure(databases, middleware, url)`` adds the alias, the router and the middleware when
the URL is set; ``partydev/settings.py`` calls it, so nothing changes when it is not.
"""

import contextvars
from collections.abc import Callable
from typing import Any, Literal

from django.db import connections
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
REPLICA_PATH_PREFIXES = ("/dashboard/", "/reports/", "/api/reports/", "/orgs/", "/api/organizations/")
# Pages under those prefixes that write (or preview a write in a rolled-back transaction): primary.
PRIMARY_PATH_SUFFIXES = ("/restructure/",)
PRIMARY_ONLY_APPS = {"sessions", "auth", "axes", "admin", "contenttypes", "partydev"}

_use_replica = contextvars.ContextVar("partydev_use_replica", default=False)


class use_replica:
    """``with use_replica():`` — reads in this block may go to the replica (for commands too)."""

    def __enter__(self) -> "use_replica":
        self._token = _use_replica.set(True)
        return self

    def __exit__(self, *exc: object) -> Literal[False]:
        _use_replica.reset(self._token)
        return False


def replica_allowed() -> bool:
    return _use_replica.get()


def is_replica_request(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and request.path.startswith(REPLICA_PATH_PREFIXES)
        and not request.path.endswith(PRIMARY_PATH_SUFFIXES)
    )


class ReplicaMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_replica_request(request):
            return self.get_response(request)
        with use_replica():
            return self.get_response(request)


class ReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if not replica_allowed() or model._meta.app_label in PRIMARY_ONLY_APPS:
            return "default"
        if connections["default"].in_atomic_block:
            return "default"  # a transaction on the primary reads its own writes
        return REPLICA

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints: Any) -> bool:
        return db == "default"


def configure(databases: dict, middleware: list, url: str | None, parse: Callable[[str], dict]) -> list[str]:
    """Add the replica alias and middleware when ``url`` is set; return the routers to use.
    ``parse`` turns the URL into a database dict (``environ.Env.db_url_config``)."""
    if not url:
        return []
    replica = parse(url)
    for key in ("CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        replica.setdefault(key, databases["default"].get(key))
    # Tests run against one database: the replica alias mirrors the test database.
    replica["TEST"] = {"MIRROR": "default"}
    databases[REPLICA] = replica
    if "partydev.routers.ReplicaMiddleware" not in middleware:
        middleware.insert(0, "partydev.routers.ReplicaMiddleware")
    return ["partydev.routers.ReplicaRouter"]
