"""The access matrix: every URL pattern of the project (read from the URL resolver, so a new view
is covered automatically — and fails ``test_every_url_pattern_is_in_the_matrix`` until it is
added to ``MATRIX``) against seven roles, with GET and POST, on real ids and codes of both
districts.

- anonymous: a login redirect for pages, 403 JSON for ``/api/``;
- an object outside the caller's subtree: 404, never 403 (its existence does not leak);
- an object inside, a role that may not write it: 403 on POST (and on GET for write-only forms);
- nothing of the other district shows in any answer that is allowed (lists, search, exports,
  API, dashboards): names, national ids, organisation names and codes are looked for in the
  HTML, the JSON and the cells of every .xlsx.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model

from .urlwalk import endpoints
from .world import MONTH, ROLES, body_text, clients, leaks, world  # noqa: F401 (fixtures)

STAFF = frozenset(ROLES[1:])
DECIDERS = frozenset({"district_x", "district_y", "province"})  # record decisions on members, import them
PROPOSERS = frozenset({"secretary_a", "secretary_b", "grassroots"})  # a cell's proposals
MANAGERS = frozenset({"district_x", "district_y", "province"})  # follow-up assignments
QUOTA_SETTERS = frozenset({"grassroots", "district_x", "district_y", "province"})  # a role above the cell
# The side (district) each role lives in; the province sees both.
HOME = {"secretary_a": "X", "grassroots": "X", "district_x": "X", "secretary_b": "Y", "district_y": "Y"}

# Patterns left out of the matrix, each with its reason (prefixes of the joined route).
EXCLUDED = {
    "admin/": "Django admin: staff-only, guarded by Django's own permission checks (and axes, CSRF tests)",
    "accounts/": "login, logout and password views of django.contrib.auth: tests/hardening/test_login.py",
    "healthz": "public health check for the load balancer: tests/hardening/test_healthz.py",
}


@dataclass
class Target:
    """What a URL is about, for one district: the URL kwargs, the query string, the organisation."""

    kwargs: dict = field(default_factory=dict)
    query: dict = field(default_factory=dict)
    org: object = None


@dataclass
class Spec:
    access: str = "page"  # "page" (login redirect) or "api" (403 JSON)
    target: Callable | None = None  # side -> Target; None: the URL names nothing (a list of the caller's scope)
    get: frozenset = STAFF  # who may GET; others inside the scope get 403
    post: frozenset | str = "read"  # who may POST; "read": POST reads like GET; "405": GET only
    post_data: Callable | None = None  # side -> dict
    get_405: bool = False  # POST only (require_POST)
    province_wide: bool = False  # the object is the province's own, read by everyone working in it
    hidden_from: frozenset = frozenset()  # roles for whom the object does not exist (404) though in their subtree
    params: tuple = ()  # the query parameters the view reads (tests/hardening/test_hostile_input.py feeds them)


def cell(s):
    return Target(kwargs={"code": s.cell.code}, org=s.cell)


def org_query(s):
    return Target(query={"org": s.cell.code}, org=s.cell)


def membership(s, **extra):
    return Target(kwargs={"pk": s.membership.pk, **extra}, org=s.cell)


def upload(kind):
    return lambda s: Target(kwargs={"pk": s.uploads[kind].pk}, org=s.uploads[kind].scope)


def candidate(s):
    return Target(kwargs={"pk": s.candidate.pk}, org=s.cell)


def assignment(s, **extra):
    return Target(kwargs={"pk": s.assignment.pk, **extra}, org=s.cell)


def document(s):
    """An issued paper of the side's candidate (made on first use: the world has none)."""
    from documents.models import IssuedDocument
    from documents.render import DEFAULTS_DIR

    doc = IssuedDocument.objects.filter(candidate=s.candidate).first() or IssuedDocument.objects.create(
        kind="dossier-list",
        form="DM-HS",
        issuer=s.cell,
        issuer_name=s.cell.name,
        year=2024,
        document_date="2024-02-01",
        candidate=s.candidate,
        cell=s.cell,
        title="Danh mục hồ sơ",
        regulation="12-HD/BTCTW",
        template_sha256="-",
        content=(DEFAULTS_DIR / "dossier-list.docx").read_bytes(),
        sha256="-",
        issued_by=s.candidate.events.first().recorded_by or get_user_model().objects.first(),
    )
    return Target(kwargs={"pk": doc.pk}, org=s.cell)


