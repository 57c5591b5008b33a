"""The admission decision's one number after the fact: a correction made after the ceremony
reaches the member (the append-only ADMITTED event is not rewritten)."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from candidates import services as candidate_services
from candidates.models import Candidate, Stage
from documents import services
from members.models import MembershipEvent, MembershipPeriod

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
    assert "«1-QĐ/HU» thành «2-QĐ/HU»" in last.history_change_reason
    assert "9-KNĐ số 2-QĐ/HU" in last.history_change_reason
    assert "đính chính văn bản số 1-QĐ/HU: Sai quê quán" in last.history_change_reason
    candidate_row = Candidate.history.filter(id=decided.pk).order_by("-history_id").first()
    assert "«1-QĐ/HU» thành «2-QĐ/HU»" in candidate_row.history_change_reason


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
