"""The register's pages and API: scope (404 outside), roles, forms, export, query counts."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from members.models import EventKind, Membership, MembershipEvent, Person, Proposal, Status
from members.services import members_register_bulk

from .factories import admission_form, admit, official, person_fields

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def members(tree):
    return {
        "a": official(tree.CXA, full_name="Bùi Văn Đoàn"),
        "b": admit(tree.CXB, D(2022, 5, 1), full_name="Nguyễn Thị Hồng"),
        "y": official(tree.CYA, full_name="Lò Văn Pâng"),
    }


def member_urls(m):
    return [
        reverse("members:detail", args=[m.pk]),
        reverse("members:record", args=[m.pk, EventKind.WARNED]),
        reverse("members:propose", args=[m.pk, EventKind.EXEMPTED]),
    ]


def test_every_member_url_is_404_outside_the_scope(tree, users, members, login):
    client = login(users.district_x)
    for url in member_urls(members["y"]):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("members:reject-proposal", args=[members["y"].pk, 1])).status_code == 404
    assert client.get(reverse("members:list") + f"?org={tree.Y.code}").status_code == 404
    assert client.get(reverse("members:export") + f"?org={tree.Y.code}").status_code == 404
    assert client.get(f"/api/reports/members?org={tree.Y.code}&at=2022-12-31").status_code == 404
    secretary = login(users.secretary_a)
    assert secretary.get(reverse("members:detail", args=[members["b"].pk])).status_code == 404  # the other cell
    assert secretary.get(reverse("members:detail", args=[members["a"].pk])).status_code == 200


def test_anonymous_gets_the_login_page_and_the_api_a_403(client, members):
    response = client.get(reverse("members:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("members:detail", args=[members["a"].pk])).status_code == 302
    api = client.get("/api/reports/members?org=T&at=2022-12-31")
    assert api.status_code == 403 and api.json()["detail"]


def test_api_counts_at_a_date(tree, users, members, login):
    client = login(users.province)
    data = client.get("/api/reports/members?org=T&at=2022-12-31").json()
    assert data == {"org": "T", "at": "2022-12-31", "total": 3, "official": 2, "probationary": 1}
    assert client.get("/api/reports/members?org=T.X&at=2022-04-30").json()["total"] == 1
    assert client.get("/api/reports/members?org=T&at=31/12/2022").status_code == 400
    assert login(users.district_x).get("/api/reports/members?org=T.X&at=2022-12-31").json()["total"] == 2


def test_list_search_without_diacritics_and_filters(tree, users, members, login):
    client = login(users.province)
    page = client.get(reverse("members:list"), {"q": "bui van doan"}).content.decode()
    assert "Bùi Văn Đoàn" in page and "Nguyễn Thị Hồng" not in page
    page = client.get(reverse("members:list"), {"status": "probationary"}).content.decode()
    assert "Nguyễn Thị Hồng" in page and "Bùi Văn Đoàn" not in page
    page = client.get(reverse("members:list"), {"org": tree.Y.code}).content.decode()
    assert "Lò Văn Pâng" in page and "Bùi Văn Đoàn" not in page
    page = client.get(
        reverse("members:list"), {"cell": tree.CXB.code, "sex": "female", "age": "31-40"}
    ).content.decode()
    assert "Nguyễn Thị Hồng" in page
    page = client.get(reverse("members:list"), {"age": "18-30"}).content.decode()
    assert "Nguyễn Thị Hồng" not in page


def test_list_is_in_name_order_and_follows_a_corrected_name(tree, users, members, login):
    """The register is read in the order of the folded name kept on each membership
    (Membership.sort_name): new members, imported members and corrected names take their place."""
    from members.services import person_update

    _bulk(tree.CXA, 2)  # imported: "Đinh Công Số 0", "Đinh Công Số 1"
    client = login(users.province)

    def names():
        rows = client.get(reverse("members:list") + "?org=T").context["page"].object_list
        return [row[1] for row in rows]

    assert names() == ["Bùi Văn Đoàn", "Đinh Công Số 0", "Đinh Công Số 1", "Lò Văn Pâng", "Nguyễn Thị Hồng"]
    person_update(members["y"].person, fields={"full_name": "Hà Văn Pâng"}, user=users.province)
    assert names() == ["Bùi Văn Đoàn", "Đinh Công Số 0", "Đinh Công Số 1", "Hà Văn Pâng", "Nguyễn Thị Hồng"]
    assert Membership.objects.get(pk=members["y"].pk).sort_name == "ha van pang"
    assert set(Membership.objects.values_list("sort_name", flat=True)) == set(
        Person.objects.values_list("name_search", flat=True)
    )


def _bulk(cell, n, start=0):
    entries = []
    for i in range(n):
        person = Person(**person_fields(full_name=f"Đinh Công Số {start + i}", national_id=f"0172{start + i:08d}"))
        entries.append(
            {
                "person": person,
                "cell": cell,
                "admission_decision_date": D(2010, 1, 1),
                "official_from": D(2011, 1, 1),
                "recognition_decision_date": D(2011, 2, 1),
            }
        )
    members_register_bulk(entries)


@pytest.mark.parametrize(
    "who, org", [("province", None), ("district_x", None), ("secretary_a", None), ("province", "T.X.1")]
)
def test_list_query_count_does_not_grow_with_the_register(tree, users, login, django_assert_num_queries, who, org):
    client = login(getattr(users, who))
    url = reverse("members:list") + (f"?org={org}" if org else "")
    _bulk(tree.CXA, 10)
    client.get(url)
    import django.db
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(django.db.connection) as small:
        assert client.get(url).status_code == 200
    _bulk(tree.CXA, 1000, start=100)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    from members.views import PAGE_SIZE

    assert response.content.decode().count('<a href="/members/') >= PAGE_SIZE  # a full page of the 1,010


def test_export_is_the_scoped_filtered_list_as_xlsx(tree, users, members, login):
    client = login(users.district_x)
    response = client.get(reverse("members:export"), {"status": "all"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(response.content)).active
    names = [row[1] for row in ws.iter_rows(min_row=4, values_only=True)]
    assert sorted(names) == ["Bùi Văn Đoàn", "Nguyễn Thị Hồng"]
    assert isinstance(ws.cell(row=4, column=4).value, datetime.datetime)  # dates stay dates


def test_export_escapes_formula_like_text(tree, users, login):
    admit(tree.CXA, full_name='=HYPERLINK("http://x")')
    ws = load_workbook(io.BytesIO(login(users.district_x).get(reverse("members:export")).content)).active
    assert ws.cell(row=4, column=2).value.startswith("'=")


def test_decisions_are_for_district_staff_and_proposals_for_the_cell(tree, users, members, login):
    m = members["a"]
    secretary, district = login(users.secretary_a), None
    assert secretary.get(reverse("members:record", args=[m.pk, EventKind.WARNED])).status_code == 403
    page = secretary.get(reverse("members:detail", args=[m.pk])).content.decode()
    assert "Đề nghị chuyển sinh hoạt đi" in page and "Ghi quyết định" not in page
    response = secretary.post(
        reverse("members:propose", args=[m.pk, EventKind.TRANSFERRED_OUT]),
        {"effective_date": "05/01/2023", "other_organization_code": tree.CYA.code},
    )
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    district = login(users.province)
    assert district.get(reverse("members:propose", args=[m.pk, EventKind.TRANSFERRED_OUT])).status_code == 403
    page = district.get(reverse("members:detail", args=[m.pk])).content.decode()
    assert "Ghi quyết định" in page and "Chi bộ bản Lác" in page
    response = district.post(
        reverse("members:record", args=[m.pk, EventKind.TRANSFERRED_OUT]) + f"?proposal={proposal.pk}",
        {
            "effective_date": "10/01/2023",
            "decision_number": "12-QĐ/TU",
            "other_organization_code": tree.CYA.code,
            "version": m.version,
            "proposal": proposal.pk,
        },
    )
    assert response.status_code == 302
    m.refresh_from_db()
    assert m.cell == tree.CYA
    proposal.refresh_from_db()
    assert proposal.state == Proposal.State.DECIDED


def test_bad_decision_shows_a_vietnamese_message_and_saves_nothing(tree, users, members, login):
    m = members["a"]
    client = login(users.district_x)
    before = MembershipEvent.objects.count()
    response = client.post(
        reverse("members:record", args=[m.pk, EventKind.TRANSFERRED_OUT]),
        {"effective_date": "10/01/2023", "other_organization_code": tree.CYA.code, "version": m.version},
    )
    assert response.status_code == 200 and "ngoài phạm vi của bạn" in response.content.decode()
    response = client.post(
        reverse("members:record", args=[m.pk, EventKind.RECOGNISED]),
        {"effective_date": "10/01/2023", "version": m.version},  # issue 15: a form without it is stale
    )
    assert "tình trạng «Chính thức»" in response.content.decode()
    future = (datetime.date.today() + datetime.timedelta(days=3)).strftime("%d/%m/%Y")
    response = client.post(
        reverse("members:record", args=[m.pk, EventKind.WARNED]),
        {"effective_date": future, "reason": "x", "version": m.version},
    )
    assert "ở tương lai" in response.content.decode()
    assert MembershipEvent.objects.count() == before


def test_admission_form(tree, users, login):
    client = login(users.district_x)
    data = admission_form(tree)
    response = client.post(reverse("members:new") + f"?org={tree.X.code}", {**data, "date_of_birth": "02/02/2010"})
    assert "Chưa đủ 18 tuổi" in response.content.decode() and not Membership.objects.exists()
    response = client.post(reverse("members:new") + f"?org={tree.X.code}", data)
    assert response.status_code == 302
    m = Membership.objects.get()
    assert (m.status, m.admission_decided_by) == (Status.PROBATIONARY, tree.X)
    assert login(users.secretary_a).get(reverse("members:new")).status_code == 403


def test_transfer_in_from_outside_the_system(tree, users, login):
    client = login(users.district_x)
    url = reverse("members:transfer-in") + f"?org={tree.X.code}"
    data = {
        "full_name": "Lò Văn Tuấn",
        "sex": "male",
        "date_of_birth": "05/06/1988",
        "ethnicity": "thai",
        "religion": "none",
        "general_education": "upper_secondary",
        "professional_qualification": "college",
        "political_theory": "elementary",
        "sector": "civil_servant",
        "cell_code": tree.CXA.code,
        "other_organization_name": "Đảng bộ tỉnh Sơn La",
        "effective_date": "10/04/2022",
        "decision_number": "12-QĐ/TU",
        "admission_decision_date": "03/02/2015",
        "official": "on",
        "official_from": "03/02/2016",
        "card_number": "123456",
    }
    response = client.post(
        url, {**data, "effective_date": "01/01/2014"}
    )  # before the admission: refused, nothing saved
    assert "không được trước ngày kết nạp" in response.content.decode() and not Membership.objects.exists()
    response = client.post(url, {**data, "cell_code": tree.CYA.code})  # a cell outside the scope
    assert "trong phạm vi của bạn" in response.content.decode() and not Membership.objects.exists()
    assert client.post(url, data).status_code == 302
    m = Membership.objects.get()
    assert (m.status, m.cell, m.events.get().kind, m.events.get().other_organization_name) == (
        Status.OFFICIAL,
        tree.CXA,
        EventKind.TRANSFERRED_IN,
        "Đảng bộ tỉnh Sơn La",
    )
    assert login(users.secretary_a).get(reverse("members:transfer-in")).status_code == 403
