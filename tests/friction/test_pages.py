"""Issue 19, pages too big: the province's member list gives its total from the read model's
facts (no count over the register), a search pages without a count; long report tables are paged,
sortable and searchable with their total, their Excel export whole."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partydev.paginators import KnownCountPaginator, NoCountPaginator
from tests.members.factories import admit

pytestmark = pytest.mark.django_db


def test_the_province_list_gives_its_total_from_the_facts(login, tree, users):
    for i in range(30):
        admit(tree.CXA if i % 2 else tree.CYA, datetime.date(2022, 1, 3), full_name=f"Đinh Văn Số {i}")
    client = login(users.province)
    with CaptureQueriesContext(connection) as queries:
        html = client.get("/members/", {"org": tree.P.code}).content.decode()
    assert "30 đảng viên" in html and "Trang 1 / 2" in html
    register_counts = [
        q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper() and "members_membership" in q["sql"]
    ]
    assert register_counts == []
    # A search over the province: pages without a count.
    html = client.get("/members/", {"org": tree.P.code, "q": "dinh van so"}).content.decode()
    assert "Đảng viên 1–25" in html and "Sau ›" in html


def test_the_paginators_keep_djangos_interface():
    page = KnownCountPaginator(list(range(60)), 25, count=60).get_page(3)
    assert (page.paginator.num_pages, page.start_index(), page.end_index(), page.has_next()) == (3, 51, 60, False)
    no_count = NoCountPaginator(list(range(60)), 25)
    first, last = no_count.get_page(1), no_count.get_page(3)
    assert first.has_next() and first.next_page_number() == 2 and not first.has_previous()
    assert (last.start_index(), last.end_index(), last.has_next()) == (51, 60, False)
    assert no_count.get_page("x").number == 1