def task_run(s):
    """A finished background task of the side's district staff (made on first use), with a file:
    theirs alone — anyone else, however high, gets 404 as for an id that does not exist."""
    from django.core.files.base import ContentFile

    from partydev.models import TaskRun

    owner = get_user_model().objects.get(username=f"dist_{s.district.code[-1].lower()}")  # dist_x, dist_y
    run = TaskRun.objects.filter(user=owner).first()
    if run is None:
        run = TaskRun(user=owner, task_path="partydev.export_tasks.export_view", title="Xuất tệp", status="done")
        run.result_file.save("ket-qua.txt", ContentFile(b"ket qua"), save=False)
        run.result_name = "ket-qua.txt"
        run.save()
    return Target(kwargs={"pk": run.pk}, org=s.district)


NOT_THE_OWNER = frozenset({"secretary_a", "secretary_b", "grassroots", "province"})


def api_query(s):
    return Target(query={"org": s.cell.code, "from": "2023-01-01", "to": "2024-12-31"}, org=s.cell)


def uploads(ns, route, kind, uploaders, hidden_from=frozenset()):
    return {
        f"{route}": Spec(get=uploaders, post=uploaders),
        f"{route}<int:pk>/": Spec(target=upload(kind), hidden_from=hidden_from),
        f"{route}<int:pk>/confirm/": Spec(target=upload(kind), get_405=True, post=uploaders, hidden_from=hidden_from),
        f"{route}<int:pk>/file/": Spec(target=upload(kind), hidden_from=hidden_from),
    }


# Query parameters read by several views.
MEMBER_FILTERS = ("org", "q", "status", "cell", "sex", "ethnicity", "education", "qualification", "age", "sector")
REPORT_PARAMS = ("from", "to", "year", "year_from", "year_to", "kinds", "levels", "threshold", "sort", "dir", "format")
API_PARAMS = ("org", "from", "to", "kinds")

