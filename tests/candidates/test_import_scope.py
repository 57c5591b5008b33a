"""Issue 15, finding 3: the candidates back-fill import is no oracle for a cell secretary.

A candidate's national ID from another district answered with her name and cell; a member's
confirmed that the person exists; the helper column told real members from others. Now every
number the uploader may not use — somebody else's candidate or member, a person outside the
scope, a number nobody has — gets the same message, holding no name, birth date, cell or status.
"""

import datetime
import unicodedata

import pytest

from candidates.importers import CandidateBackfillImporter
from candidates.models import Candidate
from members.models import Person
from partydev.models import AuditEvent
from partydev.uploads import UNUSABLE_IDENTIFIER, upload_commit

from .factories import candidate_at, official_member
from .test_import import row, run, sheet

pytestmark = pytest.mark.django_db
D = datetime.date
CULTIVATION = {
    "Giai đoạn đã đạt": "Đối tượng bồi dưỡng",
    "CCCD người giới thiệu 1": None,
    "CCCD người giới thiệu 2": None,
}


@pytest.fixture
def world(tree, users):
    return {
        "helper_a": official_member(tree.CXA, national_id="017100000001", full_name="Bùi Văn Giúp"),
        "helper_b": official_member(tree.CXB, national_id="017100000002", full_name="Bùi Văn Bên"),
        "member_y": official_member(
            tree.CYA, national_id="017100000003", full_name="Mai Thanh Loan", date_of_birth=D(1997, 1, 6)
        ),
        "candidate_y": candidate_at(
            tree.CYA, "source", national_id="017200000901", full_name="Vi Thị Yến", date_of_birth=D(2001, 2, 3)
        ),
        "candidate_xb": candidate_at(
            tree.CXB, "source", national_id="017200000902", full_name="Hà Thị Mít", date_of_birth=D(2002, 3, 4)
        ),
    }


SECRETS = [
    "Mai Thanh Loan",
    "06/01/1997",
    "Vi Thị Yến",
    "03/02/2001",
    "Hà Thị Mít",
    "04/03/2002",
    "Bùi Văn Bên",
    "Chi bộ bản Lác",
    "T.Y.1.A",
    "Chi bộ xóm Mít",
    "T.X.1.B",
    "đảng viên",
    "đối tượng",
    "quy trình",
    "chính thức",
]


def unusable(column, value):
    return f"{column} “{value}” {UNUSABLE_IDENTIFIER}"


def test_a_cell_secretary_learns_nothing_from_numbers_outside_her_cell(tree, users, world):
    rows = [
        row(tree.CXA.code, "017200000901", **CULTIVATION),  # a candidate in district Y
        row(tree.CXA.code, "017100000003", **CULTIVATION),  # a member in district Y
        row(tree.CXA.code, "017200000902", **CULTIVATION),  # a candidate in the sibling cell
        row(tree.CXA.code, "017200000111", **CULTIVATION, **{"CCCD đảng viên giúp đỡ": "017100000003"}),
        row(tree.CXA.code, "017200000112", **CULTIVATION, **{"CCCD đảng viên giúp đỡ": "017299999999"}),
        row(tree.CXA.code, "017200000113", **CULTIVATION, **{"CCCD đảng viên giúp đỡ": "017200000901"}),
        row(tree.CXA.code, "017200000114", **CULTIVATION, **{"CCCD đảng viên giúp đỡ": "017100000002"}),
    ]
    _, result = run(sheet(rows), users.secretary_a, tree.CXA)
    got = {(e["row"], e["column"], e["message"]) for e in result.errors}
    assert got == {
        (4, "Số CCCD", unusable("Số CCCD", "017200000901")),
        (5, "Số CCCD", unusable("Số CCCD", "017100000003")),
        (6, "Số CCCD", unusable("Số CCCD", "017200000902")),
        (7, "CCCD đảng viên giúp đỡ", unusable("CCCD đảng viên giúp đỡ", "017100000003")),
        (8, "CCCD đảng viên giúp đỡ", unusable("CCCD đảng viên giúp đỡ", "017299999999")),
        (9, "CCCD đảng viên giúp đỡ", unusable("CCCD đảng viên giúp đỡ", "017200000901")),
        (10, "CCCD đảng viên giúp đỡ", unusable("CCCD đảng viên giúp đỡ", "017100000002")),
    }, result.errors
    # Each answer is the column, the number typed and the one message, which names nobody.
    for secret in SECRETS:
        assert secret.lower() not in UNUSABLE_IDENTIFIER.lower(), secret
    (event,) = AuditEvent.objects.filter(kind=AuditEvent.Kind.IMPORT_IDENTIFIER_REFUSED, user=users.secretary_a)
    assert event.detail["count"] == 7
    assert Candidate.objects.count() == 2


def test_inside_the_scope_the_answers_stay_useful(tree, users, world):
    rows = [
        row(tree.CYA.code, "017200000901", **CULTIVATION),  # her own candidate, another name
        row(tree.CYA.code, "017100000003", **CULTIVATION),  # a member of her cell
    ]
    _, result = run(sheet(rows), users.secretary_b, tree.CYA)
    messages = [e["message"] for e in result.errors]
    assert "Vi Thị Yến" in messages[0] and "Mai Thanh Loan" in messages[1]
    # Grassroots staff may name a helper from another cell of the organisation.
    rows = [row(tree.CXA.code, "017200000114", **CULTIVATION, **{"CCCD đảng viên giúp đỡ": "017100000002"})]
    _, result = run(sheet(rows), users.grassroots, tree.GX)
    assert result.errors == [] and result.counts["create"] == 1
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.IMPORT_IDENTIFIER_REFUSED).exists()


def test_identifiers_and_names_are_canonical(tree, users, world):
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "017200000777")
    name = "\u200b" + unicodedata.normalize("NFD", "Lường Thị Hòa") + "\u202e"
    rows = [
        row(tree.CXA.code, full_width, **CULTIVATION, **{"Họ và tên": name}),
        row(tree.CXA.code, "٠١٧٢٠٠٠٠٠٧٧٨", **CULTIVATION),
    ]
    _, result = run(sheet(rows), users.grassroots, tree.GX)
    assert [(e["row"], e["column"]) for e in result.errors] == [(5, "Số CCCD")]
    upload, result = run(sheet(rows[:1]), users.grassroots, tree.GX)
    upload_commit(upload, CandidateBackfillImporter, user=users.grassroots)
    person = Person.objects.get(national_id="017200000777")
    assert person.full_name == "Lường Thị Hòa"
