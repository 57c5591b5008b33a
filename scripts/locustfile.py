"""The load of ``make load`` (locust, headless, against gunicorn on 127.0.0.1).

- ``Reader``: an officer of the province's organisation office (demo account ``province``)
  reading without pause (closed loop): 70% dashboards and lists, 20% candidate pages.
- ``Writer`` (one, ``fixed_count``): other users writing through the pages at one write a
  second, in turn: district staff edits a quota below its ward through its form, the secretary
  of cell HB.TP.001.01 moves a candidate a stage (verification → cell vote, then back with "return
  to an earlier stage"), district staff records a member event (a death) through its form.

``scripts/load_test.py`` runs the readers alone, then readers and writer, and prepares the
writer's rows beforehand (``LOAD_POOL``, a JSON file: the candidates to cycle, the quota to
edit, the members for the events, today's date).
"""

import atexit
import json
import os
import random
import re
import time
from itertools import cycle

import requests
from locust import HttpUser, between, constant, constant_throughput, events, task
from locust.clients import HttpSession

PASSWORD = os.environ.get("LOAD_PASSWORD", "partydev-demo")
POOL = json.load(open(os.environ["LOAD_POOL"])) if os.environ.get("LOAD_POOL") else {}
READ_CANDIDATES = POOL.get("read", [])

# Where the demo accounts work today (``demo.tree.demo_account_orgs``: the province PT and the
# ward PT.002), from the pool; the history before the reform is Hòa Bình (HB) 2016–2022.
ORGS = POOL.get("orgs", {"province": "PT", "ward": "PT.002"})
PROV, WARD = ORGS["province"], ORGS["ward"]
Y2025 = "from=2025-01-01&to=2025-12-31"
# (weight, name, url): 70 for dashboards and lists, 14 for candidate lists, 6 for one candidate's page.
LISTS = [
    (12, "bảng điều khiển tỉnh", f"/dashboard/{PROV}/"),
    (10, "bảng điều khiển phường", f"/dashboard/{WARD}/"),
    (
        6,
        "bảng điều khiển Hòa Bình, cấp huyện 2016–2022",
        "/dashboard/HB/?from=2016-01-01&to=2022-12-31&kinds=district,city",
    ),
    (8, "API kết quả kết nạp", f"/api/reports/achievement?org={PROV}&{Y2025}"),
    (8, "trình duyệt tổ chức", f"/orgs/{WARD}/"),
    (10, "danh sách đảng viên", f"/members/?org={WARD}"),
    (6, "chỉ tiêu", f"/quotas/{WARD}/?year=2026"),
    (5, "chất lượng đảng viên mới", f"/reports/{PROV}/new-members/?{Y2025}"),
    (5, "theo dõi", "/followup/"),
]
CANDIDATE_PAGES = [
    (8, "việc cần làm (kết nạp)", "/candidates/"),
    (6, "bảng theo dõi kết nạp", f"/candidates/board/{WARD}/"),
]
# Every request, one line (time, method, name, ms, failed), for load_test.py to compute exact
# medians and percentiles over several runs.
SAMPLES = open(os.environ["LOAD_SAMPLES"], "a", buffering=1) if os.environ.get("LOAD_SAMPLES") else None
if SAMPLES:
    atexit.register(SAMPLES.close)

    @events.request.add_listener
    def _sample(request_type, name, response_time, exception, **kwargs):
        SAMPLES.write(f"{time.time():.3f}\t{request_type}\t{name}\t{response_time:.1f}\t{int(exception is not None)}\n")


def _pick(choices):
    return random.choices(choices, weights=[w for w, _, _ in choices])[0]


def _login(host: str, username: str) -> requests.cookies.RequestsCookieJar:
    """Signed in outside locust's client, so the login (a deliberately slow password hash) is not
    part of the figures: the mix is what is measured."""
    session = requests.Session()
    session.get(f"{host}/accounts/login/")
    response = session.post(
        f"{host}/accounts/login/",
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies.get("csrftoken", "")},
        allow_redirects=False,
    )
    if response.status_code != 302:
        raise RuntimeError(f"login failed for {username}: {response.status_code}")
    return session.cookies