MATRIX: dict[str, Spec] = {
    "": Spec(),
    "ping/": Spec(),
    # background tasks (partydev/tasks.py): a user's own, nobody else's
    "tasks/": Spec(),
    "tasks/<uuid:pk>/": Spec(target=task_run, hidden_from=NOT_THE_OWNER),
    "tasks/<uuid:pk>/status/": Spec(target=task_run, hidden_from=NOT_THE_OWNER, params=("refresh",)),
    "tasks/<uuid:pk>/file/": Spec(target=task_run, hidden_from=NOT_THE_OWNER),
    "api/organizations": Spec(access="api", post="405", params=("parent",)),
    "api/organizations/<str:code>": Spec(access="api", target=cell, post="405"),
    # members
    "members/": Spec(target=org_query, params=(*MEMBER_FILTERS, "page")),
    "members/export.xlsx": Spec(target=org_query, params=MEMBER_FILTERS),
    "members/new/": Spec(target=org_query, get=DECIDERS, post=DECIDERS, params=("org",)),
    "members/transfer-in/": Spec(target=org_query, get=DECIDERS, post=DECIDERS, params=("org",)),
    # A register file holds national IDs: the provincial office sees only the files it uploaded.
    **uploads("members", "members/import/", "members", DECIDERS, hidden_from=frozenset({"province"})),
    "members/import/template.xlsx": Spec(),
    "members/<int:pk>/": Spec(target=membership),
    # Correcting personal fields: those who read them all (organizations.privacy), not the provincial office.
    "members/<int:pk>/edit/": Spec(
        target=membership,
        get=frozenset({"secretary_a", "secretary_b", "grassroots", "district_x", "district_y"}),
        post=frozenset({"secretary_a", "secretary_b", "grassroots", "district_x", "district_y"}),
    ),
    "members/<int:pk>/record/<str:kind>/": Spec(
        target=lambda s: membership(s, kind="died"), get=DECIDERS, post=DECIDERS, params=("proposal",)
    ),
    "members/<int:pk>/propose/<str:kind>/": Spec(
        target=lambda s: membership(s, kind="died"), get=PROPOSERS, post=PROPOSERS
    ),
    "members/<int:pk>/proposals/<int:proposal_pk>/reject/": Spec(
        target=lambda s: membership(s, proposal_pk=s.proposal.pk), get_405=True, post=DECIDERS
    ),
    "api/reports/members": Spec(access="api", target=org_query, post="405", params=("org", "at")),
    # quotas
    "quotas/": Spec(params=("year",)),
    "quotas/template": Spec(get=QUOTA_SETTERS, params=("year",)),
    **uploads("quotas", "quotas/upload/", "quotas", DECIDERS),
    "quotas/<str:code>/": Spec(target=cell, params=("year",)),
    "quotas/<str:code>/<int:year>/edit/": Spec(
        target=lambda s: Target(kwargs={"code": s.cell.code, "year": s.quota_year}, org=s.cell),
        get=QUOTA_SETTERS,
        post=QUOTA_SETTERS,
        post_data=lambda s: {"target": "4"},
    ),
    # candidates
    "candidates/": Spec(target=org_query, params=("org",)),
    "candidates/board/": Spec(),
    "candidates/board/<str:code>/": Spec(target=cell),
    "candidates/add/": Spec(target=org_query, post=STAFF, params=("org",)),
    "candidates/<int:pk>/": Spec(target=candidate),
    "candidates/<int:pk>/step/": Spec(
        target=candidate,
        get_405=True,
        post=STAFF,
        post_data=lambda s: {"stage": "cultivation", "version": s.candidate.version},
    ),
    "candidates/<int:pk>/drop/": Spec(target=candidate, get_405=True, post=STAFF),
    "candidates/<int:pk>/return/": Spec(target=candidate, get_405=True, post=STAFF),
    "candidates/<int:pk>/move/": Spec(target=candidate, get_405=True, post=STAFF),
    "candidates/<int:pk>/strike-off/": Spec(
        target=candidate, get_405=True, post=DECIDERS
    ),  # not recognised: decided above
    "candidates/<int:pk>/criteria/": Spec(
        target=candidate,
        get_405=True,
        post=STAFF,
        post_data=lambda s: {"criterion": s.criterion.pk, "met_on": "2024-02-01"},
    ),
    "candidates/exceptions/<str:code>/": Spec(target=cell),
    # The working-day calendar: everyone reads it, the provincial office corrects it.
    "candidates/calendar/": Spec(
        post=frozenset({"province"}),
        post_data=lambda s: {"date": "2031-03-12", "kind": "day_off", "decree_number": "99/TB-VPCP"},
    ),
    "candidates/export/<str:code>.xlsx": Spec(target=cell),
    **uploads("candidates", "candidates/import/", "candidates", STAFF, hidden_from=frozenset({"province"})),
    "candidates/import/template.xlsx": Spec(),
    # reports
    "orgs/": Spec(params=("q", "page")),
    "orgs/pick/": Spec(params=("q", "kinds", "under")),
    "orgs/<str:code>/": Spec(target=cell, params=("q", "page")),
    # Restructuring the tree: the provincial office (and administrators) only.
    "orgs/<str:code>/restructure/": Spec(target=cell, get=frozenset({"province"}), post=frozenset({"province"})),
    "dashboard/": Spec(),
    "dashboard/<str:code>/": Spec(target=cell, params=REPORT_PARAMS),
    "reports/<str:code>/new-members/": Spec(target=cell, params=REPORT_PARAMS),
    "reports/<str:code>/coverage/": Spec(target=cell, params=(*REPORT_PARAMS, "table")),
    "reports/<str:code>/exits/": Spec(target=cell, params=REPORT_PARAMS),
    "reports/<str:code>/projection/": Spec(target=cell, params=REPORT_PARAMS),
    "api/reports/achievement": Spec(access="api", target=api_query, post="405", params=API_PARAMS),
    "api/reports/new-members": Spec(access="api", target=api_query, post="405", params=API_PARAMS),
    "api/reports/exits": Spec(access="api", target=api_query, post="405", params=API_PARAMS),
    # documents: the papers of a step are issued by the roles that record it (candidates.rules);
    # whoever sees the candidate's file downloads them; the templates are the provincial office's.
    "candidates/<int:pk>/documents/<str:kind>/issue/": Spec(
        target=lambda s: Target(kwargs={"pk": s.candidate.pk, "kind": "9-knd"}, org=s.cell),
        get_405=True,
        post=DECIDERS,
        post_data=lambda s: {"signer_name": "Nguyễn Văn Ký"},
    ),
    "documents/<int:pk>.docx": Spec(target=document),
    "documents/<int:pk>.pdf": Spec(target=document),
    "documents/register/<str:code>/": Spec(target=cell),
    "documents/cultivation/<str:code>/": Spec(target=cell, post=STAFF),
    "documents/statistics/<str:code>/new-members.xlsx": Spec(target=cell),
    "documents/statistics/<str:code>/admissions.xlsx": Spec(target=cell),
    "documents/templates/": Spec(get=frozenset({"province"}), post=frozenset({"province"})),
    "documents/templates/<str:kind>.docx": Spec(
        target=lambda s: Target(kwargs={"kind": "9-knd"}, org=s.province),
        get=frozenset({"province"}),
        province_wide=True,
    ),
    "documents/templates/<str:kind>/revert/": Spec(
        target=lambda s: Target(kwargs={"kind": "9-knd"}, org=s.province),
        get_405=True,
        post=frozenset({"province"}),
        province_wide=True,
    ),
    # follow-up
    "followup/": Spec(params=("year",)),
    "followup/assignments/": Spec(target=org_query, get=MANAGERS, post=MANAGERS, params=("org", "current", "page")),
    "followup/assignments/<int:pk>/": Spec(
        target=assignment, post=MANAGERS, post_data=lambda s: {"e-end": "2024-12-31"}
    ),
    # The assigned committee member (district staff of the district, here) records the checks.
    "followup/assignments/<int:pk>/<str:month>/": Spec(
        target=lambda s: assignment(s, month=f"{MONTH:%Y-%m}"), post=frozenset({"district_x", "district_y"})
    ),
    "followup/actions/<int:pk>/done/": Spec(
        target=lambda s: Target(kwargs={"pk": s.action.pk}, org=s.cell),
        get_405=True,
        post=MANAGERS,
        post_data=lambda s: {"done_on": "2024-04-01"},
    ),
    "followup/evaluation/<str:code>/": Spec(
        target=cell,
        post=frozenset({"district_x", "district_y", "province"}),
        post_data=lambda s: {"organization": s.cell.code, "level": "good", "year": "2024"},
        params=("year", "format"),
    ),
    # The province's thresholds: everyone in the province reads them, its office sets them.
    "followup/thresholds/<str:code>/": Spec(
        target=lambda s: Target(kwargs={"code": s.province.code}, org=s.province),
        post=frozenset({"province"}),
        province_wide=True,
    ),
    "followup/lists/<str:code>/": Spec(target=cell, params=("from", "to", "year", "year_from", "year_to", "format")),
}

