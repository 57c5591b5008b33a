"""Issue 19, irreversible actions: the year-end rating is not pre-filled, refused for a year that
has not ended unless a reason is given, and confirmed; dropping a candidate is confirmed with the
name and the reason, and its button stands apart."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from candidates.models import Candidate, Stage
from followup.models import EvaluationRating, Level
from tests.candidates.factories import candidate_at


@pytest.mark.django_db
def test_the_rating_select_is_not_pre_filled(login, tree, users):
    year = timezone.localdate().year - 1
    html = login(users.district_x).get(f"/followup/evaluation/{tree.X.code}/?year={year}").content.decode()
    assert 'name="level"' in html and " selected>" not in html.split('name="level"', 1)[1].split("</select>")[0]


@pytest.mark.django_db
def test_a_year_that_has_not_ended_needs_a_reason(login, tree, users):
    year = timezone.localdate().year
    client = login(users.district_x)
    url = f"/followup/evaluation/{tree.X.code}/?year={year}"
    page = client.get(url).content.decode()
    assert "chưa kết thúc" in page and 'name="early_reason"' in page
    post = {"organization": tree.GX.code, "year": str(year), "level": Level.GOOD, "note": ""}
    response = client.post(url, post)
    assert response.status_code == 200 and "chưa kết thúc" in response.content.decode()
    assert not EvaluationRating.objects.exists()
    response = client.post(url, {**post, "early_reason": "Đại hội chi bộ họp sớm theo kế hoạch"})
    assert response.status_code == 302
    assert "Đại hội chi bộ họp sớm" in EvaluationRating.objects.get().note


@pytest.mark.django_db
def test_a_past_year_is_rated_without_a_reason(login, tree, users):
    year = timezone.localdate().year - 1
    post = {"organization": tree.GX.code, "year": str(year), "level": Level.GOOD}
    response = login(users.district_x).post(f"/followup/evaluation/{tree.X.code}/?year={year}", post)
    assert response.status_code == 302 and EvaluationRating.objects.get().level == Level.GOOD


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_saving_a_rating_asks_first(live_server, browser_login, tree, users):
    page = browser_login(users.district_x)
    year = timezone.localdate().year - 1
    page.goto(f"{live_server.url}/followup/evaluation/{tree.X.code}/?year={year}")
    select = page.get_by_label(f"Xếp loại {tree.GX.name}", exact=True)
    expect(select).to_have_value("")
    select.select_option(Level.GOOD)
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.get_by_role("button", name="Ghi xếp loại").first.click()
    page.wait_for_timeout(300)
    assert asked and "Hoàn thành tốt nhiệm vụ" in asked[0] and tree.GX.name in asked[0] and str(year) in asked[0]
    assert not EvaluationRating.objects.exists()
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Ghi xếp loại").first.click()
    expect(page.locator(".messages")).to_contain_text("Đã ghi xếp loại")
    assert EvaluationRating.objects.get().level == Level.GOOD


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_dropping_a_candidate_asks_with_the_name_and_the_reason(live_server, browser_login, tree, users):
    c = candidate_at(tree.CXA, Stage.CULTIVATION, full_name="Hà Văn Dừng")
    page = browser_login(users.secretary_a)
    page.goto(f"{live_server.url}{reverse('candidates:detail', args=[c.pk])}")
    page.get_by_text("Trả về bước trước, chuyển chi bộ, dừng theo dõi").click()
    button = page.get_by_role("button", name="Dừng theo dõi Hà Văn Dừng")
    expect(button).to_have_class("danger")
    form = page.get_by_test_id("drop-form")
    form.get_by_label("Lý do").fill("Chuyển công tác ra ngoài tỉnh")
    asked = []

    def dismiss(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", dismiss)
    button.click()
    page.wait_for_timeout(300)
    assert asked and "Hà Văn Dừng" in asked[0] and "Chuyển công tác ra ngoài tỉnh" in asked[0]
    assert Candidate.objects.get(pk=c.pk).stage == Stage.CULTIVATION
    page.once("dialog", lambda dialog: dialog.accept())
    button.click()
    expect(page.get_by_test_id("stage")).to_have_text(Stage.DROPPED.label)


@pytest.mark.django_db
def test_a_members_exit_decision_asks_first_and_stands_apart(login, tree, users):
    import datetime

    from tests.members.factories import admit

    m = admit(tree.CXA, datetime.date(2020, 3, 1), full_name="Bùi Văn Ra")
    html = login(users.district_x).get(reverse("members:record", args=[m.pk, "struck_off"])).content.decode()
    assert 'data-confirm="Ghi quyết định' in html and "Bùi Văn Ra" in html
    assert "danger-zone" in html and 'class="danger"' in html
