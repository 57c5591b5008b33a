import datetime
import io
from decimal import Decimal

import openpyxl
import pytest

from followup.evaluation import commend_and_remind, evaluation_rows, propose_level
from followup.models import EvaluationThresholds, Level
from followup.services import rating_record
from members.quotas.models import Quota
from organizations.models import Role
from reports.periods import Period
from tests.fixtures import build_small_province, make_user
from tests.followup.factories import AssignmentFactory, MonthlyCheckFactory, admit, candidate

D = datetime.date
T = EvaluationThresholds(
    excellent_rate=Decimal(100),
    good_rate=Decimal(80),
    completed_rate=Decimal(50),
    excellent_max_missed=0,
    excellent_needs_all_checks=True,
)


@pytest.mark.parametrize(
    "rate,missed,checks,level",
    [
        ("100.00", 0, True, Level.EXCELLENT),  # exactly at the top threshold
        ("99.99", 0, True, Level.GOOD),
        ("100.00", 1, True, Level.GOOD),  # one missed deadline over the allowance
        ("150.00", 0, False, Level.GOOD),  # a month not checked
        ("80.00", 5, False, Level.GOOD),
        ("79.99", 0, True, Level.COMPLETED),
        ("50.00", 0, True, Level.COMPLETED),
        ("49.99", 0, True, Level.NOT_COMPLETED),
        ("0.00", 0, True, Level.NOT_COMPLETED),
    ],
)
def test_proposed_level_at_the_threshold_boundaries(rate, missed, checks, level):
    proposed, reasons = propose_level(T, Decimal(rate), missed, checks)
    assert proposed == level and reasons


def test_thresholds_are_per_province_and_configurable():
    lenient = EvaluationThresholds(
        excellent_rate=Decimal(90),
        good_rate=Decimal(70),
        completed_rate=Decimal(40),
        excellent_max_missed=2,
        excellent_needs_all_checks=False,
    )
    assert propose_level(lenient, Decimal("90.00"), 2, False)[0] == Level.EXCELLENT
    assert propose_level(lenient, Decimal("40.00"), 0, True)[0] == Level.COMPLETED
    assert propose_level(lenient, Decimal("39.99"), 0, True)[0] == Level.NOT_COMPLETED
    assert propose_level(T, None, 0, True)[0] is None  # no quota: no proposal


@pytest.fixture
def year_2022(tree, users, committee_member):
    """GX: 5 admitted of 4 (125%), every month checked, two deadlines met. GXC: 1 of 4, checks missing."""
    for m in range(1, 6):
        admit(tree.CXA, D(2022, m, 10))
    admit(tree.GXC, D(2022, 3, 10))
    admit(tree.CXA, D(2021, 12, 31))  # last year
    Quota.objects.create(organization=tree.GX, year=2022, target=4)
    Quota.objects.create(organization=tree.GXC, year=2022, target=4)
    a = AssignmentFactory(committee_member=committee_member, organization=tree.GX, start=D(2021, 6, 1))
    for m in range(1, 13):
        MonthlyCheckFactory(assignment=a, month=D(2022, m, 1))
    b = AssignmentFactory(committee_member=committee_member, organization=tree.GXC, start=D(2022, 1, 1))
    for m in (1, 2, 3):
        MonthlyCheckFactory(assignment=b, month=D(2022, m, 1))
    # GX: a decision within 60 working days of the cell vote, the ceremony within 30 (both met); GXC: a ceremony long after the decision (missed).
    candidate(
        tree.CXA,
        stage="probationary",
        cultivation_date=D(2021, 10, 1),
        cell_vote_date=D(2022, 3, 1),
        decision_date=D(2022, 3, 21),
        ceremony_date=D(2022, 4, 1),
        stage_date=D(2022, 4, 1),
    )
    candidate(
        tree.GXC,
        stage="probationary",
        cultivation_date=D(2021, 12, 1),
        cell_vote_date=D(2022, 1, 10),
        decision_date=D(2022, 2, 10),
        ceremony_date=D(2022, 9, 1),
        stage_date=D(2022, 9, 1),
    )
    # An exit of a probationary member in GXC.
    from members.models import EventKind
    from members.services import membership_record_event

    membership_record_event(
        admit(tree.GXC, D(2022, 1, 5)), kind=EventKind.STRUCK_OFF, effective_date=D(2022, 6, 1), reason="Bỏ sinh hoạt"
    )
    return a, b


