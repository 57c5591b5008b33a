"""Issue 15, findings 1 and 2: the members import sees only what its uploader may see.

District X (Lạc Sơn) uploads rows carrying national IDs of people in district Y (Mai Châu): a
member and a candidate. The answer is one message, the same for each, holding none of their
names, birth dates, cells or statuses, and nothing of theirs changes. The provincial office,
which may not read ethnicity, religion or national IDs, cannot read or change them through the
file either. District Y, inside the scope, still gets the useful answers.
"""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from candidates.services import candidate_create
from members.imports import MemberImporter
from members.models import Person
from partydev.models import AuditEvent, Upload
from partydev.uploads import UNUSABLE_IDENTIFIER, UploadRefused, upload_commit

from .factories import official
from .test_import import row, run, workbook

pytestmark = pytest.mark.django_db
D = datetime.date
LOAN_ID, CANDIDATE_ID, X_ID = "017197000611", "017201000622", "017190000633"


@pytest.fixture
def people(tree, users):
    loan = official(
        tree.CYA,
        national_id=LOAN_ID,
        full_name="Mai Thanh Loan",
        date_of_birth=D(1997, 1, 6),
        ethnicity="thai",
        religion="buddhism",
    )
    candidate = candidate_create(
        person_fields=dict(
            full_name="Lò Thị Xuân",
            sex="female",
            date_of_birth=D(2001, 2, 3),
            general_education="upper_secondary",
            national_id=CANDIDATE_ID,
            ethnicity="thai",
        ),
        cell=tree.CYA,
        source_kind="youth_union",
        effective_date=D(2024, 1, 8),
        user=users.secretary_b,
    )
    xu = official(
        tree.CXA,
        national_id=X_ID,
        full_name="Đinh Văn Xu",
        date_of_birth=D(1990, 4, 5),
        ethnicity="thai",
        religion="buddhism",
    )
    return {"loan": loan, "candidate": candidate, "x": xu}


# What must never reach an uploader outside the scope: names, birth dates, the cell, the
# sensitive fields, and (in the answer itself) whether the person is a member or a candidate.
IDENTITY = [
    "Mai Thanh Loan",
    "06/01/1997",
    "1997-01-06",
    "Lò Thị Xuân",
    "03/02/2001",
    "Chi bộ bản Lác",
    "T.Y.1.A",
    "Mai Châu",
    "Thái",
    "Phật giáo",
    "buddhism",
]
STATUS = ["đang sinh hoạt", "đối tượng", "đảng viên", "kết nạp", "chính thức", "dự bị", "ứng viên"]


def assert_reveals_nothing(text, *, status=True):
    for secret in IDENTITY + (STATUS if status else []):
        assert secret.lower() not in text.lower(), secret


# The candidate's own name and birth date, admitted recently (old dates would make her under 18).
XUAN = {
    "Họ và tên": "Lò Thị Xuân",
    "Ngày sinh": "03/02/2001",
    "Dân tộc": "Kinh",
    "Tình trạng": "Dự bị",
    "Ngày quyết định kết nạp": "02/09/2025",
    "Ngày lễ kết nạp": "20/09/2025",
}


def snapshot(person):
    person.refresh_from_db()
    return {f.attname: getattr(person, f.attname) for f in Person._meta.concrete_fields}


