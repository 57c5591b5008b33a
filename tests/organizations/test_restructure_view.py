"""The restructuring page: a preview that writes nothing, a confirm that writes, refusals on the form."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from organizations.models import Kind, Organization, TreeOperation
from tests.candidates.factories import official_member
from tests.fixtures import make_user

from .test_restructure import snapshot

pytestmark = pytest.mark.django_db


def form_data(tree, **extra):
    return {
        "operation": "absorb",
        "decision_number": "15-QĐ/HU",
        "decision_date": "01/03/2025",
        "issuer_code": tree.X.code,
        "effective_date": "01/03/2025",
        "target_code": tree.CXB.code,
        **extra,
    }


def url(org):
    return reverse("organizations:restructure", args=[org.code])


def test_preview_shows_what_moves_and_writes_nothing_then_confirm_writes(tree, users, login):
    client = login(users.province)
    official_member(tree.CXA, full_name="Đinh Công Tráng")
    before = snapshot()
    response = client.post(url(tree.CXA), form_data(tree, action="preview"))
    assert response.status_code == 200
    text = response.content.decode()
    assert "Xem trước" in text and "Đinh Công Tráng" in text and "chuyển sinh hoạt tập thể" in text
    assert snapshot() == before
    response = client.post(url(tree.CXA), form_data(tree, action="confirm"))
    assert response.status_code == 302 and response["Location"] == reverse("reports:browser-org", args=[tree.CXB.code])
    op = TreeOperation.objects.get()
    assert (op.kind, op.decision.number, op.effective_date) == ("absorb", "15-QĐ/HU", datetime.date(2025, 3, 1))
    assert Organization.objects.get(pk=tree.CXA.pk).valid_to == datetime.date(2025, 2, 28)
    page = client.get(reverse("reports:browser-org", args=[tree.CXA.code])).content.decode()
    assert "đã kết thúc 28/02/2025" in page and "Chi bộ xóm Mít" in page


def test_bad_input_is_a_message_on_the_form_naming_the_organisation(tree, users, login):
    client = login(users.province)
    official_member(tree.CXA)
    before = snapshot()
    response = client.post(url(tree.CXA), form_data(tree, operation="dissolve", action="confirm"))
    assert response.status_code == 200
    assert "«Chi bộ xóm Bưng» còn 1 đảng viên" in response.content.decode()
    response = client.post(url(tree.CXA), form_data(tree, effective_date="01/01/2099", action="confirm"))
    assert "chưa đến ngày có hiệu lực" in response.content.decode()
    response = client.post(url(tree.CXA), form_data(tree, target_code="KHONG.CO", action="preview"))
    assert "Không có tổ chức đảng mã «KHONG.CO»" in response.content.decode()
    assert snapshot() == before


def test_a_split_of_a_cell_offers_a_choice_for_every_member(tree, users, login):
    client = login(users.province)
    a = official_member(tree.CXA, full_name="Người Thứ Nhất")
    b = official_member(tree.CXA, full_name="Người Thứ Hai")
    assert "Người Thứ Hai" in client.get(url(tree.CXA)).content.decode()
    data = form_data(
        tree,
        operation="split",
        target_code="",
        name="Chi bộ Bưng 1",
        code="T.B1",
        second_name="Chi bộ Bưng 2",
        second_code="T.B2",
        action="confirm",
        **{f"part-members-{a.pk}": "0", f"part-members-{b.pk}": "1"},
    )
    assert client.post(url(tree.CXA), data).status_code == 302
    assert a.__class__.objects.get(pk=b.pk).cell.code == "T.B2"


def test_only_the_provincial_office_and_out_of_scope_is_404(tree, users, login):
    assert login(users.district_x).get(url(tree.CXA)).status_code == 403
    other = make_user("other_prov", "province_office", tree.X)
    assert login(other).get(url(tree.CYA)).status_code == 404


def test_the_page_runs_a_fixed_number_of_queries(tree, users, login, django_assert_num_queries):
    client = login(users.province)
    for _ in range(3):
        official_member(tree.CXA)
    client.get(url(tree.CXA))
    with CaptureQueriesContext(connection) as ctx:
        client.get(url(tree.CXA))
    for _ in range(10):
        official_member(tree.CXA)
    with django_assert_num_queries(len(ctx.captured_queries)):
        assert client.get(url(tree.CXA)).status_code == 200
