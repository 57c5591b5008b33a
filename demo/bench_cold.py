"""The cold read of ``make bench``: the first read of a page right after another user's write,
made through a page, beside the repeated read and ``/ping/``, interleaved.

Each round is four requests: ``/ping/`` (the yardstick), one write by another user through its
page, the page (cold: the first read after that write) and the page again (warm). The writes
take turns, one kind a round:

- ``quota``: a quota of 2022 edited through its form (``/quotas/<code>/2022/edit/``), by district
  staff when the page is not theirs;
- ``stage``: a candidate moved a stage through the candidate's page (verification → cell vote,
  then back again with "return to an earlier stage"), by the cell's secretary when the page is
  not theirs;
- ``member``: a member event recorded through its form (a death, ``/members/<pk>/record/died/``),
  by district staff when the page is not theirs.

Every write lands inside the subtree the page shows (a cache kept per subtree must be refreshed
by it), by the first user of ``WRITERS`` who is not the reader and reaches into that subtree. When
no such user exists (a province of a large scale that only the administrator sees), the write is
made where the next user can, and the table says so. The writes are timed too: their medians are
the write latencies of the report.
"""

import datetime
import math
import re
import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from candidates.models import Candidate, Stage
from members.models import EventKind, Membership, MembershipEvent, Status
from members.quotas import services as quota_services
from members.quotas.models import Quota
from organizations.models import Organization, Succession, user_root_paths

WRITE_KINDS = ("quota", "stage", "member")
WRITERS = {
    "quota": ("district", "province", "admin"),
    "stage": ("secretary", "grassroots", "district", "province", "admin"),
    "member": ("district", "province", "admin"),
}
QUOTA_YEAR = 2025
LABELS = {
    "quota": "Sửa một chỉ tiêu (biểu mẫu)",
    "stage": "Chuyển giai đoạn: thẩm tra → chi bộ biểu quyết (biểu mẫu)",
    "stage_return": "Chuyển giai đoạn: trả về thẩm tra (biểu mẫu)",
    "member": "Một sự kiện đảng viên: từ trần (biểu mẫu)",
}
# The target of issue 14 for a write through its page, in milliseconds (median).
WRITE_TARGET_MS = 20.0
CODE_IN_URL = re.compile(
    r"(?:/(?:orgs|dashboard|quotas|reports|board|evaluation|lists)/|[?&]org=|/api/organizations/)([A-Z0-9][A-Z0-9.]*)"
)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)]


def reach(username: str) -> list[str]:
    """Path prefixes of the subtrees a user may act in ('' for an administrator: everything)."""
    user = get_user_model().objects.get(username=username)
    return [""] if user.is_superuser else user_root_paths(user)


def page_scope(url: str, username: str) -> str:
    """The path of the subtree a page shows: the organisation its URL names, else the reader's."""
    match = CODE_IN_URL.search(url)
    if match:
        org = Organization.objects.filter(code=match.group(1)).only("path", "valid_to").first()
        if org is not None and org.valid_to is not None:
            # Ended by the 2025 reform: its cells are today under its first successor.
            successor = Succession.objects.filter(predecessor=org).order_by("id").values_list("successor", flat=True)
            org = Organization.objects.filter(pk__in=successor[:1]).only("path").first() or org
        if org is not None:
            return org.path
    paths = reach(username)
    return paths[0] if len(paths) == 1 else ""


@dataclass
class Plan:
    """Who writes what, for one page: kind → (username, subtree path the write lands in, inside?)."""

    writers: dict[str, tuple[str, str, bool]]

    def describe(self) -> str:
        names = sorted({u for u, _, _ in self.writers.values()})
        outside = [k for k, (_, _, inside) in self.writers.items() if not inside]
        return ", ".join(names) + (f" (ngoài cây trang: {', '.join(outside)})" if outside else "")