def test_outside_the_scope_one_message_for_member_member_with_her_name_and_candidate(tree, users, people):
    loan, candidate = people["loan"].person, people["candidate"].person
    before = (snapshot(loan), snapshot(candidate), loan.history.count(), candidate.history.count())
    rows = [
        row(1, **{"Số CCCD": LOAN_ID}),  # somebody else's number, wrong name
        row(2, **{"Số CCCD": LOAN_ID.replace("11", "12")}),  # a free number: a new member, fine
        row(
            3, **{"Số CCCD": CANDIDATE_ID, **XUAN}
        ),  # the candidate, with her own name: the preview offered "dân tộc: thai → kinh"
    ]
    upload, result = run(users.district_x, tree.X, workbook(rows))
    by_row = {e["row"]: e for e in result.errors}
    assert set(by_row) == {4, 6}, result.errors
    assert all(e["column"] == "Số CCCD" for e in result.errors)
    # One message, the same for both: only the number the user typed differs.
    messages = {e["message"].replace(LOAN_ID, "#").replace(CANDIDATE_ID, "#") for e in result.errors}
    assert messages == {f"Số CCCD “#” {UNUSABLE_IDENTIFIER}"}
    for e in result.errors:
        assert_reveals_nothing(e["message"])
    # With her right name and birth date the answer is still the same (it used to name her cell).
    _, again = run(users.district_x, tree.X, workbook([row(1, **{"Số CCCD": LOAN_ID, "Họ và tên": "Mai Thanh Loan"})]))
    assert [e["message"] for e in again.errors] == [f"Số CCCD “{LOAN_ID}” {UNUSABLE_IDENTIFIER}"]
    # Nothing of theirs changed; the file cannot be committed.
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED
    with pytest.raises(UploadRefused):
        upload_commit(upload, MemberImporter, user=users.district_x)
    assert (snapshot(loan), snapshot(candidate), loan.history.count(), candidate.history.count()) == before


def test_the_preview_page_reveals_nothing_either(tree, users, people, login):
    client = login(users.district_x)
    rows = [row(1, **{"Số CCCD": CANDIDATE_ID}), row(2, **{"Số CCCD": LOAN_ID, "Họ và tên": "Mai Thanh Loan"})]
    response = client.post(reverse("members:upload"), {"file": SimpleUploadedFile("dv.xlsx", workbook(rows))})
    page = client.get(response["Location"])
    text = page.content.decode()
    assert page.status_code == 200 and UNUSABLE_IDENTIFIER.split(":")[0] in text
    assert_reveals_nothing(text, status=False)  # the page's own title speaks of "đảng viên"


def test_inside_the_scope_district_y_still_gets_the_useful_answers(tree, users, people):
    rows = [
        row(1, cell="T.Y.1.A", **{"Số CCCD": LOAN_ID}),  # wrong name: whose number it is
        row(
            2,
            cell="T.Y.1.A",
            **{"Số CCCD": CANDIDATE_ID, **XUAN},
        ),
    ]
    _, result = run(users.district_y, tree.Y, workbook(rows))
    assert [(e["row"], e["column"]) for e in result.errors] == [(4, "Số CCCD")]
    assert "Mai Thanh Loan" in result.errors[0]["message"]
    (item,) = result.items
    assert item.action == "change" and any(c.field == "dân tộc" for c in item.changes)
    assert AuditEvent.objects.filter(kind=AuditEvent.Kind.IMPORT_IDENTIFIER_REFUSED).count() == 0


def test_the_provincial_office_can_neither_read_nor_change_ethnicity_and_religion(tree, users, people):
    """Finding 2: the member page hides ethnicity and religion from the office and the edit page
    answers 403; the import showed "dân tộc: thai → kinh" and wrote it."""
    xu = people["x"].person
    before = (snapshot(xu), xu.history.count())
    over = {
        "Số CCCD": X_ID,
        "Họ và tên": "Đinh Văn Xu",
        "Ngày sinh": "05/04/1990",
        "Dân tộc": "Kinh",
        "Tôn giáo": "Công giáo",
    }
    upload, result = run(users.province, tree.P, workbook([row(1, **over)]))
    assert [e["message"] for e in result.errors] == [f"Số CCCD “{X_ID}” {UNUSABLE_IDENTIFIER}"]
    assert result.items == []
    assert any("không được xem số CCCD, dân tộc, tôn giáo" in n for n in result.notices)  # the reason
    with pytest.raises(UploadRefused):
        upload_commit(upload, MemberImporter, user=users.province)
    assert (snapshot(xu), xu.history.count()) == before
    # District X, who may read them, sees the change and can make it.
    upload, result = run(users.district_x, tree.X, workbook([row(1, **over)]))
    assert not any("không được xem" in n for n in result.notices)
    (item,) = result.items
    assert {c.field for c in item.changes} >= {"dân tộc", "tôn giáo"}
    upload_commit(upload, MemberImporter, user=users.district_x)
    xu.refresh_from_db()
    assert (xu.ethnicity, xu.religion) == ("kinh", "catholicism")


