"""Papers from a candidate's records: opened with python-docx and read like the paper they are."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from candidates.models import Stage
from documents import services
from documents.kinds import date_words
from documents.models import IssuedDocument
from organizations.models import Kind
from organizations.restructure import decision_new, org_rename
from organizations.services import organization_create
from partydev.audit import AuditEvent
from tests.candidates.factories import candidate_at

from .conftest import START, docx_text, official_candidate

pytestmark = pytest.mark.django_db


def issue(kind, candidate, user, **extra):
    return services.document_issue(
        kind_key=kind, candidate_pk=candidate.pk, user=user, signer_name="Nguyễn Văn Ký", **extra
    )


def test_date_in_words():
    assert date_words(datetime.date(2026, 11, 15)) == "ngày 15 tháng 11 năm 2026"
    assert date_words(datetime.date(2026, 2, 5)) == "ngày 05 tháng 02 năm 2026"


def test_the_cell_resolution_carries_the_name_the_date_the_votes_and_its_number(decided, users):
    doc = issue("6-knd", decided, users.secretary_a)
    text = docx_text(doc.content)
    assert "Hoàng Thị Mận" in text
    assert "Chi bộ xóm Bưng, ngày" not in text  # the place is the commune's, not the cell's
    assert f"Ân Nghĩa, {date_words(decided.cell_vote_date)}" in text
    assert "ngày 27 tháng 07 năm 2026" in text
    assert "Tổng số đảng viên chính thức của chi bộ: 10 đồng chí; có mặt: 9 đồng chí" in text
    assert "tán thành việc kết nạp: 9, đạt 90,00%" in text
    assert "Số 1-NQ/CB" in text and doc.number_symbol == "1-NQ/CB"
    assert "ĐẢNG CỘNG SẢN VIỆT NAM" in text and "CHI BỘ XÓM BƯNG" in text and "ĐẢNG BỘ XÃ ÂN NGHĨA" in text
    assert "*" in text.split("\n")
    assert "T/M CHI BỘ" in text and "BÍ THƯ" in text and "Nguyễn Văn Ký" in text
    assert "Bùi Văn Giúp" in text  # the helper
    assert "Hướng dẫn số 38-HD/BTCTW" in text  # July 2026: the guidance of 29/09/2025
    (event,) = AuditEvent.objects.filter(kind=services.ISSUED, detail__document=doc.pk)
    assert event.get_kind_display() == "Ban hành văn bản"  # the trail names it in Vietnamese


def test_the_decision_is_numbered_by_the_deciding_body(decided, users):
    doc = issue("9-knd", decided, users.district_x)
    text = docx_text(doc.content)
    assert doc.issuer_id == decided.decided_by_id and doc.number_symbol == "1-QĐ/HU"
    assert "Số 1-QĐ/HU" in text and "HUYỆN LẠC SƠN" in text and "T/M BAN THƯỜNG VỤ" in text
    assert "Kết nạp quần chúng Hoàng Thị Mận" in text
    assert date_words(decided.decision_date) in text


def test_numbers_follow_each_other_per_issuer_and_year(tree, users, decided):
    other = candidate_at(tree.CXA, Stage.CELL_VOTE, start=START, full_name="Lò Văn Hai")
    first = issue("6-knd", decided, users.secretary_a)
    second = issue("6-knd", other, users.secretary_a)
    assert (first.number, second.number) == (1, 2)
    # Another issuer keeps its own register.
    assert issue("8-knd", decided, users.grassroots).number == 1


def test_reprinting_is_the_stored_file_and_a_second_issue_is_refused(decided, users):
    doc = issue("6-knd", decided, users.secretary_a)
    with pytest.raises(ValidationError, match="đã ban hành"):
        issue("6-knd", decided, users.secretary_a)
    assert IssuedDocument.objects.count() == 1
    assert bytes(IssuedDocument.objects.get().content) == bytes(doc.content)


def test_a_correction_gets_a_new_number_and_names_the_one_it_replaces(decided, users):
    doc = issue("6-knd", decided, users.secretary_a)
    with pytest.raises(ValidationError, match="lý do"):
        issue("6-knd", decided, users.secretary_a, correction_of=doc.pk)
    fixed = issue("6-knd", decided, users.secretary_a, correction_of=doc.pk, correction_reason="Sai quê quán")
    assert fixed.number == 2 and fixed.replaces == doc
    assert "Thay thế văn bản số 1-NQ/CB" in docx_text(fixed.content)
    assert services.current_document(decided, "6-knd") == fixed
    with pytest.raises(ValidationError, match="mới nhất"):
        issue("6-knd", decided, users.secretary_a, correction_of=doc.pk, correction_reason="lại")


def test_a_paper_for_a_step_not_reached_is_refused_and_nothing_issued(tree, users):
    c = candidate_at(tree.CXA, Stage.VERIFICATION, start=START, full_name="Đinh Thị Chưa")
    with pytest.raises(ValidationError) as e:
        issue("6-knd", c, users.secretary_a)
    assert "Chi bộ đã xét" in str(e.value) and "Đinh Thị Chưa" in str(e.value)
    with pytest.raises(ValidationError, match="chưa được ghi nhận"):
        issue("9-knd", c, users.district_x)
    assert IssuedDocument.objects.count() == 0


def test_missing_facts_are_named(decided, users):
    type(decided).objects.filter(pk=decided.pk).update(cell_votes_for=None)
    with pytest.raises(ValidationError, match="số tán thành"):
        issue("6-knd", decided, users.secretary_a)
    assert IssuedDocument.objects.count() == 0


def test_no_partial_committee_no_7_knd(decided, users):
    with pytest.raises(ValidationError, match="7-KNĐ"):
        issue("7-knd", decided, users.grassroots)


def test_only_the_roles_of_the_step_issue(decided, users):
    with pytest.raises(PermissionDenied):
        issue("9-knd", decided, users.secretary_a)  # the decision is the district's
    with pytest.raises(PermissionDenied):
        issue("8-knd", decided, users.secretary_a)
    with pytest.raises(decided.DoesNotExist):
        issue("6-knd", decided, users.secretary_b)  # another district: as if it did not exist
    assert IssuedDocument.objects.count() == 0


def test_the_signer_is_required(decided, users):
    with pytest.raises(ValidationError, match="người ký"):
        services.document_issue(kind_key="6-knd", candidate_pk=decided.pk, user=users.secretary_a, signer_name=" ")


def test_the_issuer_name_is_the_one_of_the_papers_date(decided, users, tree):
    """After a rename the old papers keep the old name; a paper of a date before it, too."""
    doc_before = issue("6-knd", decided, users.secretary_a)
    tree.CXA.name = "Chi bộ thôn Bưng Mới"
    tree.CXA.save()
    other = candidate_at(tree.CXA, Stage.CELL_VOTE, start=START, full_name="Lò Văn Ba")
    # The paper is dated July 2026, before today's rename: the name of that date.
    later = issue("6-knd", other, users.secretary_a)
    assert "CHI BỘ XÓM BƯNG" in docx_text(later.content) and later.issuer_name == "Chi bộ xóm Bưng"
    assert "CHI BỘ XÓM BƯNG" in docx_text(IssuedDocument.objects.get(pk=doc_before.pk).content)


def test_the_forms_in_force_on_the_date(tree, users):
    c = candidate_at(tree.CXA, Stage.CELL_VOTE, start=datetime.date(2025, 10, 1), full_name="Lò Thị Mới")
    assert "Hướng dẫn số 38-HD/BTCTW" in docx_text(issue("6-knd", c, users.secretary_a).content)
    old = candidate_at(tree.CXA, Stage.CELL_VOTE, start=datetime.date(2024, 1, 8), full_name="Lò Thị Cũ")
    doc = issue("6-knd", old, users.secretary_a)
    assert doc.regulation == "12-HD/BTCTW" and doc.year == 2024 and doc.number == 1


def test_recognition_papers_and_the_official_decision(tree, users):
    c = official_candidate(tree, "Hà Văn Chính")
    text13 = docx_text(issue("13-knd", c, users.secretary_a).content)
    assert "Hà Văn Chính" in text13 and date_words(c.recognition_proposal_date) in text13
    with pytest.raises(ValidationError, match="ngày"):
        issue("15-knd", c, users.grassroots)
    doc15 = issue("15-knd", c, users.grassroots, document_date=c.recognition_proposal_date)
    assert doc15.number_symbol == "1-NQ/ĐU"
    official = docx_text(issue("official-decision", c, users.district_x).content)
    assert "là đảng viên chính thức kể từ " + date_words(c.official_from) in official


def test_the_dossier_list_lists_each_paper_with_its_date(decided, users):
    doc = issue("dossier-list", decided, users.secretary_a)
    text = docx_text(doc.content)
    assert doc.number is None and "Đơn xin vào Đảng" in text and "1-KNĐ" in text
    assert decided.form1_date.strftime("%d/%m/%Y") in text and "9-KNĐ" in text


def test_the_cultivation_list_of_a_cell(tree, users, decided):
    on_list = candidate_at(tree.CXA, Stage.CULTIVATION, start=START, full_name="Quách Văn Bồi")
    doc = services.cultivation_list_issue(
        cell=tree.CXA, user=users.secretary_a, signer_name="Nguyễn Văn Ký", document_date=datetime.date(2026, 11, 1)
    )
    text = docx_text(doc.content)
    assert "Quách Văn Bồi" in text and "Hoàng Thị Mận" in text
    assert on_list.cultivation_date.strftime("%d/%m/%Y") in text and "Bùi Văn Giúp" in text
    assert "ngày 01 tháng 11 năm 2026" in text


def test_sensitive_fields_follow_the_privacy_rule(decided, users):
    province_copy = docx_text(issue("6-knd", decided, users.province).content)
    assert "dân tộc: —; tôn giáo: —" in province_copy


def test_a_restructuring_old_papers_keep_the_old_name_new_ones_the_new(tree, users, decided):
    """The cell existed since 2025 and was renamed on 01/08/2026 (the history's dates set so)."""
    history = tree.CXA.history
    history.update(history_date=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC))
    tree.CXA.name = "Chi bộ thôn Bưng Mới"
    tree.CXA.save()
    history.filter(name="Chi bộ thôn Bưng Mới").update(history_date=datetime.datetime(2026, 8, 1, tzinfo=datetime.UTC))
    later = candidate_at(tree.CXA, Stage.CELL_VOTE, start=datetime.date(2026, 7, 1), full_name="Lò Văn Bốn")
    old_paper = issue("6-knd", decided, users.secretary_a)  # dated 27/07/2026
    new_paper = issue("6-knd", later, users.secretary_a)  # dated 26/08/2026
    assert old_paper.issuer_name == "Chi bộ xóm Bưng" and "CHI BỘ XÓM BƯNG" in docx_text(old_paper.content)
    assert new_paper.issuer_name == "Chi bộ thôn Bưng Mới" and "CHI BỘ THÔN BƯNG MỚI" in docx_text(new_paper.content)