ALL_ENDPOINTS = endpoints()
COVERED = [e for e in ALL_ENDPOINTS if not any(e.route.startswith(prefix) for prefix in EXCLUDED)]


def test_every_url_pattern_is_in_the_matrix():
    """A new view fails here until someone decides who may see and change it."""
    routes = [e.route for e in COVERED]
    missing = sorted(set(routes) - set(MATRIX))
    assert missing == [], f"URL patterns not covered by the access matrix: {missing}"
    stale = sorted(set(MATRIX) - set(routes))
    assert stale == [], f"matrix rows for URL patterns that no longer exist: {stale}"
    assert len(routes) == len(set(routes)), "two URL patterns with the same route"


def _url(route: str, target: Target | None) -> str:
    path = "/" + route
    for key, value in (target.kwargs if target else {}).items():
        for converter in ("int", "str", "uuid"):
            path = path.replace(f"<{converter}:{key}>", str(value))
    if target and target.query:
        from urllib.parse import urlencode

        path += "?" + urlencode(target.query)
    return path


def _inside(user, org) -> bool:
    from organizations.models import Organization

    return Organization.objects.for_user(user).filter(pk=org.pk).exists()


def expected(spec: Spec, role: str, method: str, inside: bool) -> set[int] | str:
    """The status codes allowed for one call, or "ok" (a page, a redirect or a form's 400)."""
    if role == "anonymous":
        refused = {"login"} if spec.access == "page" else {403}
        if method == "get" and spec.get_405 or method == "post" and spec.post == "405":
            refused.add(405)  # the method check may come before the login check
        return refused
    if method == "get" and spec.get_405 or method == "post" and spec.post == "405":
        return {405, 404} if not inside else {405}
    allowed = spec.get if method == "get" or spec.post == "read" else spec.post
    if not inside:
        # Outside the subtree: 404. A role that may never do this anywhere may be refused first.
        return {404} if role in allowed else {403, 404}
    return "ok" if role in allowed else {403}