def test_the_office_may_still_create_new_members(tree, users):
    upload, result = run(users.province, tree.P, workbook([row(1)]))
    assert result.errors == [] and result.counts["create"] == 1
    upload_commit(upload, MemberImporter, user=users.province)
    assert Person.objects.filter(national_id="017085000001").exists()


def test_each_file_is_bounded():
    """20,000 rows a file made bulk enumeration easy."""
    assert MemberImporter.max_rows <= 5_000


def refused_events(user):
    return list(AuditEvent.objects.filter(kind=AuditEvent.Kind.IMPORT_IDENTIFIER_REFUSED, user=user).order_by("id"))


def test_such_answers_are_audited_counted_and_rate_limited(tree, users, people, settings):
    settings.IMPORT_REFUSED_IDENTIFIERS_PER_HOUR = 3
    upload, result = run(
        users.district_x, tree.X, workbook([row(1, **{"Số CCCD": LOAN_ID}), row(2, **{"Số CCCD": CANDIDATE_ID})])
    )
    assert len(result.errors) == 2
    (event,) = refused_events(users.district_x)
    assert event.detail["count"] == 2 and event.detail["upload"] == upload.pk
    assert {r["value"] for r in event.detail["rows"]} == {LOAN_ID, CANDIDATE_ID}
    # Two more would pass the limit of three an hour: the whole file is refused, no row answered.
    upload, result = run(
        users.district_x,
        tree.X,
        workbook(
            [
                row(3, **{"Số CCCD": X_ID.replace("0633", "9999")}),
                row(4, **{"Số CCCD": LOAN_ID}),
                row(5, **{"Số CCCD": CANDIDATE_ID}),
            ]
        ),
    )
    (error,) = result.errors
    assert error["row"] is None and "tối đa 3 lần" in error["message"] and LOAN_ID not in error["message"]
    assert result.items == []
    upload.refresh_from_db()
    assert upload.status == Upload.Status.FAILED and upload.preview == []
    assert [e.detail["count"] for e in refused_events(users.district_x)] == [2, 2]
    assert refused_events(users.district_x)[-1].detail["refused_whole"] is True
    # For the rest of the hour the user's uploads of such files are refused before they are stored.
    with pytest.raises(UploadRefused) as exc:
        run(users.district_x, tree.X, workbook([row(6)]))
    assert "một giờ" in exc.value.message
    assert Upload.objects.filter(uploaded_by=users.district_x).count() == 2
    assert refused_events(users.district_x)[-1].detail == {
        "upload": None,
        "upload_kind": "members",
        "count": 0,
        "rows": [],
        "refused_whole": True,
    }
    # Per user: another account is not held back by the first one's answers.
    _, result = run(users.district_y, tree.Y, workbook([row(7, cell="T.Y.1.A")]))
    assert result.errors == []


def test_the_limit_holds_through_the_upload_page(tree, users, people, settings, login):
    settings.IMPORT_REFUSED_IDENTIFIERS_PER_HOUR = 1
    client = login(users.district_x)
    data = workbook([row(1, **{"Số CCCD": LOAN_ID}), row(2, **{"Số CCCD": CANDIDATE_ID})])
    response = client.post(reverse("members:upload"), {"file": SimpleUploadedFile("dv.xlsx", data)})
    text = client.get(response["Location"]).content.decode()
    assert "tối đa 1 lần" in text and LOAN_ID not in text
    response = client.post(reverse("members:upload"), {"file": SimpleUploadedFile("dv.xlsx", workbook([row(3)]))})
    assert response.status_code == 200 and "một giờ" in response.content.decode()
    assert Upload.objects.count() == 1
