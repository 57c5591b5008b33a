"""The statistics forms: the new members of a period in the basic statistics layout, adding up
with the new-member quality report, and admissions against quota by quarter, half-year and year."""

import datetime
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from members.quotas.models import Quota
from members.services import member_admit
from partydev.audit import AuditEvent
from reports import analytics
from reports.periods import Period

pytestmark = pytest.mark.django_db

PEOPLE = [
    # name, sex, born, ethnicity, religion, admitted
    ("Bùi Thị Một", "female", datetime.date(2000, 3, 1), "muong", "none", datetime.date(2026, 2, 10)),
    ("Đinh Văn Hai", "male", datetime.date(1990, 5, 1), "kinh", "none", datetime.date(2026, 5, 4)),
    ("Hà Thị Ba", "female", datetime.date(1985, 7, 1), "thai", "catholicism", datetime.date(2026, 8, 20)),
]


@pytest.fixture
def admitted(tree):
    out = []
    for name, sex, born, ethnicity, religion, day in PEOPLE:
        out.append(
            member_admit(
                person_fields=dict(
                    full_name=name,
                    sex=sex,
                    date_of_birth=born,
                    ethnicity=ethnicity,
                    religion=religion,
                    general_education="upper_secondary",
                    youth_union=born.year >= 1995,
                ),
                cell=tree.CXA,
                admission_decision_date=day,
            )
        )
    return out


def _sheet(answer):
    assert answer.status_code == 200, answer.content[:200]
    return load_workbook(io.BytesIO(answer.content)).active


def _form_values(ws):
    """{(group label, item label): value} from the form's two header rows and its data row."""
    groups, current = {}, None
    for col in range(3, ws.max_column + 1):
        current = ws.cell(row=6, column=col).value or current
        groups[(current, ws.cell(row=7, column=col).value)] = ws.cell(row=8, column=col).value
    return groups


def test_the_new_members_form_adds_up_with_the_quality_report(admitted, users, login, tree):
    url = reverse("documents:stat-new-members", args=[tree.X.code])
    ws = _sheet(login(users.district_x).get(url, {"from": "2026-01-01", "to": "2026-12-31"}))
    quality = analytics.new_member_quality(tree.X, Period.year(2026))
    assert ws.cell(row=8, column=2).value == quality.total == 3
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.STATISTICS_DOWNLOADED, username=users.district_x.username)
    assert event.get_kind_display() == "Tải biểu thống kê" and event.detail["org"] == tree.X.code
    values = _form_values(ws)
    for group in quality.groups:
        if group.key not in (
            "sex",
            "ethnicity",
            "religion",
            "youth_union",
            "age_band",
            "general_education",
            "professional_qualification",
            "sector",
        ):
            continue
        form_sum = sum(v for (g, _), v in values.items() if g == group.label)
        assert form_sum == quality.total, group.key  # each group adds up to the total
        for item in group.items:
            assert values[(group.label, item.label)] == item.count, (group.key, item.key)
    assert values[("Giới tính", "Nữ")] == 2
    assert values[("Đoàn viên thanh niên", "Là đoàn viên")] == 1


def test_small_sensitive_groups_are_hidden_from_those_who_may_not_read_them(admitted, users, login, tree):
    url = reverse("documents:stat-new-members", args=[tree.X.code])
    values = _form_values(_sheet(login(users.province).get(url, {"year": "2026"})))
    assert values[("Dân tộc", "Thái")] == "—" and values[("Giới tính", "Nữ")] == 2  # sex is not sensitive
    exact = _form_values(_sheet(login(users.district_x).get(url, {"year": "2026"})))
    assert exact[("Dân tộc", "Thái")] == 1


def test_admissions_against_quota_by_quarter_half_and_year(admitted, users, login, tree):
    Quota.objects.create(organization=tree.GX, year=2026, target=4)
    url = reverse("documents:stat-admissions", args=[tree.X.code])
    client = login(users.district_x)
    for part, in_period, cumulative in (("q1", 1, 1), ("q2", 1, 2), ("h1", 2, 2), ("q3", 1, 3), ("year", 3, 3)):
        ws = _sheet(client.get(url, {"year": "2026", "part": part}))
        rows = {r[0]: r for r in ws.iter_rows(min_row=3, values_only=True) if r[0]}
        assert rows["Đảng bộ xã Ân Nghĩa"][1:4] == (4, in_period, cumulative), part
        total = rows["Tổng cộng Huyện Lạc Sơn"]
        assert total[2:4] == (in_period, cumulative), part
    assert client.get(url, {"year": "2026", "part": "q5"}).status_code == 400
    assert client.get(url, {"year": "abc"}).status_code == 400