def test_a_dated_rename_recorded_later_names_papers_by_its_effective_date(tree, users, decided):
    """The rename took effect on 10/08/2026 and was recorded today: the paper of 27/07/2026 keeps
    the old name, the paper of 26/08/2026 bears the new one (the history's date plays no part)."""
    decision = decision_new(number="31-QĐ/ĐU", date=datetime.date(2026, 8, 10), issued_by=tree.GX)
    org_rename(tree.CXA, name="Chi bộ thôn Bưng Mới", decision=decision, effective_date=datetime.date(2026, 8, 10))
    later = candidate_at(tree.CXA, Stage.CELL_VOTE, start=datetime.date(2026, 7, 1), full_name="Lò Văn Năm")
    old_paper = issue("6-knd", decided, users.secretary_a)  # dated 27/07/2026
    new_paper = issue("6-knd", later, users.secretary_a)  # dated 26/08/2026
    assert old_paper.issuer_name == "Chi bộ xóm Bưng" and "CHI BỘ XÓM BƯNG" in docx_text(old_paper.content)
    assert new_paper.issuer_name == "Chi bộ thôn Bưng Mới"
    assert tree.CXA.name_on(datetime.date(2026, 8, 9)) == "Chi bộ xóm Bưng"
    assert tree.CXA.name_on(datetime.date(2026, 8, 10)) == "Chi bộ thôn Bưng Mới"


def test_the_partial_committee_appraisal_where_one_exists(tree, users):
    partial = organization_create(
        parent=tree.GX, code="T.X.1.P", name="Đảng ủy bộ phận thôn Bưng", kind=Kind.PARTIAL_COMMITTEE
    )
    cell = organization_create(parent=partial, code="T.X.1.P.1", name="Chi bộ xóm Bưng Trên", kind=Kind.CELL)
    c = candidate_at(cell, Stage.COMMITTEE_VOTE, start=START, full_name="Đinh Văn Thẩm")
    doc = issue("7-knd", c, users.grassroots)
    text = docx_text(doc.content)
    assert "Đinh Văn Thẩm" in text and date_words(c.partial_date) in text
    assert doc.number_symbol == "1-NQ/ĐUBP" and doc.issuer == partial
    assert str(c.partial_members) in text and str(c.partial_votes_for) in text
    assert "T/M ĐẢNG ỦY BỘ PHẬN" in text and "ĐẢNG ỦY BỘ PHẬN THÔN BƯNG" in text
