import datetime

import pytest
from django.contrib.auth import get_user_model

from demo.followup import DEMO_ACCOUNT, demo_check_url, seed_followup
from demo.tree import seed_tree
from followup.models import Assignment, CommitteeMember, MonthlyCheck
from followup.selectors import month_statuses
from organizations.models import DISTRICT_LEVEL_KINDS, GRASSROOTS_KINDS, Organization

pytestmark = pytest.mark.django_db


def test_demo_assigns_committee_members_across_the_province_with_a_year_of_checks(client):
    seed_tree()
    seed_followup()
    seed_followup()  # idempotent
    hb = Organization.objects.get(code="HB")
    districts = Organization.objects.filter(path__startswith=hb.path, depth=2, kind__in=DISTRICT_LEVEL_KINDS)
    assert CommitteeMember.objects.values("committee").distinct().count() == districts.count() + 1
    followed = set(Assignment.objects.filter(start__year=2022).values_list("organization__code", flat=True))
    grassroots_in_districts = Organization.objects.filter(
        kind__in=GRASSROOTS_KINDS, depth=3, path__regex=r"^(" + "|".join(d.path for d in districts) + ")"
    ).count()
    assert (
        len(followed) == grassroots_in_districts + 13
    )  # every grassroots unit of a district, every committee under the province
    statuses = month_statuses(Assignment.objects.filter(start__year=2022), today=datetime.date(2023, 1, 15), year=2022)
    missing = sum(len(s.missing) for s in statuses)
    assert 0 < missing < sum(len(s.expected) for s in statuses) // 5  # a year of checks, with some gaps
    assert MonthlyCheck.objects.filter(month__year=2022).count() == sum(len(s.done) for s in statuses)

    user = get_user_model().objects.get(username=DEMO_ACCOUNT)
    assert user.check_password("partydev-demo")
    client.force_login(user)
    assert client.get("/followup/").status_code == 200
    page = client.get(demo_check_url())
    assert page.status_code == 200 and "Đảng bộ phường" in page.content.decode()