@pytest.mark.django_db
def test_the_evaluation_table_comes_from_the_records(tree, users, year_2022, django_assert_max_num_queries):
    with django_assert_max_num_queries(16):  # 15 + the working-day calendar, read once (issue 17)
        rows, thresholds = evaluation_rows(tree.X, Period.year(2022), today=D(2023, 1, 15))
    gx, gxc = rows
    assert (gx.org, gxc.org) == (tree.GX, tree.GXC)
    assert (gx.admitted, gx.quota, str(gx.rate)) == (5, 4, "125.00")
    assert (gx.deadlines_met, gx.deadlines_missed) == (2, 0)
    assert gx.decided == 1 and gx.average_days == (D(2022, 3, 21) - D(2021, 10, 1)).days
    assert (gx.checks_expected, gx.checks_done, gx.checks_complete) == (12, 12, True)
    assert gx.proposed == Level.EXCELLENT
    assert (gxc.admitted, gxc.quota, str(gxc.rate)) == (2, 4, "50.00")
    assert gxc.deadlines_missed == 1 and (gxc.checks_done, gxc.checks_missing) == (3, 9)
    assert (gxc.exits, gxc.exits_probationary) == (1, 1)
    assert gxc.proposed == Level.COMPLETED

    commend, remind = commend_and_remind(rows, thresholds)
    assert [i.row.org for i in commend] == [tree.GX]
    assert "Đạt 125% chỉ tiêu (5/4)" in commend[0].reasons
    assert [i.row.org for i in remind] == [tree.GXC]
    assert remind[0].reasons == ["1 hạn bị trễ", "Thiếu 9 tháng kiểm tra"]


@pytest.mark.django_db
def test_the_province_table_rolls_up_and_an_unassigned_unit_is_flagged(tree, users, year_2022):
    rows, _ = evaluation_rows(tree.P, Period.year(2022), today=D(2023, 1, 15))
    x, y = rows
    assert x.admitted == 7 and x.quota is None and x.proposed is None and not x.assigned
    assert y.admitted == 0 and y.checks_text == "Chưa phân công"


