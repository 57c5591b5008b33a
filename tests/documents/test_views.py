"""The papers from the candidate page, the register, the cultivation list and the templates page."""

import io
import zipfile

import pytest
from django.urls import reverse

from documents import services
from documents.models import IssuedDocument, TemplateOverride
from documents.render import DEFAULTS_DIR
from partydev.audit import AuditEvent

from .conftest import docx_text

pytestmark = pytest.mark.django_db


def test_the_candidate_page_offers_the_papers_of_the_steps_reached(decided, users, login):
    page = login(users.secretary_a).get(reverse("candidates:detail", args=[decided.pk]))
    html = page.content.decode()
    for form in ("6-KNĐ", "8-KNĐ", "9-KNĐ", "DM-HS"):
        assert form in html
    assert "13-KNĐ" not in html and "7-KNĐ" not in html  # not reached; no partial committee
    # The cell secretary issues the cell's paper, not the district's decision.
    assert 'data-testid="issue-6-knd"' in html and 'data-testid="issue-9-knd"' not in html


def test_issue_then_download_from_the_candidate_page(decided, users, login):
    client = login(users.district_x)
    url = reverse("documents:issue", args=[decided.pk, "9-knd"])
    answer = client.post(url, {"signer_name": "Trần Văn Huyện", "signer_position": "PHÓ BÍ THƯ"})
    assert answer.status_code == 302
    doc = IssuedDocument.objects.get(kind="9-knd")
    page = client.get(reverse("candidates:detail", args=[decided.pk])).content.decode()
    assert "số 1-QĐ/HU" in page and reverse("documents:download", args=[doc.pk]) in page
    file = client.get(reverse("documents:download", args=[doc.pk]))
    assert file.status_code == 200 and file["Content-Type"].startswith("application/vnd.openxml")
    text = docx_text(file.content)
    assert "Hoàng Thị Mận" in text and "PHÓ BÍ THƯ" in text and "Trần Văn Huyện" in text
    assert AuditEvent.objects.filter(kind=services.DOWNLOADED, detail__document=doc.pk).count() == 1
    # The secretary of the cell sees the candidate's file: downloads it; another district does not.
    assert login(users.secretary_a).get(reverse("documents:download", args=[doc.pk])).status_code == 200
    assert login(users.secretary_b).get(reverse("documents:download", args=[doc.pk])).status_code == 404


def test_a_refused_issue_says_why_and_issues_nothing(tree, users, login):
    from candidates.models import Stage
    from tests.candidates.factories import candidate_at

    c = candidate_at(tree.CXA, Stage.DOSSIER, full_name="Lường Văn Sớm")
    client = login(users.secretary_a)
    answer = client.post(reverse("documents:issue", args=[c.pk, "6-knd"]), {"signer_name": "A"}, follow=True)
    assert "chưa được ghi nhận" in answer.content.decode()
    assert client.post(reverse("documents:issue", args=[c.pk, "9-knd"]), {"signer_name": "A"}).status_code == 403
    assert IssuedDocument.objects.count() == 0


def test_the_register_lists_what_was_issued_by_whom(decided, users, login):
    services.document_issue(kind_key="6-knd", candidate_pk=decided.pk, user=users.secretary_a, signer_name="A")
    page = login(users.grassroots).get(reverse("documents:register", args=[decided.cell.code]))
    html = page.content.decode()
    assert "1-NQ/CB" in html and "Hoàng Thị Mận" in html and "sec_a" in html


def test_the_cultivation_list_page(tree, users, login, decided):
    client = login(users.secretary_a)
    url = reverse("documents:cultivation-list", args=[tree.CXA.code])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"signer_name": "A"})
    assert refused.status_code == 400 and "Hãy nhập ngày" in refused.content.decode()
    answer = client.post(url, {"signer_name": "Nguyễn Văn Ký", "document_date": "2026-11-15"})
    assert answer.status_code == 200 and "ngày 15 tháng 11 năm 2026" in docx_text(answer.content)


