"""The pipeline screens: scoping (404 out of scope), the forms, the board's constant query count,
the worklist, the export."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from candidates import facts, services
from candidates.models import Candidate, CandidateEvent, Stage
from candidates.selectors import board

from .factories import add_form, candidate_at, official_member

pytestmark = pytest.mark.django_db


def test_pages_need_login(client, tree):
    response = client.get(reverse("candidates:worklist"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_out_of_scope_is_404(login, tree, users):
    theirs = candidate_at(tree.CYA, Stage.DOSSIER)
    client = login(users.secretary_a)
    assert client.get(reverse("candidates:detail", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("candidates:board", args=[tree.CYA.code])).status_code == 404
    assert client.get(reverse("candidates:export", args=[tree.Y.code])).status_code == 404
    assert client.get(reverse("candidates:worklist") + "?org=" + tree.Y.code).status_code == 404
    response = client.post(
        reverse("candidates:drop", args=[theirs.pk]),
        {"drop-effective_date": "2024-03-01", "drop-reason": "x", "drop-version": theirs.version},
    )
    assert response.status_code == 404
    response = client.post(reverse("candidates:step", args=[theirs.pk]), {"stage": Stage.VERIFICATION})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.stage == Stage.DOSSIER
    # The one inside scope opens; so does the district's view of it.
    mine = candidate_at(tree.CXA, Stage.DOSSIER)
    assert client.get(reverse("candidates:detail", args=[mine.pk])).status_code == 200
    assert login(users.district_x).get(reverse("candidates:detail", args=[mine.pk])).status_code == 200


def test_add_a_candidate_in_one_short_form(login, tree, users):
    client = login(users.secretary_a)
    page = client.get(reverse("candidates:add"))
    assert page.status_code == 200 and page.context["form"].initial["cell"] == tree.CXA
    response = client.post(reverse("candidates:add"), add_form(tree))
    c = Candidate.objects.get(person__full_name="Quách Thị Lan")
    assert response.status_code == 302 and response["Location"] == reverse("candidates:detail", args=[c.pk])
    assert c.stage == Stage.SOURCE and c.events.get().recorded_by == users.secretary_a
    # A cell outside scope is not even a choice.
    response = client.post(
        reverse("candidates:add"),
        {
            "full_name": "X",
            "date_of_birth": "2001-02-03",
            "sex": "male",
            "general_education": "upper_secondary",
            "ethnicity": "kinh",
            "source_kind": "school",
            "cell": tree.CYA.code,
            "effective_date": "2024-01-01",
        },
    )
    assert response.status_code == 200 and "cell" in response.context["form"].errors


def test_record_the_next_step_and_see_the_rule_message(login, tree, users):
    c = candidate_at(tree.CXA, Stage.VERIFICATION, date_of_birth=datetime.date(2010, 1, 1))
    client = login(users.secretary_a)
    page = client.get(reverse("candidates:detail", args=[c.pk]))
    assert page.context["next_stage"] == Stage.CELL_VOTE and page.context["can_step"]
    post = {
        "stage": Stage.CELL_VOTE,
        "version": c.version,
        "cell_vote_date": "2024-03-20",
        "cell_present": 9,
        "cell_total": 10,
        "cell_votes_for": 9,
    }
    response = client.post(reverse("candidates:step", args=[c.pk]), post)
    assert response.status_code == 400
    assert "Chưa đủ 18 tuổi" in response.content.decode()
    district = login(users.district_x)
    response = district.post(
        reverse("candidates:step", args=[c.pk]), {**post, "override_reason": "Trường hợp thử nghiệm"}
    )
    assert response.status_code == 302
    c.refresh_from_db()
    assert c.stage == Stage.CELL_VOTE
    page = district.get(reverse("candidates:detail", args=[c.pk])).content.decode()
    assert "Bỏ qua quy định" in page and "Trường hợp thử nghiệm" in page


def test_a_failed_vote_is_recorded_from_the_step_form(login, tree, users):
    c = candidate_at(tree.CXA, Stage.VERIFICATION)
    client = login(users.secretary_a)
    url = reverse("candidates:step", args=[c.pk])
    post = {
        "stage": Stage.CELL_VOTE,
        "cell_vote_date": "2024-03-20",
        "cell_present": 8,
        "cell_total": 10,
        "cell_votes_for": 5,
        "vote_failed": "1",
    }
    for attempt, day in enumerate(["2024-03-20", "2024-04-03", "2024-04-17"], start=1):
        c.refresh_from_db()
        response = client.post(url, {**post, "cell_vote_date": day, "version": c.version}, follow=True)
        assert f"lần biểu quyết thứ {attempt} chưa đạt 2/3" in response.content.decode()
    page = response.content.decode()
    assert "báo cáo cấp ủy cấp trên" in page and 'data-testid="failed-votes"' in page
    assert response.context["c"].stage == Stage.VERIFICATION
    # A vote that reached 2/3 is not a failure: the form says so and nothing is written.
    c.refresh_from_db()
    response = client.post(url, {**post, "cell_vote_date": "2024-05-08", "cell_votes_for": 7, "version": c.version})
    assert response.status_code == 400 and "đạt từ 2/3" in response.content.decode()
    assert c.events.filter(kind="vote_failed").count() == 3


def test_stale_form_is_refused(login, tree, users):
    c = candidate_at(tree.CXA, Stage.VERIFICATION)
    client = login(users.secretary_a)
    post = {
        "stage": Stage.CELL_VOTE,
        "version": c.version - 1,
        "cell_vote_date": "2024-03-20",
        "cell_present": 9,
        "cell_total": 10,
        "cell_votes_for": 9,
    }
    response = client.post(reverse("candidates:step", args=[c.pk]), post)
    assert response.status_code == 400 and "người khác cập nhật" in response.content.decode()


def _bulk_candidates(cell, n, stage=Stage.DOSSIER):
    from members.models import Person

    today = timezone.localdate()
    people = Person.objects.bulk_create(
        [
            Person(
                full_name=f"Người {i}",
                sex="male",
                date_of_birth=datetime.date(2000, 1, 1),
                general_education="upper_secondary",
            )
            for i in range(n)
        ]
    )
    stages = [Stage.SOURCE, Stage.CULTIVATION, Stage.COURSE, Stage.DOSSIER, Stage.CELL_VOTE, Stage.DECISION]
    Candidate.objects.bulk_create(
        [
            Candidate(
                person=p,
                cell=cell,
                stage=stages[i % len(stages)],
                stage_date=today,
                next_due=today - datetime.timedelta(days=i % 40),
                due_kind="decision",
            )
            for i, p in enumerate(people)
        ]
    )
    facts.rebuild(cell)  # written around the services: repaired as after maintenance


def test_board_query_count_is_the_same_for_10_and_2000(login, tree, users, django_assert_num_queries):
    client = login(users.district_x)
    url = reverse("candidates:board", args=[tree.X.code])
    _bulk_candidates(tree.CXA, 10)
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        response = client.get(url)
    assert response.status_code == 200 and response.context["total"] == 10
    _bulk_candidates(tree.CXB, 1990)
    with django_assert_num_queries(len(small.captured_queries)):
        response = client.get(url)
    assert response.context["total"] == 2000
    counts = {col.stage: col.count for col in response.context["columns"]}
    assert sum(counts.values()) == 2000 and counts[Stage.SOURCE] == 334


def test_the_board_shows_a_change_at_once(login, tree, users):
    """A step recorded through the services is on the next board."""
    c = candidate_at(tree.CXA, Stage.SOURCE)
    client = login(users.district_x)
    url = reverse("candidates:board", args=[tree.X.code])

    def counts():
        return {col.stage: col.count for col in client.get(url).context["columns"]}

    assert counts()[Stage.SOURCE] == 1
    services.candidate_drop(c.pk, reason="Chuyển công tác", effective_date=timezone.localdate(), user=users.district_x)
    assert counts()[Stage.SOURCE] == 0
    other = candidate_at(tree.CXB, Stage.SOURCE, full_name="Lò Văn Sáng")
    assert counts()[Stage.SOURCE] == 1
    person = other.person
    person.full_name = "Lò Văn Sướng"
    person.save()  # a corrected name, no pipeline event
    assert "Lò Văn Sướng" in client.get(url).content.decode()


def test_board_counts_only_what_the_user_sees(tree, users):
    candidate_at(tree.CXA, Stage.SOURCE)
    candidate_at(tree.CYA, Stage.SOURCE)
    today = timezone.localdate()
    assert {c.stage: c.count for c in board(tree.P, users.province, today)}[Stage.SOURCE] == 2
    assert {c.stage: c.count for c in board(tree.P, users.district_x, today)}[Stage.SOURCE] == 1


def test_worklist_groups_overdue_by_cell(login, tree, users, django_assert_max_num_queries):
    today = timezone.localdate()
    old = candidate_at(tree.CXA, Stage.CELL_VOTE, start=today - datetime.timedelta(days=200))  # decision overdue
    recent = candidate_at(tree.CXB, Stage.SOURCE, start=today)
    elsewhere = candidate_at(tree.CYA, Stage.CELL_VOTE, start=today - datetime.timedelta(days=200))
    client = login(users.grassroots)
    response = client.get(reverse("candidates:worklist"))
    work = response.context["work"]
    assert work.overdue == 1
    ((cell, items),) = work.groups
    assert cell == tree.CXA and items[0].candidate == old and items[0].overdue_days == (today - old.next_due).days
    assert "quá hạn" in response.content.decode()
    assert recent.pk and elsewhere.pk
    assert login(users.province).get(reverse("candidates:worklist")).context["work"].overdue == 2


def test_the_worklist_lists_candidates_to_report_upward(login, tree, users):
    c = candidate_at(tree.CXA, Stage.VERIFICATION)
    other = candidate_at(tree.CYA, Stage.VERIFICATION)
    vote = dict(cell_present=8, cell_total=10, cell_votes_for=5)
    for day in (datetime.date(2024, 3, 20), datetime.date(2024, 4, 3), datetime.date(2024, 4, 17)):
        services.candidate_record_failed_vote(c.pk, Stage.CELL_VOTE, data={**vote, "cell_vote_date": day}, user=None)
        services.candidate_record_failed_vote(
            other.pk, Stage.CELL_VOTE, data={**vote, "cell_vote_date": day}, user=None
        )
    grassroots = login(users.grassroots)

    def reported(client):
        return [e.candidate_id for e in client.get(reverse("candidates:worklist")).context["work"].reported_upward]

    assert reported(grassroots) == [c.pk]  # the other is in district Y, out of this scope
    assert "biểu quyết 3 lần chưa đạt 2/3" in grassroots.get(reverse("candidates:worklist")).content.decode()
    assert sorted(reported(login(users.province))) == sorted([c.pk, other.pk])
    services.candidate_advance(
        c.pk,
        Stage.CELL_VOTE,
        data={**vote, "cell_vote_date": datetime.date(2024, 5, 8), "cell_votes_for": 7},
        user=None,
    )
    assert reported(login(users.grassroots)) == []  # the fourth vote passed: nothing left to report


def test_export_the_pipeline_of_a_scope(login, tree, users):
    c = candidate_at(tree.CXA, Stage.CELL_VOTE, full_name='=HYPERLINK("x")')
    candidate_at(tree.CYA, Stage.SOURCE)
    response = login(users.district_x).get(reverse("candidates:export", args=[tree.X.code]))
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.content)).active
    rows = [r for r in ws.iter_rows(values_only=True) if r[0] and str(r[0]).startswith("T.")]
    assert len(rows) == 1
    assert rows[0][2] == '\'=HYPERLINK("x")' or not str(rows[0][2]).startswith("=")
    assert rows[0][6] == Stage(c.stage).label


def test_helpers_offered_are_official_members_of_the_grassroots(login, tree, users):
    mine = official_member(tree.CXB, full_name="Lê Văn Giúp")
    official_member(tree.CYA, full_name="Người Huyện Khác")
    c = candidate_at(tree.CXA, Stage.SOURCE)
    page = login(users.secretary_a).get(reverse("candidates:detail", args=[c.pk])).content.decode()
    assert "Lê Văn Giúp" in page and "Người Huyện Khác" not in page
    assert mine.pk
    assert CandidateEvent.objects.filter(candidate=c).count() == 1


def test_candidate_page_queries_do_not_grow_with_history_or_members(login, tree, users):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(users.district_x)
    small = candidate_at(tree.CXA, Stage.SOURCE)
    large = candidate_at(tree.CXB, Stage.SOURCE)
    client.get(reverse("candidates:detail", args=[small.pk]))
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("candidates:detail", args=[small.pk]))
    for _ in range(30):
        official_member(tree.CXB)
    for i in range(5):  # a long history: moved back and forth
        large = services.candidate_move(
            large.pk,
            to_cell=tree.CXA if i % 2 == 0 else tree.CXB,
            effective_date=datetime.date(2024, 1, 9 + i),
            reason="Chuyển nơi ở",
            user=users.district_x,
        )
    with CaptureQueriesContext(connection) as after:
        response = client.get(reverse("candidates:detail", args=[large.pk]))
    assert response.status_code == 200 and len(response.context["history"]) == 6
    assert len(after.captured_queries) == len(before.captured_queries)


def test_a_wider_board_tells_cells_apart_by_their_grassroots_organisation(tree, users):
    candidate_at(tree.CXA, Stage.SOURCE)
    candidate_at(tree.GXC, Stage.SOURCE)  # a grassroots cell: no organisation above it to name
    today = timezone.localdate()
    (source,) = [c for c in board(tree.P, users.province, today) if c.stage == Stage.SOURCE]
    assert sorted(card.cell_name for card in source.cards) == sorted(
        [f"{tree.CXA.name} — {tree.GX.name}", tree.GXC.name]
    )
    (own,) = [c for c in board(tree.CXA, users.province, today) if c.stage == Stage.SOURCE]
    assert [card.cell_name for card in own.cards] == [tree.CXA.name]  # a cell's own board: its name alone