@pytest.mark.django_db
def test_evaluation_page_rating_and_export(tree, users, year_2022, login):
    client = login(users.district_x)
    page = client.get("/followup/evaluation/T.X/?year=2022")
    assert page.status_code == 200
    html = page.content.decode()
    assert "125,00%" in html and "Hoàn thành xuất sắc nhiệm vụ" in html
    response = client.post(
        "/followup/evaluation/T.X/?year=2022",
        {"organization": "T.X.1", "year": "2022", "level": Level.GOOD, "note": "Cân nhắc chất lượng"},
    )
    assert response.status_code == 302
    rows, _ = evaluation_rows(tree.X, Period.year(2022), today=D(2023, 1, 15))
    assert rows[0].rating.level == Level.GOOD and rows[0].rating.rated_by == users.district_x
    assert rows[0].rating.proposed_level == Level.EXCELLENT
    # A later decision is a new row; the latest is the rating in force.
    rating_record(actor=users.province, organization=tree.GX, year=2022, level=Level.EXCELLENT, today=D(2023, 1, 20))
    rows, _ = evaluation_rows(tree.X, Period.year(2022), today=D(2023, 1, 15))
    assert rows[0].rating.rated_by == users.province

    xlsx = client.get("/followup/evaluation/T.X/?year=2022&format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    values = [[c.value for c in row] for row in ws.iter_rows()]
    gx = next(r for r in values if r[0] == "T.X.1")
    assert gx[2:5] == [5, 4, 125.0] and gx[13] == "Hoàn thành xuất sắc nhiệm vụ"


@pytest.mark.django_db
def test_evaluation_scope(tree, users, year_2022, login):
    client = login(users.district_y)
    assert client.get("/followup/evaluation/T.X/?year=2022").status_code == 404
    assert client.get("/followup/lists/T.X/").status_code == 404
    # A district cannot rate a unit of another district even by forging the form.
    client.post("/followup/evaluation/T.Y/?year=2022", {"organization": "T.X.1", "year": "2022", "level": Level.GOOD})
    from followup.models import EvaluationRating

    assert not EvaluationRating.objects.exists()


@pytest.mark.django_db
def test_commend_and_remind_page_and_export(tree, users, year_2022, login):
    client = login(users.district_x)
    html = client.get("/followup/lists/T.X/?from=2022-01-01&to=2022-12-31").content.decode()
    assert "Đạt 125% chỉ tiêu (5/4)" in html and "Thiếu 9 tháng kiểm tra" in html
    xlsx = client.get("/followup/lists/T.X/?from=2022-01-01&to=2022-12-31&format=xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    lists = [row[0].value for row in ws.iter_rows(min_row=4)]
    assert lists == ["Biểu dương", "Nhắc nhở"]
    bad = client.get("/followup/lists/T.X/?from=2022-13-01")
    assert "không hợp lệ" in bad.content.decode()


@pytest.mark.django_db
def test_thresholds_page_read_by_the_province_set_by_its_office(tree, users, login):
    form = {"excellent_rate": "110", "good_rate": "90", "completed_rate": "60", "excellent_max_missed": "1"}
    district = login(users.district_x)
    assert district.get("/followup/thresholds/T/").status_code == 200
    assert district.post("/followup/thresholds/T/", form).status_code == 403  # reads them, may not set them
    assert district.get("/followup/thresholds/T.X/").status_code == 404
    outsider = make_user("elsewhere", Role.Kind.PROVINCE_OFFICE, build_small_province("Z").P)
    assert login(outsider).get("/followup/thresholds/T/").status_code == 404
    province = login(users.province)
    bad = province.post("/followup/thresholds/T/", {**form, "good_rate": "120"})
    assert "giảm dần" in bad.content.decode()
    assert province.post("/followup/thresholds/T/", form).status_code == 302
    t = EvaluationThresholds.objects.get(province=tree.P)
    assert (t.excellent_rate, t.excellent_max_missed, t.excellent_needs_all_checks, t.updated_by) == (
        110,
        1,
        False,
        users.province,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/followup/evaluation/T.X/?year=2022",
        "/followup/lists/T.X/?from=2022-01-01&to=2022-12-31",
        "/followup/evaluation/T/?year=2022&format=xlsx",
    ],
)
def test_evaluation_query_counts_do_not_grow_with_the_data(
    tree, users, committee_member, login, django_assert_num_queries, url
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from organizations.models import Kind
    from organizations.services import organization_create

    client = login(users.province)
    admit(tree.CXA, D(2022, 2, 1))
    AssignmentFactory(committee_member=committee_member, organization=tree.GX, start=D(2022, 1, 1))
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(5):
        g = organization_create(parent=tree.X, code=f"T.X.{i + 3}", name=f"Chi bộ cơ sở {i}", kind=Kind.GRASSROOTS_CELL)
        Quota.objects.create(organization=g, year=2022, target=3)
        admit(g, D(2022, 3, 1))
        a = AssignmentFactory(committee_member=committee_member, organization=g, start=D(2022, 1, 1))
        MonthlyCheckFactory(assignment=a, month=D(2022, 4, 1))
        candidate(
            g,
            stage="decision",
            cultivation_date=D(2021, 10, 1),
            cell_vote_date=D(2022, 3, 1),
            decision_date=D(2022, 3, 21),
        )
        rating_record(actor=users.province, organization=g, year=2022, level=Level.GOOD, today=D(2023, 1, 2))
    with django_assert_num_queries(len(few.captured_queries)):
        client.get(url)