def _docx_with(text: str) -> bytes:
    """The default 6-KNĐ with one more paragraph of ``text`` (a real Word file)."""
    from docx import Document

    doc = Document(str(DEFAULTS_DIR / "6-knd.docx"))
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _upload(client, kind, data, name="mau.docx"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("documents:templates"), {"kind": kind, "file": SimpleUploadedFile(name, data)})


def test_the_office_replaces_a_template_and_goes_back_to_the_default(decided, users, login):
    client = login(users.province)
    assert client.get(reverse("documents:templates")).status_code == 200
    assert login(users.district_x).get(reverse("documents:templates")).status_code == 403
    client = login(users.province)
    answer = _upload(client, "6-knd", _docx_with("Mẫu riêng của tỉnh: {{ full_name|upper }}"))
    assert answer.status_code == 302
    doc = services.document_issue(kind_key="6-knd", candidate_pk=decided.pk, user=users.secretary_a, signer_name="A")
    assert "Mẫu riêng của tỉnh: HOÀNG THỊ MẬN" in docx_text(doc.content)
    assert client.post(reverse("documents:template-revert", args=["6-knd"])).status_code == 302
    assert not TemplateOverride.objects.filter(active=True).exists()
    assert AuditEvent.objects.filter(kind=services.TEMPLATE_CHANGED).count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (lambda: _docx_with("{{ salary }} và {{ full_name }}"), "{{ salary }}"),
        (lambda: b"a,b,c\n1,2,3\n", "không phải là tệp Word"),
        (lambda: b"%PDF-1.7 ...", "PDF"),
        (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, ".doc"),
        (lambda: _zip({"[Content_Types].xml": "<x/>", "xl/workbook.xml": "<x/>"}), "Excel"),
        (
            lambda: _zip({"[Content_Types].xml": "<x/>", "word/document.xml": '<!DOCTYPE x [<!ENTITY a "b">]><x/>'}),
            "DTD",
        ),
        (lambda: _docx_with("{{ ''.__class__.__mro__ }}"), "không được phép"),
        (lambda: _docx_with("{% for x in %}"), "cú pháp"),
    ],
)
def test_a_template_that_does_not_fit_is_refused_and_nothing_changes(users, login, data, message):
    answer = _upload(login(users.province), "6-knd", data())
    assert answer.status_code == 400
    assert message in answer.content.decode()
    assert TemplateOverride.objects.count() == 0


def test_a_template_without_a_required_placeholder_is_refused(users, login):
    from docx import Document

    doc = Document()
    doc.add_paragraph("{{ issuer_name }} {{ date_words }} {{ signer_name }}")
    out = io.BytesIO()
    doc.save(out)
    answer = _upload(login(users.province), "6-knd", out.getvalue())
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "thiếu trường bắt buộc" in html and "{{ full_name }}" in html and "{{ number_symbol }}" in html


def test_the_sandbox_refuses_python_attributes_at_render(decided, users):
    """A template put in place behind the upload's back still cannot reach Python's internals:
    the paper is refused and nothing is issued."""
    from django.core.exceptions import ValidationError

    data = _docx_with("{{ full_name.__class__.__mro__ }}")
    TemplateOverride.objects.create(
        kind="6-knd", content=data, sha256="x", filename="x.docx", uploaded_by=users.province
    )
    with pytest.raises(ValidationError, match="không được phép"):
        services.document_issue(kind_key="6-knd", candidate_pk=decided.pk, user=users.secretary_a, signer_name="A")
    assert IssuedDocument.objects.count() == 0


def _zip(parts: dict) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


def test_default_templates_are_all_valid():
    from documents.kinds import ALL_KINDS
    from documents.render import check_placeholders, default_template

    for kind in ALL_KINDS.values():
        check_placeholders(kind, default_template(kind))
