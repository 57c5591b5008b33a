import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from organizations.models import Kind, Organization, ResidentialArea
from organizations.services import organization_create, organization_move

pytestmark = pytest.mark.django_db


def test_cell_has_no_children(tree):
    with pytest.raises(ValidationError, match="không có tổ chức trực thuộc"):
        organization_create(parent=tree.CXA, code="Z1", name="Chi bộ con", kind=Kind.CELL)
    assert not Organization.objects.filter(code="Z1").exists()


def test_grassroots_cell_has_no_children(tree):
    with pytest.raises(ValidationError, match="không có tổ chức trực thuộc"):
        organization_create(parent=tree.GXC, code="Z2", name="Chi bộ con", kind=Kind.CELL)
    assert not Organization.objects.filter(code="Z2").exists()


def test_partial_committee_only_under_grassroots_committee(tree):
    with pytest.raises(ValidationError, match="chỉ trực thuộc: đảng bộ cơ sở"):
        organization_create(parent=tree.X, code="Z3", name="Đảng bộ bộ phận", kind=Kind.PARTIAL_COMMITTEE)
    partial = organization_create(parent=tree.GX, code="Z4", name="Đảng bộ bộ phận 1", kind=Kind.PARTIAL_COMMITTEE)
    cell = organization_create(parent=partial, code="Z5", name="Chi bộ 1", kind=Kind.CELL)
    assert Organization.objects.get_parent(cell) == partial


def test_only_a_province_is_a_root(db):
    with pytest.raises(ValidationError, match="không thể là tổ chức gốc"):
        organization_create(parent=None, code="Z6", name="Huyện mồ côi", kind=Kind.DISTRICT)


def test_codes_are_unique(tree):
    with pytest.raises(ValidationError, match="Mã tổ chức này đã được dùng"):
        organization_create(parent=tree.X, code=tree.GX.code, name="Trùng mã", kind=Kind.GRASSROOTS_COMMITTEE)
    with pytest.raises(IntegrityError), transaction.atomic():
        Organization.objects.add_child(
            tree.X, instance=Organization(code=tree.GX.code, name="x", kind=Kind.GRASSROOTS_CELL)
        )


def test_valid_to_not_before_valid_from(tree):
    with pytest.raises(ValidationError, match="Ngày hết hiệu lực"):
        organization_create(
            parent=tree.X,
            code="Z7",
            name="Xã cũ",
            kind=Kind.GRASSROOTS_COMMITTEE,
            valid_from=datetime.date(2020, 1, 1),
            valid_to=datetime.date(2019, 12, 31),
        )
    assert not Organization.objects.filter(code="Z7").exists()


def test_move_keeps_rules_and_subtree(tree):
    with pytest.raises(ValidationError):
        organization_move(tree.GX, tree.CYA)
    moved = organization_move(tree.GX, tree.Y)
    assert Organization.objects.get_parent(moved).code == tree.Y.code
    assert {o.code for o in Organization.objects.subtree(tree.Y)} >= {tree.GX.code, tree.CXA.code, tree.CXB.code}


def test_residential_area_cell_must_belong_to_its_grassroots(tree):
    area = ResidentialArea(name="Xóm Bưng", kind=ResidentialArea.AreaKind.XOM, grassroots=tree.GX, cell=tree.CYA)
    with pytest.raises(ValidationError, match="Chi bộ phụ trách"):
        area.full_clean()
    area.cell = tree.CXA
    area.full_clean()


def test_search_ignores_diacritics(tree):
    assert list(Organization.objects.search("hoa binh").values_list("code", flat=True)) == [tree.P.code]
    assert set(Organization.objects.search("AN NGHIA").values_list("code", flat=True)) == {tree.GX.code}


def test_descendant_counts_stay_in_step_with_the_tree(tree):
    from organizations.services import compute_descendant_counts

    partial = organization_create(parent=tree.GX, code="Z8", name="Đảng bộ bộ phận 8", kind=Kind.PARTIAL_COMMITTEE)
    organization_create(parent=partial, code="Z9", name="Chi bộ 9", kind=Kind.CELL)
    organization_move(tree.GX, tree.Y)
    stored = dict(Organization.objects.values_list("path", "descendant_counts"))
    assert stored == compute_descendant_counts(Organization.objects.values_list("path", "kind"))
    assert Organization.objects.get(pk=tree.Y.pk).descendant_counts == {
        "cell": 4,
        "grassroots_committee": 2,
        "partial_committee": 1,
    }


def test_a_subtree_by_path_is_exactly_the_organisations_below_on_every_database(tree):
    # ``path__startswith`` is a range of the path's index on SQLite (organizations.models.
    # PathStartsWith): the same rows as a prefix, for a value and for a column of an outer query.
    from django.db import connection
    from django.db.models import F, Func, OuterRef, Subquery

    paths = list(Organization.objects.values_list("path", flat=True))
    for path in paths:
        inside = set(Organization.objects.filter(path__startswith=path).values_list("path", flat=True))
        assert inside == {p for p in paths if p.startswith(path)}
    count_below = (
        Organization.objects.filter(path__startswith=OuterRef("path"))
        .order_by()
        .annotate(n=Func(F("id"), function="COUNT"))
        .values("n")
    )
    counted = dict(Organization.objects.annotate(n=Subquery(count_below)).values_list("path", "n"))
    assert counted == {path: sum(p.startswith(path) for p in paths) for path in paths}
    sql = str(Organization.objects.filter(path__startswith=tree.X.path).query)
    assert ("LIKE" not in sql) if connection.vendor == "sqlite" else ("LIKE" in sql)


def test_the_kind_of_an_organisation_reads_as_its_vietnamese_label():
    from organizations.models import Kind

    for value, label in Kind.choices:
        assert Organization(kind=value).get_kind_display() == label
    assert Organization(kind=Kind.CELL).get_kind_display() == "Chi bộ trực thuộc"
