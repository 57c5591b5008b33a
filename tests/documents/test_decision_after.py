"""The admission decision's one number after the fact: a correction made after the ceremony
reaches the member (the append-only ADMITTED event is not rewritten), and the decision step
entered again after a return holds to the number the register gave the issued paper."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from candidates import rules
from candidates import services as candidate_services
from candidates.models import Candidate, CandidateEvent, Stage
from documents import services
from documents.models import IssuedDocument
from members.models import Membership, MembershipEvent, MembershipPeriod
from members.services import renumber_reason

from .conftest import docx_text, official_candidate

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def issue(kind, candidate, user, **extra):
    return services.document_issue(
        kind_key=kind, candidate_pk=candidate.pk, user=user, signer_name="Nguyễn Văn Ký", **extra
    )


def correct(doc, candidate, user, reason="Sai quê quán"):
    return issue(doc.kind, candidate, user, correction_of=doc.pk, correction_reason=reason)


def ceremony(candidate):
    day = candidate.decision_date + 7 * DAY
    return candidate_services.candidate_advance(candidate.pk, Stage.PROBATIONARY, data={"ceremony_date": day})


def member_events(membership):
    return list(
        MembershipEvent.objects.filter(membership=membership)
        .order_by("id")
        .values_list("id", "kind", "effective_date", "decision_number", "status_after", "recorded_at")
    )


def member_periods(membership):
    return list(
        MembershipPeriod.objects.filter(membership=membership).order_by("id").values_list("cell_id", "status", "start")
    )


# --- 1. a correction after the ceremony ---------------------------------------------------------


def test_a_correction_after_the_ceremony_renumbers_the_member_and_keeps_the_admission_event(decided, users):
    doc = issue("9-knd", decided, users.district_x)
    membership = ceremony(decided).membership
    events, periods = member_events(membership), member_periods(membership)
    assert [e[3] for e in events] == ["1-QĐ/HU"]  # the ceremony recorded the register's number

    fixed = correct(doc, decided, users.district_x)

    membership.refresh_from_db()
    assert fixed.number_symbol == "2-QĐ/HU" and membership.admission_decision_number == "2-QĐ/HU"
    # Append-only: the ADMITTED row is the same row, with the number it was recorded with; no
    # event was added (the period reports count admissions from the events), no period moved.
    assert member_events(membership) == events and member_periods(membership) == periods
    # The correction is in the membership's history: who, the numbers before and after, the paper.
    last = membership.history.order_by("-history_id").first()
    assert last.history_user == users.district_x and last.admission_decision_number == "2-QĐ/HU"
    said = "Số QĐ kết nạp «1-QĐ/HU» → «2-QĐ/HU»: 9-KNĐ số 2-QĐ/HU, đính chính số 1-QĐ/HU"
    assert last.history_change_reason == said
    candidate_row = Candidate.history.filter(id=decided.pk).order_by("-history_id").first()
    assert candidate_row.history_change_reason == said and candidate_row.history_user == users.district_x


def test_the_historys_words_fit_its_column():
    long = "9" * 64 + "-QĐ/HU"
    said = renumber_reason(Membership, long, long, "9-KNĐ số " + long)
    assert len(said) == 100 and said.endswith("…")
    assert renumber_reason(Membership, "", "1-QĐ/HU") == "Số QĐ kết nạp «chưa ghi» → «1-QĐ/HU»"


def test_the_member_page_shows_the_number_in_force_and_the_one_the_admission_was_recorded_with(decided, users, login):
    doc = issue("9-knd", decided, users.district_x)
    membership = ceremony(decided).membership
    correct(doc, decided, users.district_x)
    page = login(users.district_x).get(reverse("members:detail", args=[membership.pk])).content.decode()
    assert "QĐ 2-QĐ/HU" in page  # the admission card
    assert "Kết nạp (QĐ 2-QĐ/HU; đã đính chính, số ghi lúc kết nạp: 1-QĐ/HU)" in page  # the history


def test_a_member_whose_decision_was_never_renumbered_reads_as_before(decided, users, login):
    issue("9-knd", decided, users.district_x)
    membership = ceremony(decided).membership
    page = login(users.district_x).get(reverse("members:detail", args=[membership.pk])).content.decode()
    assert "Kết nạp (QĐ 1-QĐ/HU)" in page and "đã đính chính" not in page


def test_the_ceremony_before_the_paper_then_a_correction(decided, users, login):
    membership = ceremony(decided).membership  # recorded with the number typed at the decision step
    doc = issue("9-knd", decided, users.district_x)
    correct(doc, decided, users.district_x)
    membership.refresh_from_db()
    assert membership.admission_decision_number == "2-QĐ/HU"
    assert [e[3] for e in member_events(membership)] == ["123-QĐ/HU"]
    page = login(users.district_x).get(reverse("members:detail", args=[membership.pk])).content.decode()
    assert "Kết nạp (QĐ 2-QĐ/HU; đã đính chính, số ghi lúc kết nạp: 123-QĐ/HU)" in page


def test_the_recognition_decision_after_a_correction_cites_the_corrected_number(tree, users):
    c = official_candidate(tree, "Hà Văn Đính")
    first = issue("9-knd", c, users.district_x)
    correct(first, c, users.district_x)
    c.refresh_from_db()
    assert c.decision_number == c.membership.admission_decision_number == "2-QĐ/HU"
    official = docx_text(issue("official-decision", c, users.district_x).content)
    # (its own number is the first of 2025 in the same register: "Số 1-QĐ/HU")
    assert "(Quyết định kết nạp số 2-QĐ/HU)" in official and "kết nạp số 1-QĐ/HU" not in official


# --- 2. the decision step entered again -----------------------------------------------------------


def returned(candidate):
    """The candidate sent back to the committee's vote the day after the decision."""
    return candidate_services.candidate_return(
        candidate.pk,
        to_stage=Stage.COMMITTEE_VOTE,
        effective_date=candidate.decision_date + DAY,
        reason="Ghi nhầm ngày quyết định",
    )


