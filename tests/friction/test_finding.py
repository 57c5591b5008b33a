"""Issue 19, finding one's way: the grassroots organisation beside a cell's name, the
organisation picker (names with or without diacritics, in scope only), candidate search on the
worklist and the board, the board by grassroots organisation, the picker in the browser."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from candidates.models import Stage
from organizations.models import Kind
from organizations.services import organization_create
from tests.candidates.factories import candidate_at


@pytest.mark.django_db
def test_the_picker_finds_names_without_diacritics_in_scope_only(login, tree, users):
    client = login(users.district_x)
    found = client.get(reverse("reports:pick"), {"q": "xom bung"}).json()["results"]
    assert [r["code"] for r in found] == [tree.CXA.code]
    assert found[0]["grassroots"] == tree.GX.name and tree.GX.name in found[0]["label"]
    # Bản Lác lies in the other district: not found.
    assert client.get(reverse("reports:pick"), {"q": "ban lac"}).json()["results"] == []
    cells = client.get(reverse("reports:pick"), {"q": "chi bo", "kinds": "cell"}).json()["results"]
    assert {r["code"] for r in cells} == {tree.CXA.code, tree.CXB.code, tree.GXC.code}


@pytest.mark.django_db
def test_namesake_cells_are_told_apart_by_their_grassroots(login, tree, users):
    organization_create(parent=tree.GY, code="T.Y.1.B", name="Chi bộ xóm Bưng", kind=Kind.CELL)
    candidate_at(tree.CXA, Stage.SOURCE, full_name="Quách Thị Lan")
    html = login(users.province).get(reverse("candidates:add")).content.decode()
    assert f"Chi bộ xóm Bưng — {tree.GX.name}" in html and f"Chi bộ xóm Bưng — {tree.GY.name}" in html
    found = login(users.province).get(reverse("reports:pick"), {"q": "Chi bộ xóm Bưng"}).json()["results"]
    assert {r["grassroots"] for r in found} == {tree.GX.name, tree.GY.name}


@pytest.mark.django_db
def test_candidates_are_found_by_name_on_the_worklist_and_the_board(login, tree, users):
    mine = candidate_at(tree.CXA, Stage.SOURCE, full_name="Quách Thị Lan")
    candidate_at(tree.CYA, Stage.SOURCE, full_name="Quách Thị Lanh")  # the other district
    client = login(users.district_x)
    html = client.get(reverse("candidates:worklist"), {"q": "quach thi lan"}).content.decode()
    assert reverse("candidates:detail", args=[mine.pk]) in html and "Quách Thị Lanh" not in html
    assert tree.GX.name in html  # the cell with its grassroots organisation
    cards = client.get(reverse("candidates:board", args=[tree.X.code])).content.decode()
    assert f"{tree.CXA.name} — {tree.GX.name}" in cards  # a card names its cell with its grassroots
    board = client.get(reverse("candidates:board", args=[tree.X.code]), {"q": "QUACH"})
    assert reverse("candidates:detail", args=[mine.pk]) in board.content.decode()
    assert "Quách Thị Lanh" not in board.content.decode()


@pytest.mark.django_db
def test_a_board_is_filtered_by_grassroots_organisation(login, tree, users):
    client = login(users.district_x)
    html = client.get(reverse("candidates:board", args=[tree.X.code])).content.decode()
    assert f'<option value="{tree.GX.code}">' in html
    response = client.get(reverse("candidates:board", args=[tree.X.code]), {"grassroots": tree.GX.code})
    assert response.status_code == 302 and response["Location"] == reverse("candidates:board", args=[tree.GX.code])
    assert client.get(reverse("candidates:board", args=[tree.X.code]), {"grassroots": tree.GY.code}).status_code == 404


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_picker_opens_the_chosen_organisation_and_moves_a_candidate(live_server, browser_login, tree, users):
    page = browser_login(users.district_x)
    page.goto(f"{live_server.url}/candidates/")
    page.get_by_label("Xem việc của một tổ chức").fill("xom mit")
    page.get_by_role("button", name=f"Chi bộ xóm Mít — {tree.GX.name}").click()
    expect(page).to_have_url(f"{live_server.url}/candidates/?org={tree.CXB.code}")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Chi bộ xóm Mít")

    c = candidate_at(tree.CXA, Stage.SOURCE, full_name="Hà Văn Chuyển")
    page.goto(f"{live_server.url}{reverse('candidates:detail', args=[c.pk])}")
    page.get_by_text("Trả về bước trước, chuyển chi bộ, dừng theo dõi").click()
    page.get_by_label("Chi bộ nơi đến").fill("mit")
    page.get_by_role("button", name=f"Chi bộ xóm Mít — {tree.GX.name}").click()
    expect(page.locator("input[name='move-to_cell']")).to_have_value(tree.CXB.code)
    move = page.locator("form[action$='/move/']")
    move.get_by_label("Lý do").fill("Chuyển nơi cư trú")
    move.get_by_role("button", name="Chuyển").click()
    expect(page.locator(".messages")).to_be_visible()
    c.refresh_from_db()
    assert c.cell_id == tree.CXB.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/candidates/",
        "/members/",
        "/dashboard/T.X/",
        "/reports/T.X/coverage/",
        "/reports/T.X/projection/",
        "/followup/evaluation/T.X/?year=2022",
        "/followup/lists/T.X/",
        "/quotas/T.X/",
    ],
)
def test_every_page_that_narrows_by_organisation_has_the_picker(login, tree, users, url):
    html = login(users.district_x).get(url).content.decode()
    assert 'class="picker"' in html and f'data-picker-url="{reverse("reports:pick")}' in html