@dataclass
class Writer:
    """Makes the writes of the cold rounds through the pages and keeps their timings."""

    client_for: Callable[[str], Client]
    exclude_candidates: set[int] = field(default_factory=set)
    exclude_members: set[int] = field(default_factory=set)
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    queries: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    writers: dict[str, str] = field(default_factory=dict)
    turn: int = 0
    _reach: dict[str, list[str]] = field(default_factory=dict)
    _candidates: dict[str, list[int]] = field(default_factory=dict)
    _members: dict[str, list[int]] = field(default_factory=dict)
    _quota_orgs: dict[tuple[str, str], tuple[Organization, int]] = field(default_factory=dict)
    _stage_turn: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def plan(self, scope: str, reader: str) -> Plan:
        writers = {}
        for kind, names in WRITERS.items():
            choice = None
            for username in names:
                if username == reader:
                    continue
                for root in self._reach.setdefault(username, reach(username)):
                    if root.startswith(scope) or scope.startswith(root):
                        choice = (username, max(root, scope, key=len), True)
                        break
                if choice:
                    break
            if choice is None:  # nobody else reaches into the page's subtree: write where the next one can
                username = next(u for u in names if u != reader)
                choice = (username, self._reach.setdefault(username, reach(username))[0], False)
            writers[kind] = choice
        return Plan(writers)

    def write(self, plan: Plan, capture: bool = False) -> str:
        """One write of the next kind in turn; returns the kind."""
        kind = WRITE_KINDS[self.turn % len(WRITE_KINDS)]
        self.turn += 1
        username, path, _ = plan.writers[kind]
        client = self.client_for(username)
        label, url, data = getattr(self, f"_{kind}")(username, path)
        with CaptureQueriesContext(connection) if capture else _Nothing() as ctx:
            t0 = time.perf_counter()
            response = client.post(url, data)
            elapsed = (time.perf_counter() - t0) * 1000
        if response.status_code != 302:
            raise RuntimeError(f"{LABELS[label]} — {url}: {response.status_code} {_errors(response)}")
        if capture:
            self.queries[label].add(len(ctx.captured_queries))
        else:
            self.times[label].append(elapsed)
        self.writers.setdefault(label, username)
        return kind

    # Each returns (label, url, data): what the page's form would post.
    def _quota(self, username: str, path: str):
        key = (username, path)
        if key not in self._quota_orgs:
            user = get_user_model().objects.get(username=username)
            org = (
                quota_services.settable_organizations(user)
                .filter(path__startswith=path)
                .order_by("depth", "path")
                .first()
            )
            if org is None:
                raise RuntimeError(f"{username} không đặt được chỉ tiêu nào dưới {path}")
            quota = Quota.objects.filter(organization=org, year=QUOTA_YEAR).first()
            self._quota_orgs[key] = (org, quota.target if quota else 0)
        org, original = self._quota_orgs[key]
        quota = Quota.objects.filter(organization=org, year=QUOTA_YEAR).first()
        target = quota.target if quota else 0
        minimum = quota.minimum if quota else None
        # Up one, then back: the figures move by one and come back.
        new = original + 1 if target == original else original
        data = {
            "target": new,
            "minimum": "" if minimum is None else min(minimum, new),
            "note": quota.note if quota else "",
            "seen": quota_services.version_token(quota),
        }
        return "quota", f"/quotas/{org.code}/{QUOTA_YEAR}/edit/", data

    def _stage(self, username: str, path: str):
        if path not in self._candidates:
            self._candidates[path] = list(
                Candidate.objects.filter(cell__path__startswith=path, stage__in=[Stage.VERIFICATION, Stage.CELL_VOTE])
                .exclude(pk__in=self.exclude_candidates)
                .order_by("id")
                .values_list("pk", flat=True)[:5]
            )
            if not self._candidates[path]:
                raise RuntimeError(f"không có đối tượng nào ở bước thẩm tra dưới {path}")
        pool = self._candidates[path]
        pk = pool[self._stage_turn[path] % len(pool)]
        self._stage_turn[path] += 1
        c = Candidate.objects.only("stage", "version", "stage_date").get(pk=pk)
        today = timezone.localdate()
        if c.stage == Stage.VERIFICATION:
            data = {
                "stage": Stage.CELL_VOTE,
                "version": c.version,
                "cell_vote_date": _d(max(today, c.stage_date)),
                "cell_present": 9,
                "cell_total": 10,
                "cell_votes_for": 9,
            }
            return "stage", f"/candidates/{pk}/step/", data
        data = {
            "ret-to_stage": Stage.VERIFICATION,
            "ret-version": c.version,
            "ret-effective_date": _d(max(today, c.stage_date)),
            "ret-reason": "Bổ sung thẩm tra lý lịch (đo hiệu năng)",
        }
        return "stage_return", f"/candidates/{pk}/return/", data

    def _member(self, username: str, path: str):
        today = timezone.localdate()
        pool = self._members.setdefault(path, [])
        if not pool:
            later = MembershipEvent.objects.filter(effective_date__gt=today).values("membership_id")
            pool += list(
                Membership.objects.filter(cell__path__startswith=path, status=Status.OFFICIAL)
                .exclude(pk__in=self.exclude_members)
                .exclude(pk__in=later)
                .order_by("-id")
                .values_list("pk", flat=True)[:200]
            )
            if not pool:
                raise RuntimeError(f"không còn đảng viên chính thức nào dưới {path}")
        pk = pool.pop(0)
        while pk in self.exclude_members:  # used meanwhile through another subtree's pool
            if not pool:
                return self._member(username, path)
            pk = pool.pop(0)
        self.exclude_members.add(pk)
        version = Membership.objects.values_list("version", flat=True).get(pk=pk)
        data = {"effective_date": _d(today), "decision_number": f"{self.turn}-QĐ/ĐHN", "version": version}
        return "member", f"/members/{pk}/record/{EventKind.DIED}/", data

    def figures(self) -> list[dict]:
        out = []
        for label in LABELS:
            times = self.times.get(label)
            if not times:
                continue
            queries = sorted(self.queries.get(label, ()))
            out.append(
                {
                    "label": LABELS[label],
                    "key": label,
                    "writer": self.writers.get(label, ""),
                    "n": len(times),
                    "median_ms": statistics.median(times),
                    "p95_ms": p95(times),
                    "queries": "–".join(str(q) for q in (queries[0], queries[-1]) if queries)
                    if len(set(queries)) > 1
                    else (str(queries[0]) if queries else ""),
                }
            )
        return out


