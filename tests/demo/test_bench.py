"""``make bench`` on a tiny database: the cold rounds write through the pages as other users,
inside the subtree of the page read, and the report carries cold, warm and /ping/ figures.
No timing is asserted (the targets live in the benchmark's own report)."""

import datetime
import io
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from candidates.models import CandidateEvent, Stage
from demo import tree as organizations_demo
from followup.models import CommitteeMember
from members.models import EventKind, MembershipEvent
from members.quotas.models import Quota
from organizations.models import Kind, Organization
from organizations.services import organization_create
from tests.candidates.factories import candidate_at
from tests.members.factories import admit, official


@pytest.fixture
def tiny(db):
    """The demo tree and accounts with a handful of rows: enough for every kind of write, and
    something in each step of ``seed_demo`` so that it adds nothing."""
    organizations_demo.seed_tree(1)
    # bare roots of the other former provinces and of today's Phú Thọ: the seed's provinces and
    # reform steps then add nothing (tests/reform covers them)
    for code in ("PTC", "VP", "PT"):
        root = organization_create(parent=None, code=code, name=f"Đảng bộ tỉnh {code}", kind=Kind.PROVINCE)
        Quota.objects.create(organization=root, year=2025, target=10)
    organizations_demo.seed_accounts()
    org = {code: Organization.objects.get(code=code) for code in ("HB", "HB.TP", "HB.TP.001", "HB.TP.002.01")}
    for i in range(4):
        official(org["HB.TP.002.01"], national_id=f"0010990000{i:02d}")
    admit(org["HB.TP.002.01"], datetime.date(2024, 3, 1))  # the history step: already there
    candidate_at(Organization.objects.get(code="HB.TP.001.01"), Stage.VERIFICATION)
    Quota.objects.create(organization=org["HB"], year=2022, target=10)
    Quota.objects.create(organization=org["HB.TP.001"], year=2025, target=3, minimum=1)
    user = get_user_model().objects.create(username="capuy")
    CommitteeMember.objects.create(user=user, committee=org["HB"], full_name="Bùi Văn Thắng")
    return org


def test_cold_rounds_write_through_pages_as_other_users(tiny, tmp_path):
    out = tmp_path / "bench.json"
    call_command(
        "bench",
        in_place=True,
        repeat=3,
        only=["Bảng điều khiển — tỉnh", "Bảng điều khiển — Hòa Bình"],
        no_spreadsheets=True,
        json=str(out),
        output=str(tmp_path / "bench.md"),
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    report = json.loads(out.read_text())
    pages = [r for r in report["rows"] if r["url"].startswith("/dashboard/HB/")]
    # The province of the demo accounts (Hòa Bình here, before any reform) and Hòa Bình's history.
    assert [r["label"] for r in pages] == [
        "Bảng điều khiển — tỉnh (HB)",
        "Bảng điều khiển — Hòa Bình, cấp huyện 2016–2022",
    ]
    for row in pages:
        assert "error" not in row, row
        assert row["cold_ms"] > 0 and row["warm_ms"] > 0 and row["ping_ms"] > 0
        assert row["cold_queries"] and row["warm_queries"]
        assert "province" not in row["writers"]  # the reader never writes
    # Each kind of write went through its page, by another user, inside the province.
    writes = {w["key"]: w for w in report["writes"]}
    assert writes["quota"]["writer"] == "district"
    assert writes["stage"]["writer"] == "secretary"
    assert writes["member"]["writer"] == "district"
    assert all(w["n"] >= 1 for w in writes.values())
    district = get_user_model().objects.get(username="district")
    secretary = get_user_model().objects.get(username="secretary")
    assert MembershipEvent.objects.filter(kind=EventKind.DIED, recorded_by=district).count() >= 2
    assert CandidateEvent.objects.filter(recorded_by=secretary, stage_to=Stage.CELL_VOTE).exists()
    assert Quota.objects.get(organization=tiny["HB.TP.001"], year=2025).set_by == district
    markdown = (tmp_path / "bench.md").read_text()
    assert "lạnh × /ping/" in markdown and "Sửa một chỉ tiêu (biểu mẫu)" in markdown


def test_no_writes_leaves_the_database_as_it_was(tiny):
    before = (MembershipEvent.objects.count(), CandidateEvent.objects.count(), list(Quota.objects.values_list()))
    text = io.StringIO()
    call_command(
        "bench",
        in_place=True,
        repeat=1,
        only="Bảng điều khiển — tỉnh",
        no_writes=True,
        stdout=text,
        stderr=io.StringIO(),
    )
    assert (
        MembershipEvent.objects.count(),
        CandidateEvent.objects.count(),
        list(Quota.objects.values_list()),
    ) == before
    assert "Bảng điều khiển — tỉnh" in text.getvalue() and "lỗi" not in text.getvalue()
