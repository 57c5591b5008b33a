"""The load of ``make load`` (locust, headless, against gunicorn on 127.0.0.1).

A realistic mix for signed-in staff of the demo province, by weight: 70% dashboards and lists,
20% candidate pages, 10% writes (a candidate's stage change: verification → cell vote, through
the page). The candidates to move are chosen beforehand by
``scripts/load_test.py`` and passed in ``LOAD_CANDIDATES`` (a JSON file); each is moved once.
"""

import json
import os
import random

import requests
from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "partydev-demo")
POOL = (
    json.load(open(os.environ["LOAD_CANDIDATES"])) if os.environ.get("LOAD_CANDIDATES") else {"write": [], "read": []}
)
WRITES = list(POOL["write"])
random.shuffle(WRITES)

# (weight, name, url): weights add up to 70 for dashboards and lists, 20 for candidate pages.
LISTS = [
    (12, "bảng điều khiển tỉnh", "/dashboard/HB/"),
    (10, "bảng điều khiển thành phố", "/dashboard/HB.TP/"),
    (
        6,
        "bảng điều khiển tỉnh, cấp huyện 2016–2022",
        "/dashboard/HB/?from=2016-01-01&to=2022-12-31&kinds=district,city",
    ),
    (8, "API kết quả kết nạp", "/api/reports/achievement?org=HB&from=2022-01-01&to=2022-12-31&kinds=district,city"),
    (8, "trình duyệt tổ chức", "/orgs/HB.TP/"),
    (10, "danh sách đảng viên", "/members/?org=HB.TP"),
    (6, "chỉ tiêu", "/quotas/HB.TP/?year=2023"),
    (5, "chất lượng đảng viên mới", "/reports/HB/new-members/?from=2022-01-01&to=2022-12-31"),
    (5, "theo dõi", "/followup/"),
]
CANDIDATE_PAGES = [
    (8, "việc cần làm (kết nạp)", "/candidates/"),
    (6, "bảng theo dõi kết nạp", "/candidates/board/HB.YT/"),
]
CANDIDATE_PAGE_WEIGHT = 6  # one candidate's page: 8 + 6 + 6 = 20
WRITE_WEIGHT = 10


def _pick(choices):
    return random.choices(choices, weights=[w for w, _, _ in choices])[0]


class Officer(HttpUser):
    """An officer of the province's organisation office (demo account ``province``): reads the
    province's and the city's reports and records steps of candidates anywhere in the province."""

    wait_time = between(0.5, 2.0)

    def on_start(self):
        # Signed in outside locust's client, so the login (a deliberately slow password hash) is
        # not part of the figures: the mix is what is measured.
        username = os.environ.get("LOAD_USERNAME", "province")
        session = requests.Session()
        session.get(f"{self.host}/accounts/login/")
        response = session.post(
            f"{self.host}/accounts/login/",
            {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": session.cookies.get("csrftoken", "")},
            allow_redirects=False,
        )
        if response.status_code != 302:
            raise RuntimeError(f"login failed for {username}: {response.status_code}")
        self.client.cookies.update(session.cookies)

    @task(70)
    def lists(self):
        _, name, url = _pick(LISTS)
        self.client.get(url, name=name)

    @task(14)
    def candidate_lists(self):
        _, name, url = _pick(CANDIDATE_PAGES)
        self.client.get(url, name=name)

    @task(CANDIDATE_PAGE_WEIGHT)
    def candidate_page(self):
        if POOL["read"]:
            self.client.get(f"/candidates/{random.choice(POOL['read'])}/", name="trang một đối tượng")

    @task(WRITE_WEIGHT)
    def stage_change(self):
        if not WRITES:
            return
        c = WRITES.pop()
        data = {
            "stage": "cell_vote",
            "version": c["version"],
            "override_reason": "thử tải",
            "cell_vote_date": c["vote_date"],
            "cell_present": 9,
            "cell_total": 10,
            "cell_votes_for": 9,
            "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
        }
        with self.client.post(
            f"/candidates/{c['id']}/step/",
            data,
            name="ghi: chuyển giai đoạn",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"status {response.status_code}")
