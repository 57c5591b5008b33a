"""Quota reads: own quota, children's sum, under-allocation, in a fixed number of queries."""

import pytest
import tablib
from django.core.exceptions import PermissionDenied

from members.quotas.admin import QuotaResource
from members.quotas.models import Quota, QuotaChange
from members.quotas.selectors import children_quota_sums, quota_rows, under_allocated
from members.quotas.services import can_set_quota, quota_set, settable_organizations

pytestmark = pytest.mark.django_db


@pytest.fixture
def quotas(tree):
    for org, target in [
        (tree.P, 20),
        (tree.X, 12),
        (tree.Y, 6),
        (tree.GX, 8),
        (tree.GXC, 2),
        (tree.CXA, 5),
        (tree.CXB, 4),
        (tree.GY, 7),
    ]:
        Quota.objects.create(organization=org, year=2024, target=target)
    Quota.objects.create(organization=tree.GX, year=2023, target=99)  # another year: ignored


def test_children_sums_in_one_query_per_depth(tree, quotas, django_assert_num_queries):
    with django_assert_num_queries(4):  # nodes at 4 depths
        sums = children_quota_sums([tree.P, tree.X, tree.Y, tree.GX, tree.CXA], 2024)
    assert sums == {tree.P.path: 18, tree.X.path: 10, tree.Y.path: 7, tree.GX.path: 9, tree.CXA.path: None}


def test_under_allocated_flags_children_adding_up_to_less(tree, quotas, django_assert_num_queries):
    with django_assert_num_queries(2):
        flagged = under_allocated(tree.P, 2024)
    assert sorted((o.code, target, total) for o, target, total in flagged) == [
        ("T", 20, 18),
        ("T.X", 12, 10),
        ("T.Y.1", 7, 0),
    ]
    assert [o.code for o, _, _ in under_allocated(tree.Y, 2024)] == ["T.Y.1"]  # T.Y: 7 ≥ 6; T.Y.1: no cell quota


def test_quota_rows(tree, quotas, django_assert_num_queries):
    Quota.objects.create(organization=tree.X, year=2023, target=11)
    with django_assert_num_queries(4):
        rows = quota_rows([tree.X, tree.Y], 2024)
    x, y = rows
    assert (x.target, x.children_sum, x.previous.target, x.admitted, x.under_allocated) == (12, 10, 11, 0, True)
    assert (y.target, y.children_sum, y.previous, y.under_allocated) == (6, 7, None, False)


def test_who_may_set_what(tree, users):
    assert can_set_quota(users.district_x, tree.GX) and can_set_quota(users.district_x, tree.CXA)
    assert not can_set_quota(users.district_x, tree.X) and not can_set_quota(users.district_x, tree.GY)
    assert can_set_quota(users.province, tree.P) and can_set_quota(users.province, tree.X)
    assert can_set_quota(users.grassroots, tree.CXA) and not can_set_quota(users.grassroots, tree.GX)
    assert not can_set_quota(users.secretary_a, tree.CXA)
    assert set(settable_organizations(users.district_x).values_list("code", flat=True)) == {
        "T.X.1",
        "T.X.2",
        "T.X.1.A",
        "T.X.1.B",
    }


def test_quota_set_records_the_history_and_refuses_bad_numbers(tree, users):
    from django.core.exceptions import ValidationError

    quota_set(organization=tree.GX, year=2024, target=5, user=users.district_x)
    quota_set(organization=tree.GX, year=2024, target=5, user=users.district_x)  # unchanged: no history row
    quota_set(organization=tree.GX, year=2024, target=7, minimum=6, user=users.district_x)
    changes = list(QuotaChange.objects.order_by("id").values_list("old_target", "new_target", "new_minimum"))
    assert changes == [(None, 5, None), (5, 7, 6)]
    with pytest.raises(ValidationError):
        quota_set(organization=tree.GX, year=2024, target=3, minimum=4, user=users.district_x)
    with pytest.raises(PermissionDenied):
        quota_set(organization=tree.GY, year=2024, target=3, user=users.district_x)
    assert Quota.objects.get(organization=tree.GX).target == 7


def test_admin_import_export_by_organisation_code(tree):
    dataset = tablib.Dataset(headers=["Mã tổ chức", "Năm", "Chỉ tiêu", "Tối thiểu", "Ghi chú"])
    dataset.append(["T.X.1", 2024, 5, 3, ""])
    dataset.append(["T.X.2", 2024, 2, "", "mới"])
    result = QuotaResource().import_data(dataset, dry_run=True)
    errors = [e.error for _, row in result.row_errors() for e in row] + [e.error for e in result.base_errors]
    assert not result.has_errors() and not result.has_validation_errors(), errors
    assert not Quota.objects.exists()
    result = QuotaResource().import_data(dataset, dry_run=False)
    assert not result.has_errors() and Quota.objects.count() == 2
    bad = tablib.Dataset(headers=dataset.headers)
    bad.append(["T.X.1", 2024, 3, 5, ""])
    result = QuotaResource().import_data(bad, dry_run=False, raise_errors=False)
    assert result.has_validation_errors() or result.has_errors()
    assert Quota.objects.get(organization=tree.GX).target == 5
    exported = QuotaResource().export()
    assert exported.headers[:3] == ["Mã tổ chức", "Năm", "Chỉ tiêu"]
    assert sorted(row[0] for row in exported) == ["T.X.1", "T.X.2"]