class Reader(HttpUser):
    # LOAD_READER_WAIT=0 (the default): closed loop, the next request as soon as one is answered.
    wait_time = (
        constant(float(os.environ.get("LOAD_READER_WAIT", "0")))
        if "-" not in os.environ.get("LOAD_READER_WAIT", "0")
        else between(*map(float, os.environ["LOAD_READER_WAIT"].split("-")))
    )

    def on_start(self):
        self.client.cookies.update(_login(self.host, os.environ.get("LOAD_USERNAME", "province")))

    @task(70)
    def lists(self):
        _, name, url = _pick(LISTS)
        self.client.get(url, name=name)

    @task(14)
    def candidate_lists(self):
        _, name, url = _pick(CANDIDATE_PAGES)
        self.client.get(url, name=name)

    @task(6)
    def candidate_page(self):
        if READ_CANDIDATES:
            self.client.get(f"/candidates/{random.choice(READ_CANDIDATES)}/", name="trang một đối tượng")


class Writer(HttpUser):
    """One write a second through the pages, by users other than the readers'."""

    fixed_count = 1
    wait_time = constant_throughput(1)

    def on_start(self):
        self.client.cookies.update(_login(self.host, "district"))
        self.secretary = HttpSession(
            base_url=self.host, request_event=self.environment.events.request, user=self, pool_manager=None
        )
        self.secretary.cookies.update(_login(self.host, "secretary"))
        self.kinds = cycle([self.quota_edit, self.stage_change, self.member_event])
        self.candidates = cycle(POOL.get("candidates", []))
        self.members = list(POOL.get("members", []))
        self.quota = POOL.get("quota")

    @task
    def write(self):
        next(self.kinds)()

    def _post(self, client, url, data, name):
        data = {**data, "csrfmiddlewaretoken": client.cookies.get("csrftoken", "")}
        with client.post(url, data, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
                return False
        return True

    def quota_edit(self):
        q = self.quota
        if not q:
            return
        url = f"/quotas/{q['code']}/{q['year']}/edit/"
        # The inline form as the page opens it (htmx), for the token of the value it shows.
        form = self.client.get(url, headers={"HX-Request": "true"}, name="ghi: (mở biểu mẫu chỉ tiêu)")
        seen = re.search(r'name="seen"[^>]*value="([^"]*)"', form.text) or re.search(
            r'value="([^"]*)"[^>]*name="seen"', form.text
        )
        q["up"] = not q.get("up")
        target = q["target"] + 1 if q["up"] else q["target"]
        data = {"target": target, "minimum": q.get("minimum") or "", "note": "", "seen": seen.group(1) if seen else ""}
        self._post(self.client, url, data, "ghi: sửa chỉ tiêu")

    def stage_change(self):
        c = next(self.candidates, None)
        if c is None:
            return
        if c["stage"] == "verification":
            data = {
                "stage": "cell_vote",
                "version": c["version"],
                "cell_vote_date": POOL["today"],
                "cell_present": 9,
                "cell_total": 10,
                "cell_votes_for": 9,
            }
            ok = self._post(self.secretary, f"/candidates/{c['id']}/step/", data, "ghi: chuyển giai đoạn")
            after = "cell_vote"
        else:
            data = {
                "ret-to_stage": "verification",
                "ret-version": c["version"],
                "ret-effective_date": POOL["today"],
                "ret-reason": "Bổ sung thẩm tra lý lịch (thử tải)",
            }
            ok = self._post(self.secretary, f"/candidates/{c['id']}/return/", data, "ghi: trả về giai đoạn")
            after = "verification"
        if ok:
            c["stage"], c["version"] = after, c["version"] + 1

    def member_event(self):
        if not self.members:
            return
        m = self.members.pop()
        data = {"effective_date": POOL["today"], "decision_number": f"{m['id']}-QĐ/TT", "version": m["version"]}
        self._post(self.client, f"/members/{m['id']}/record/died/", data, "ghi: sự kiện đảng viên")