def decision_again(candidate, number, decided_by, user=None):
    return candidate_services.candidate_advance(
        candidate.pk,
        Stage.DECISION,
        data={
            "decision_number": number,
            "decision_date": candidate.stage_date + DAY,
            "decided_by": decided_by,
            "decision_received_date": None,
        },
        user=user,
    )


def test_the_register_answers_the_candidates_floor(decided, users):
    assert rules.issued_decision_number(decided) == ""
    doc = issue("9-knd", decided, users.district_x)
    assert rules.issued_decision_number(decided) == "1-QĐ/HU"
    correct(doc, decided, users.district_x)
    assert rules.issued_decision_number(decided) == "2-QĐ/HU"  # the paper in force: the correction


def snapshot(candidate):
    return (
        list(Candidate.objects.filter(pk=candidate.pk).values()),
        CandidateEvent.objects.filter(candidate=candidate).count(),
        Candidate.history.filter(id=candidate.pk).count(),
        IssuedDocument.objects.count(),
        Membership.objects.count(),
    )


def test_entering_the_decision_again_with_another_number_is_refused_and_saves_nothing(decided, users, tree):
    issue("9-knd", decided, users.district_x)
    back = returned(decided)
    assert back.decision_number == ""  # the return cleared the step's fields
    before = snapshot(back)
    with pytest.raises(ValidationError) as refused:
        decision_again(back, "777-QĐ/HU", tree.X, user=users.district_x)
    (message,) = refused.value.message_dict["decision_number"]
    assert "đã được ban hành với số 1-QĐ/HU của sổ đăng ký văn bản" in message
    assert "phải ghi là 1-QĐ/HU (đã ghi «777-QĐ/HU»)" in message and "đính chính" in message
    assert snapshot(back) == before


def test_an_empty_number_is_told_the_registers_number(decided, users, tree):
    issue("9-knd", decided, users.district_x)
    back = returned(decided)
    before = snapshot(back)
    with pytest.raises(ValidationError) as refused:
        decision_again(back, "", tree.X, user=users.district_x)
    (message,) = refused.value.message_dict["decision_number"]
    assert "phải ghi là 1-QĐ/HU." in message and "đã ghi" not in message
    assert snapshot(back) == before


def test_entering_the_decision_again_with_the_registers_number_is_recorded(decided, users, tree):
    doc = issue("9-knd", decided, users.district_x)
    correct(doc, decided, users.district_x)
    back = returned(decided)
    with pytest.raises(ValidationError, match="2-QĐ/HU"):
        decision_again(back, "1-QĐ/HU", tree.X)  # the replaced paper's number is not the decision's any more
    again = decision_again(back, "2-QĐ/HU", tree.X, user=users.district_x)
    assert again.stage == Stage.DECISION and again.decision_number == "2-QĐ/HU"


def test_without_an_issued_paper_the_typed_number_stands(decided, tree):
    back = returned(decided)
    assert decision_again(back, "777-QĐ/HU", tree.X).decision_number == "777-QĐ/HU"


def test_the_step_form_names_the_field_and_the_number(decided, users, login, tree):
    issue("9-knd", decided, users.district_x)
    back = returned(decided)
    client = login(users.district_x)
    post = {
        "stage": Stage.DECISION,
        "version": back.version,
        "decision_number": "777-QĐ/HU",
        "decision_date": (back.stage_date + DAY).strftime("%d/%m/%Y"),
        "decided_by": tree.X.pk,
    }
    response = client.post(reverse("candidates:step", args=[back.pk]), post)
    assert response.status_code == 400
    form = response.context["step_form"]
    assert "1-QĐ/HU" in " ".join(form.errors["decision_number"])
    back.refresh_from_db()
    assert back.stage == Stage.COMMITTEE_VOTE and back.decision_number == ""
