"""The year a dashboard opens on: the latest year, not after this one, with a quota in the
subtree — the same year whichever way it is looked for (a province's quotas by year, a smaller
subtree's by its organisations)."""

import datetime

import pytest

from members.quotas.models import Quota
from organizations.models import Organization
from reports import dashboards

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 4)


@pytest.mark.parametrize("large", [0, 10_000], ids=["by year", "by organisation"])
def test_the_latest_quota_not_after_this_year_in_the_subtree(tree, monkeypatch, large):
    monkeypatch.setattr(dashboards, "LARGE_SUBTREE", large)
    for org, year in [(tree.P, 2024), (tree.X, 2025), (tree.CXA, 2026), (tree.Y, 2023), (tree.CYA, 2027)]:
        Quota.objects.create(organization=org, year=year, target=3)
    org = {o.code: o for o in Organization.objects.all()}  # with their descendant counts
    assert dashboards.reporting_year(org[tree.P.code], today=TODAY) == 2026
    assert dashboards.reporting_year(org[tree.X.code], today=TODAY) == 2026
    assert dashboards.reporting_year(org[tree.GX.code], today=TODAY) == 2026
    assert dashboards.reporting_year(org[tree.Y.code], today=TODAY) == 2023  # 2027 is a plan ahead
    assert dashboards.reporting_year(org[tree.GXC.code], today=TODAY) == 2026  # none: this year
    assert dashboards.reporting_year(org[tree.Y.code], org[tree.X.code], today=TODAY) == 2026
