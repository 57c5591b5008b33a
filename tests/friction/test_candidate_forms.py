"""Issue 19, forms that accepted what cannot be: the add form checks everything on the first
submit, warns outside 18–60, asks before a namesake; step dates follow the history."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates import services
from candidates.models import Candidate, Stage
from tests.candidates.factories import add_form, candidate_at

pytestmark = pytest.mark.django_db


def test_every_error_shows_on_the_first_submit(login, tree, users):
    client = login(users.secretary_a)
    future = (timezone.localdate() + datetime.timedelta(days=400)).isoformat()
    response = client.post(reverse("candidates:add"), add_form(tree, date_of_birth=future, national_id="12345"))
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "date_of_birth" in errors and "national_id" in errors
    assert not Candidate.objects.exists()


def test_a_future_effective_date_shows_with_the_other_errors(login, tree, users):
    client = login(users.secretary_a)
    later = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post(reverse("candidates:add"), add_form(tree, effective_date=later, national_id="12"))
    errors = response.context["form"].errors
    assert "effective_date" in errors and "national_id" in errors


@pytest.mark.parametrize(
    ("years", "words"), [(16, "chưa đủ 18 tuổi"), (76, "quá 60 tuổi")], ids=["sixteen", "seventy-six"]
)
def test_outside_18_to_60_is_a_warning_not_a_refusal(login, tree, users, years, words):
    client = login(users.secretary_a)
    today = timezone.localdate()
    born = today.replace(year=today.year - years) - datetime.timedelta(days=40)
    response = client.post(reverse("candidates:add"), add_form(tree, date_of_birth=born.isoformat()), follow=True)
    assert Candidate.objects.count() == 1
    assert words in response.content.decode()


def test_the_warning_shows_with_the_errors_too(login, tree, users):
    client = login(users.secretary_a)
    today = timezone.localdate()
    born = today.replace(year=today.year - 16)
    response = client.post(reverse("candidates:add"), add_form(tree, date_of_birth=born.isoformat(), national_id="1"))
    assert response.status_code == 200 and "chưa đủ 18 tuổi" in response.content.decode()


def test_a_namesake_asks_on_the_first_submit_beside_the_other_errors(login, tree, users):
    client = login(users.grassroots)
    assert client.post(reverse("candidates:add"), add_form(tree)).status_code == 302
    # The same name and birth date, in another cell of the same grassroots organisation, with a bad CCCD.
    response = client.post(reverse("candidates:add"), add_form(tree, cell=tree.CXB.code, national_id="9"))
    errors = response.context["form"].errors
    assert "national_id" in errors and "confirm_namesake" in errors
    response = client.post(reverse("candidates:add"), add_form(tree, cell=tree.CXB.code))
    assert response.status_code == 200 and "confirm_namesake" in response.context["form"].errors
    response = client.post(reverse("candidates:add"), add_form(tree, cell=tree.CXB.code, confirm_namesake="on"))
    assert response.status_code == 302 and Candidate.objects.count() == 2


def test_a_step_dated_before_a_failed_vote_is_refused(login, tree, users):
    c = candidate_at(tree.CXA, Stage.VERIFICATION)
    client = login(users.secretary_a)
    url = reverse("candidates:step", args=[c.pk])
    vote = {"stage": Stage.CELL_VOTE, "cell_present": 9, "cell_total": 10}
    c.refresh_from_db()
    day = c.stage_date + datetime.timedelta(days=20)
    failed = {**vote, "cell_vote_date": day.isoformat(), "cell_votes_for": 5, "vote_failed": "1", "version": c.version}
    assert client.post(url, failed).status_code == 302
    c.refresh_from_db()
    earlier = (day - datetime.timedelta(days=5)).isoformat()
    response = client.post(url, {**vote, "cell_vote_date": earlier, "cell_votes_for": 9, "version": c.version})
    assert response.status_code == 400
    text = response.content.decode()
    assert "Biểu quyết chưa đạt 2/3" in text and "theo đúng thứ tự thời gian" in text
    c.refresh_from_db()
    assert c.stage == Stage.VERIFICATION
    # On the day of the failed vote or after, it is recorded.
    response = client.post(url, {**vote, "cell_vote_date": day.isoformat(), "cell_votes_for": 9, "version": c.version})
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.stage == Stage.CELL_VOTE


def test_the_rule_names_the_field():
    from candidates.rules import step_date_problem

    day, before = datetime.date(2026, 11, 15), datetime.date(2026, 11, 20)
    message = step_date_problem(day, "ngày chi bộ họp xét", before, "lần biểu quyết chưa đạt")
    assert message.startswith("Ngày chi bộ họp xét (15/11/2026) trước lần biểu quyết chưa đạt (20/11/2026)")
    assert step_date_problem(before, "ngày", before, "x") is None
    assert services  # the service calls it (above)
