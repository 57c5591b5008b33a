"""One number for one decision: the admission decision's number is the register's, on the
candidate page, on the member's record and in the later papers."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse

from candidates import services as candidate_services
from candidates.models import Candidate, Stage
from documents import services
from documents.models import IssuedDocument

from .conftest import docx_text, official_candidate

pytestmark = pytest.mark.django_db


def issue(kind, candidate, user, **extra):
    return services.document_issue(
        kind_key=kind, candidate_pk=candidate.pk, user=user, signer_name="Nguyễn Văn Ký", **extra
    )


def test_issuing_the_decision_makes_the_register_number_the_decisions_number(decided, users):
    assert decided.decision_number == "123-QĐ/HU"  # typed at the decision step, before the paper
    doc = issue("9-knd", decided, users.district_x)
    decided.refresh_from_db()
    assert doc.number_symbol == "1-QĐ/HU" and decided.decision_number == "1-QĐ/HU"
    assert "Số 1-QĐ/HU" in docx_text(doc.content)
    # the ceremony makes the membership with that number
    ceremony = decided.decision_date + datetime.timedelta(days=7)
    c = candidate_services.candidate_advance(decided.pk, Stage.PROBATIONARY, data={"ceremony_date": ceremony})
    assert c.membership.admission_decision_number == "1-QĐ/HU"
    assert c.membership.events.get(kind="admitted").decision_number == "1-QĐ/HU"


def test_a_correction_of_the_decision_renumbers_the_candidate_and_the_member(decided, users):
    doc = issue("9-knd", decided, users.district_x)
    ceremony = decided.decision_date + datetime.timedelta(days=7)
    candidate_services.candidate_advance(decided.pk, Stage.PROBATIONARY, data={"ceremony_date": ceremony})
    fixed = issue("9-knd", decided, users.district_x, correction_of=doc.pk, correction_reason="Sai ngày sinh")
    decided.refresh_from_db()
    assert fixed.number_symbol == "2-QĐ/HU"
    assert decided.decision_number == "2-QĐ/HU" and decided.membership.admission_decision_number == "2-QĐ/HU"


def test_a_refused_correction_changes_no_number(decided, users):
    doc = issue("9-knd", decided, users.district_x)
    version = Candidate.objects.get(pk=decided.pk).version
    with pytest.raises(ValidationError) as e:
        issue("9-knd", decided, users.district_x, correction_of=doc.pk)
    assert "lý do đính chính" in " ".join(e.value.messages)
    decided.refresh_from_db()
    assert decided.decision_number == "1-QĐ/HU" and decided.version == version
    assert IssuedDocument.objects.filter(kind="9-knd").count() == 1


def test_the_official_decision_cites_the_admission_decision_by_its_one_number(tree, users):
    c = official_candidate(tree, "Hà Văn Chính")
    decision = issue("9-knd", c, users.district_x)
    c.refresh_from_db()
    assert c.decision_number == decision.number_symbol == "1-QĐ/HU"
    assert c.membership.admission_decision_number == "1-QĐ/HU"
    official = docx_text(issue("official-decision", c, users.district_x).content)
    assert "(Quyết định kết nạp số 1-QĐ/HU)" in official and "123-QĐ/HU" not in official


def test_the_candidate_page_shows_the_register_number_and_says_what_it_replaced(decided, users, login):
    client = login(users.district_x)
    url = reverse("documents:issue", args=[decided.pk, "9-knd"])
    answer = client.post(url, {"signer_name": "Trần Văn Huyện"})
    assert answer.status_code == 302
    said = [str(m) for m in get_messages(answer.wsgi_request)]
    assert any("«123-QĐ/HU»" in m and "1-QĐ/HU" in m and "một số" in m for m in said)
    client.get(reverse("candidates:detail", args=[decided.pk]))  # shows the note once
    page = client.get(reverse("candidates:detail", args=[decided.pk])).content.decode()
    assert "Quyết định số 1-QĐ/HU" in page and "123-QĐ/HU" not in page


def test_no_note_when_the_typed_number_was_the_registers(decided, users):
    Candidate.objects.filter(pk=decided.pk).update(decision_number="1-QĐ/HU")
    doc = issue("9-knd", decided, users.district_x)
    assert services.decision_number_note(doc, "1-QĐ/HU") == ""
    assert services.decision_number_note(doc, "") == ""
