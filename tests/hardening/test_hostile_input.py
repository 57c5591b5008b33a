"""Findings 5 and 9 of issue 15: input echoed raw, and 500s on bad parameters.

Every URL pattern declares the query parameters it reads, beside its row of the access matrix
(``Spec.params`` in ``test_access_matrix.py``). Here:

- HTML is fed to each declared parameter, as a role that may read the page: no answer holds the
  tag unescaped, and an error under ``/api/`` is JSON;
- a fixed catalogue of hostile values (empty, huge, negative, far dates, HTML, full-width and
  Arabic-Indic digits, SQL-looking text, …) is fed to the declared parameters and to the ids and
  codes of the path, by a session of each role: no answer is a 500.

The quick pass spreads the catalogue over the parameters and rotates the roles (each role, each
value and each parameter is used on every route); ``PARTYDEV_FUZZ_FULL=1`` tries every value in
every parameter as every role (CI sets it on one pass).
"""

import itertools
import os
from urllib.parse import quote, urlencode

import pytest

from .test_access_matrix import MATRIX, _url
from .world import ROLES, clients, world  # noqa: F401 (fixtures)

FULL = os.environ.get("PARTYDEV_FUZZ_FULL") == "1"

HTML = [
    '<meta http-equiv="refresh" content="0;url=https://evil.example/">',
    '"><svg onload=alert(1)>',
    "</textarea><script>alert(1)</script>",
]
TAGS = ('<meta http-equiv="refresh"', "<svg onload", "<script>alert")

CATALOGUE = [
    "",
    " ",
    "0",
    "-1",
    "99999999999999999999",
    "1e309",
    "nan",
    "0001-01-01",
    "9999-12-31",
    "2024-02-30",
    "2024-13",
    "31/12/9999",
    "２０２４",  # full-width digits
    "٢٠٢٤",  # Arabic-Indic digits
    "' OR '1'='1' --",
    "\x00",
    "x" * 3000,
    *HTML[:1],
]
PATH_VALUES = {"int": ["0", "99999999999999999999"], "str": ["9999-12", "0001-01", "%00", "x" * 300]}


def _target_url(route, spec, world, query):
    target = spec.target(world.X) if spec.target else None
    base = dict(target.query) if target else {}
    base.update(query)
    path = _url(route, target).split("?")[0]
    return f"{path}?{urlencode(base)}" if base else path


def _reader(spec):
    """A role that may GET the route on district X's objects."""
    for role in ("district_x", "grassroots", "secretary_a", "province"):
        if role in spec.get:
            return role
    return "district_x"


ROUTES_WITH_PARAMS = sorted(r for r, s in MATRIX.items() if s.params)


def test_every_route_reading_the_query_string_declares_it():
    """A small guard against forgetting: the routes known to read parameters declare some."""
    for route in ("members/", "quotas/", "quotas/template", "quotas/<str:code>/", "api/reports/new-members"):
        assert MATRIX[route].params, route


@pytest.mark.parametrize("route", ROUTES_WITH_PARAMS)
def test_html_in_a_parameter_is_never_echoed_raw(route, world, clients):
    spec = MATRIX[route]
    client = clients[_reader(spec)]
    problems = []
    for param, payload in itertools.product(spec.params, HTML):
        response = client.get(_target_url(route, spec, world, {param: payload}))
        where = f"GET {route}?{param}=… → {response.status_code}"
        kind = response.get("Content-Type", "")
        if response.status_code >= 500:
            problems.append(f"{where}: server error")
        if route.startswith("api/") and "json" not in kind:
            problems.append(f"{where}: the API answered {kind}")
        if "html" in kind:
            body = response.content.decode("utf-8", "replace")
            problems += [f"{where}: {tag} unescaped" for tag in TAGS if tag in body]
    assert problems == [], "\n".join(problems)


def _plan(route):
    """(param, value, role) triples for one route."""
    spec = MATRIX[route]
    if FULL:
        return list(itertools.product(spec.params, CATALOGUE, ROLES))
    roles = itertools.cycle(ROLES)
    params = itertools.cycle(spec.params)
    plan = [(next(params), value, next(roles)) for value in CATALOGUE]
    # every parameter meets the far dates and the huge number at least once
    plan += [(p, v, next(roles)) for p in spec.params for v in ("0001-01-01", "9999-12-31", "99999999999999999999")]
    return plan


@pytest.mark.parametrize("route", ROUTES_WITH_PARAMS)
def test_hostile_parameters_never_give_a_500(route, world, clients):
    spec = MATRIX[route]
    problems = []
    for param, value, role in _plan(route):
        response = clients[role].get(_target_url(route, spec, world, {param: value}))
        if response.status_code >= 500:
            problems.append(f"GET {route}?{param}={value[:30]!r} as {role} → {response.status_code}")
        elif (
            route.startswith("api/")
            and response.status_code in (400, 404)
            and "json" not in response.get("Content-Type", "")
        ):
            problems.append(f"GET {route}?{param}={value[:30]!r} as {role}: {response.status_code} not JSON")
    assert problems == [], "\n".join(problems)


ROUTES_WITH_PATH_PARAMS = sorted(r for r in MATRIX if "<" in r)


@pytest.mark.parametrize("route", ROUTES_WITH_PATH_PARAMS)
def test_hostile_ids_and_codes_in_the_path_never_give_a_500(route, world, clients):
    spec = MATRIX[route]
    target = spec.target(world.X) if spec.target else None
    problems = []
    roles = itertools.cycle(ROLES[1:])
    for key in target.kwargs if target else {}:
        conv = "int" if f"<int:{key}>" in route else "str"
        for hostile in PATH_VALUES[conv]:
            kwargs = {**target.kwargs, key: quote(hostile, safe="")}
            path = "/" + route
            for k, v in kwargs.items():
                path = path.replace(f"<int:{k}>", str(v)).replace(f"<str:{k}>", str(v))
            role = next(roles)
            for method in ("get", "post"):
                response = getattr(clients[role], method)(path)
                if response.status_code >= 500:
                    problems.append(f"{method.upper()} {path[:80]} as {role} → {response.status_code}")
    assert problems == [], "\n".join(problems)
