"""A small world for the access matrix: the ``tree``/``users`` of ``tests.fixtures`` plus one
object of each kind in each district (X in cell CXA, Y in cell CYA), made through the apps'
services, with names that are easy to look for in a response."""

import datetime
import io
import json
from dataclasses import dataclass, field

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, override_settings
from openpyxl import Workbook, load_workbook

from candidates.models import LocalCriterion
from candidates.services import candidate_create
from followup.models import CheckAction
from followup.services import assignment_create, check_save, committee_member_create
from members.models import EventKind, Proposal
from members.quotas.services import quota_set
from members.services import member_admit, proposal_create
from partydev.models import Upload
from tests.fixtures import build_small_province, make_users

# Names and national ids by district: what must never show up in the other district's answers.
PEOPLE = {
    "X": [("Đinh Văn Xứng", "001090000111", "thai", "buddhism")],
    "Y": [
        ("Lường Thị Yêm", "001090000222", "hmong", "catholicism"),
        ("Hà Văn Yểng", "001090000333", "dao", "protestantism"),
    ],
}
CANDIDATES = {"X": ("Bạc Cầm Xoan", "001098000444"), "Y": ("Vi Thị Yến Nhi", "001098000555")}
MONTH = datetime.date(2024, 3, 1)


@dataclass
class Side:
    """The objects of one district."""

    province: object
    district: object
    grassroots: object
    cell: object
    memberships: list = field(default_factory=list)
    proposal: object = None
    candidate: object = None
    criterion: object = None
    quota_year: int = 2024
    uploads: dict = field(default_factory=dict)  # kind -> Upload
    assignment: object = None
    action: object = None

    @property
    def membership(self):
        return self.memberships[0]

    def secret_texts(self) -> list[str]:
        """Texts that identify this district's people and organisations."""
        names = [m.person.full_name for m in self.memberships] + [self.candidate.person.full_name]
        ids = [m.person.national_id for m in self.memberships] + [self.candidate.person.national_id]
        orgs = [self.district.name, self.grassroots.name, self.cell.name, self.cell.code]
        return names + ids + orgs


@dataclass
class World:
    tree: object
    users: object
    X: Side
    Y: Side

    def side(self, name):
        return getattr(self, name)


def _xlsx_bytes() -> bytes:
    wb = Workbook()
    wb.active.append(["Mã", "Chỉ tiêu"])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _upload(kind: str, scope, user) -> Upload:
    data = _xlsx_bytes()
    upload = Upload(
        kind=kind,
        scope=scope,
        original_name=f"{kind}.xlsx",
        size=len(data),
        sha256="0" * 64,
        uploaded_by=user,
        status=Upload.Status.PREVIEWED,
    )
    upload.file.save(f"{kind}.xlsx", ContentFile(data), save=False)
    upload.save()
    return upload


def build_world() -> World:
    tree = build_small_province()
    users = make_users(tree)
    sides = {}
    for name, district, grassroots, cell, staff, secretary in (
        ("X", tree.X, tree.GX, tree.CXA, users.district_x, users.secretary_a),
        ("Y", tree.Y, tree.GY, tree.CYA, users.district_y, users.secretary_b),
    ):
        side = Side(province=tree.P, district=district, grassroots=grassroots, cell=cell)
        for i, (full_name, national_id, ethnicity, religion) in enumerate(PEOPLE[name]):
            side.memberships.append(
                member_admit(
                    person_fields=dict(
                        full_name=full_name,
                        sex="male",
                        date_of_birth=datetime.date(1990, 5, 17 + i),
                        general_education="upper_secondary",
                        national_id=national_id,
                        ethnicity=ethnicity,
                        religion=religion,
                        place_of_origin=f"Quê {name}",
                    ),
                    cell=cell,
                    admission_decision_date=datetime.date(2023, 2, 10),
                    admission_decided_by=district,
                    ceremony_date=datetime.date(2023, 2, 20),
                    user=staff,
                )
            )
        side.proposal = proposal_create(
            side.membership,
            kind=EventKind.DIED,
            proposed_on=datetime.date(2024, 1, 5),
            user=secretary,
            reason="Từ trần",
        )
        assert side.proposal.state == Proposal.State.PENDING
        full_name, national_id = CANDIDATES[name]
        side.candidate = candidate_create(
            person_fields=dict(
                full_name=full_name,
                sex="female",
                date_of_birth=datetime.date(2001, 4, 2),
                general_education="upper_secondary",
                national_id=national_id,
                ethnicity="tay",
            ),
            cell=cell,
            source_kind="youth_union",
            effective_date=datetime.date(2024, 1, 8),
            user=secretary,
        )
        side.criterion = LocalCriterion.objects.create(organization=district, label=f"Tiêu chí riêng {name}")
        quota_set(organization=cell, year=side.quota_year, target=3, user=users.province)
        quota_set(organization=district, year=side.quota_year, target=30, user=users.province)
        side.uploads = {
            "members": _upload("members", district, staff),
            "quotas": _upload("quotas", district, staff),
            "candidates": _upload("candidates", cell, secretary),
        }
        member = committee_member_create(
            actor=users.province, user=staff, committee=district, full_name=f"Cấp ủy viên {name}"
        )
        side.assignment = assignment_create(
            actor=users.province, committee_member=member, organization=cell, start=datetime.date(2024, 1, 1)
        )
        check_save(
            actor=staff,
            assignment=side.assignment,
            month=MONTH,
            checked_on=datetime.date(2024, 3, 20),
            reviewed="Sổ nguồn",
            findings="Đúng tiến độ",
            actions=[
                {"description": f"Việc cần làm {name}", "owner": "Bí thư", "due_date": datetime.date(2024, 4, 30)}
            ],
        )
        side.action = CheckAction.objects.get(check_record__assignment=side.assignment)
        sides[name] = side
    return World(tree=tree, users=users, X=sides["X"], Y=sides["Y"])


ROLES = ["anonymous", "secretary_a", "secretary_b", "grassroots", "district_x", "district_y", "province"]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """The world, built once per module and rolled back after it; each test runs in a savepoint."""
    media = override_settings(MEDIA_ROOT=str(tmp_path_factory.mktemp("media")))
    media.enable()
    try:
        with django_db_blocker.unblock(), transaction.atomic():
            yield build_world()
            transaction.set_rollback(True)
    finally:
        media.disable()


@pytest.fixture
def clients(world, db):
    """A logged-in test client per role (``force_login``: axes refuses a login without a request)."""
    result = {"anonymous": Client()}
    for role in ROLES[1:]:
        result[role] = Client()
        result[role].force_login(getattr(world.users, role))
    return result


def body_text(response) -> str:
    """What a person would read in the answer: HTML or JSON text, or every cell of a workbook."""
    content_type = response.get("Content-Type", "")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in content_type:
        wb = load_workbook(io.BytesIO(content), read_only=True)
        return "\n".join(
            str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v is not None
        )
    if "json" in content_type:
        return json.dumps(json.loads(content), ensure_ascii=False)
    return content.decode("utf-8", "replace")


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [s for s in secrets if s and s in text]