def _check(route: str, spec: Spec, role: str, method: str, response, want, other_secrets) -> list[str]:
    status = response.status_code
    where = f"{method.upper()} {route} as {role} → {status}"
    if "login" in want and status == 302:
        ok = response["Location"].startswith(settings.LOGIN_URL)
        return [] if ok else [f"{where}: expected a login redirect"]
    if want == "ok":
        if status not in (200, 302, 400):
            return [f"{where}: expected an answer"]
        if status == 302 and response["Location"].startswith(settings.LOGIN_URL):
            return [f"{where}: sent to the login page"]
        if status == 200 and other_secrets:
            found = leaks(body_text(response), other_secrets)
            if found:
                return [f"{where}: shows the other district's {found}"]
        return []
    return [] if status in want else [f"{where}: expected {sorted(map(str, want))}"]


@pytest.mark.parametrize("route", sorted(MATRIX))
def test_access(route, world, clients):
    spec = MATRIX[route]
    sides = ["X", "Y"] if spec.target else [None]
    problems = []
    for side_name in sides:
        side = world.side(side_name) if side_name else None
        target = spec.target(side) if spec.target else None
        url = _url(route, target)
        for role in ROLES:
            user = getattr(world.users, role, None)
            inside = target is None or user is None or spec.province_wide or _inside(user, target.org)
            inside = inside and role not in spec.hidden_from
            home = HOME.get(role)
            other = world.side("Y" if home == "X" else "X").secret_texts() if home else []
            for method in ("get", "post"):
                if method == "post" and side_name == "Y" and spec.post in ("read", "405"):
                    continue  # a POST that writes nothing: one district is enough
                data = spec.post_data(side) if (spec.post_data and side) else {}
                response = getattr(clients[role], method)(url, data)
                want = expected(spec, role, method, inside)
                problems += _check(route, spec, role, method, response, want, other if method == "get" else [])
    assert problems == [], "\n".join(problems)


def test_matrix_runs_on_the_routes_it_names(world, clients):
    """The table's sample URLs reach the view they are written for (no silent 404 from a typo)."""
    from django.urls import resolve

    by_route = {e.route: e for e in COVERED}
    for route, spec in MATRIX.items():
        target = spec.target(world.X) if spec.target else None
        match = resolve(_url(route, target).split("?")[0])
        assert match.func == by_route[route].callback, route


# --- counts: no figure of the other district in a district's answers -------------------------