class _Nothing:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


def _d(day: datetime.date) -> str:
    return day.strftime("%d/%m/%Y")


def _errors(response) -> str:
    text = response.content.decode(errors="replace")
    found = re.findall(r'class="[^"]*(?:errorlist|error|failure)[^"]*"[^>]*>\s*(?:<li>)?([^<]{3,200})', text)
    return "; ".join(s.strip() for s in found[:3]) or text[:200]


def measure_cold(client: Client, url: str, rounds: int, ping: Client, writer: Writer, plan: Plan) -> dict:
    """``rounds`` rounds of /ping/, a write, the page cold, the page warm; then one more round
    per kind of write with the queries counted (untimed). Medians and p95 of each; the ratios
    are to the /ping/ median of the same rounds."""
    t0 = time.perf_counter()
    response = client.get(url)
    first_ms = (time.perf_counter() - t0) * 1000
    if response.status_code != 200:
        raise RuntimeError(f"{url}: {response.status_code}")
    cold, warm, base = [], [], []
    for _ in range(rounds):
        t0 = time.perf_counter()
        ping.get("/ping/")
        base.append(time.perf_counter() - t0)
        writer.write(plan)
        t0 = time.perf_counter()
        response = client.get(url)
        cold.append(time.perf_counter() - t0)
        if response.status_code != 200:
            raise RuntimeError(f"{url}: {response.status_code}")
        t0 = time.perf_counter()
        client.get(url)
        warm.append(time.perf_counter() - t0)
    cold_queries, warm_queries, slowest = set(), set(), None
    for _ in WRITE_KINDS:
        writer.write(plan, capture=True)
        with CaptureQueriesContext(connection) as ctx:
            t0 = time.perf_counter()
            client.get(url)
            elapsed = (time.perf_counter() - t0) * 1000
        cold_queries.add(len(ctx.captured_queries))
        top = max(ctx.captured_queries, key=lambda q: float(q["time"]), default=None)
        if top and (slowest is None or float(top["time"]) * 1000 > slowest[0]):
            slowest = (float(top["time"]) * 1000, " ".join(top["sql"].split())[:160], elapsed)
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        warm_queries.add(len(ctx.captured_queries))
    ping_ms = statistics.median(base) * 1000
    return {
        "first_ms": first_ms,
        "cold_ms": statistics.median(cold) * 1000,
        "cold_p95_ms": p95(cold) * 1000,
        "warm_ms": statistics.median(warm) * 1000,
        "warm_p95_ms": p95(warm) * 1000,
        "ping_ms": ping_ms,
        "cold_ratio": statistics.median(cold) * 1000 / ping_ms,
        "warm_ratio": statistics.median(warm) * 1000 / ping_ms,
        "cold_queries": sorted(cold_queries),
        "warm_queries": sorted(warm_queries),
        "slowest": slowest,
        "writers": plan.describe(),
    }
