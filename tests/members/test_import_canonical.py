"""Issue 15, finding 8 (the import's side): identifiers are ASCII digits after NFKC folding, names
and free text are NFC with zero-width and bidirectional controls removed, as the forms store them."""

import datetime
import unicodedata

import pytest

from members.imports import MemberImporter
from members.models import Membership, Person
from partydev.uploads import upload_commit

from .factories import official
from .test_import import row, run, state, workbook

pytestmark = pytest.mark.django_db


def test_names_are_stored_composed_without_invisible_characters(tree, users):
    decomposed = unicodedata.normalize("NFD", "Hoàng Thị Hòa")
    name = f"\u202e{decomposed}\u200b\u2066"
    origin = unicodedata.normalize("NFD", "xã Ân\u200d Nghĩa")
    upload, result = run(
        users.district_x,
        tree.X,
        workbook([row(1, **{"Họ và tên": name, "Quê quán": origin, "Số thẻ đảng viên": "１７００１２３４"})]),
    )
    assert result.errors == []
    upload_commit(upload, MemberImporter, user=users.district_x)
    person = Person.objects.get()
    assert person.full_name == "Hoàng Thị Hòa"
    assert person.place_of_origin == "xã Ân Nghĩa"
    assert person.name_search == "hoang thi hoa"
    assert Membership.objects.get().card_number == "17001234"


def test_full_width_digits_are_folded_to_the_same_number(tree, users):
    official(
        tree.CXA, national_id="017085000001", full_name="Quách Văn Tùng 1", date_of_birth=datetime.date(1985, 3, 15)
    )
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in "017085000001")
    _, result = run(users.district_x, tree.X, workbook([row(1, **{"Số CCCD": full_width})]))
    # The same person as the ASCII number: found, not created a second time.
    assert result.errors == [] and result.counts["create"] == 0
    assert Person.objects.count() == 1


@pytest.mark.parametrize("national_id", ["٠١٧٠٨٥٠٠٠٠٠١", "०१७०८५०००००१", "01708500000\u0661", "0170\u200b85000001x"])
def test_other_digits_are_refused_with_the_row_named(tree, users, national_id):
    official(tree.CXA, national_id="017085000001")
    before = state()
    upload, result = run(users.district_x, tree.X, workbook([row(1, **{"Số CCCD": national_id})]))
    assert [(e["row"], e["column"]) for e in result.errors] == [(4, "Số CCCD")]
    assert "12 chữ số" in result.errors[0]["message"]
    assert state() == before