def test_member_counts_are_those_of_the_scope(world, clients):
    for role, code, total in (
        ("district_x", "T.X", 1),
        ("district_y", "T.Y", 2),
        ("province", "T", 3),
        ("secretary_a", "T.X.1.A", 1),
        ("grassroots", "T.X.1", 1),
    ):
        answer = clients[role].get("/api/reports/members", {"org": code})
        assert answer.status_code == 200, (role, code)
        assert answer.json()["total"] == total, (role, code)
    period = {"from": "2023-01-01", "to": "2023-12-31"}
    for role, code, admitted in (
        ("district_x", "T.X", 1),
        ("district_y", "T.Y", 2),
        ("province", "T", 3),
        ("secretary_a", "T.X.1.A", 1),
    ):
        achievement = clients[role].get("/api/reports/achievement", {"org": code, **period}).json()
        assert achievement["admitted"] == admitted and achievement["members_at_end"]["total"] == admitted, (role, code)
        assert clients[role].get("/api/reports/new-members", {"org": code, **period}).json()["total"] == admitted
        assert clients[role].get("/api/reports/exits", {"org": code, **period}).json()["admitted"] == admitted
    # The children of a district's dashboard are its own: nothing of the other district.
    children = clients["district_x"].get("/api/reports/achievement", {"org": "T.X", **period}).json()["children"]
    assert {c["org"] for c in children} == {"T.X.1", "T.X.2"}
    for role, code in (
        ("district_x", "T.Y"),
        ("district_y", "T.X"),
        ("secretary_a", "T.X"),
        ("secretary_a", "T.X.1.B"),
        ("secretary_b", "T"),
        ("grassroots", "T.Y.1"),
    ):
        assert clients[role].get("/api/reports/members", {"org": code}).status_code == 404, (role, code)


def test_search_finds_nothing_outside_the_scope(world, clients):
    """Searching for the other district's people by name or national id finds nothing."""
    for role, other in (("district_x", world.Y), ("secretary_a", world.Y), ("district_y", world.X)):
        for member in other.memberships:
            for q in (member.person.full_name, member.person.national_id):
                for url in ("/members/", "/members/export.xlsx", "/orgs/"):
                    answer = clients[role].get(url, {"q": q, "status": "all"})
                    assert answer.status_code in (200, 302)
                    if answer.status_code == 200:
                        # the search box shows what was typed: that is the caller's own text
                        secrets = [t for t in other.secret_texts() if t != q]
                        assert leaks(body_text(answer), secrets) == [], (role, url, q)


def test_the_neighbouring_cell_is_outside(world, clients):
    """Secretary A sees nothing of cell B, the other cell of the same grassroots committee."""
    import datetime

    from members.services import member_admit

    neighbour = member_admit(
        person_fields=dict(
            full_name="Quách Thị Bênh",
            sex="female",
            date_of_birth=datetime.date(1992, 6, 1),
            general_education="upper_secondary",
            national_id="001092777888",
        ),
        cell=world.tree.CXB,
        admission_decision_date=datetime.date(2023, 3, 1),
    )
    client = clients["secretary_a"]
    for url in (
        f"/members/{neighbour.pk}/",
        f"/members/{neighbour.pk}/edit/",
        f"/members/{neighbour.pk}/propose/died/",
        f"/members/?org={world.tree.CXB.code}",
        f"/quotas/{world.tree.CXB.code}/",
        f"/dashboard/{world.tree.CXB.code}/",
    ):
        assert client.get(url).status_code == 404, url
    for url in ("/members/", "/members/export.xlsx", "/candidates/", f"/dashboard/{world.tree.CXA.code}/"):
        text = body_text(client.get(url, {"q": "Bênh"} if url.startswith("/members") else {}))
        assert leaks(text, ["Quách Thị Bênh", "001092777888", world.tree.CXB.name]) == [], url
    # Grassroots staff above both cells see it.
    assert clients["grassroots"].get(f"/members/{neighbour.pk}/").status_code == 200
