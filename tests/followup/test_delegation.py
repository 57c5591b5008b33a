"""Finding 6 of issue 15: follow-up delegation took data out of the district.

District staff could make any account a committee member (a free-text username, never checked
against the committee's area) and assign it organisations; an account of another district then
read the names of admissions, candidates and overdue items there. "Không có tài khoản X" told
which usernames exist. Now the account is picked from those working in the committee's area,
and the service refuses any other (for members made before, assignments are refused too).
"""

import datetime
import re

import pytest
from django.core.exceptions import ValidationError

from followup.models import Assignment, CommitteeMember
from followup.services import assignment_create, committee_member_create
from organizations.models import Role
from tests.fixtures import make_user

pytestmark = pytest.mark.django_db
D = datetime.date


def _fields(username):
    return {"m-username": username, "m-full_name": "Người Ngoài", "m-committee": "T.X", "m-position": "Ủy viên"}


def test_the_picker_offers_the_accounts_of_the_area_only(tree, users, login):
    inside = make_user("cb_ben_trong", Role.Kind.GRASSROOTS_STAFF, tree.GX)
    page = login(users.district_x).get("/followup/assignments/").content.decode()
    assert f'value="{inside.username}"' in page
    assert f'value="{users.district_y.username}"' not in page and f'value="{users.secretary_b.username}"' not in page


def test_an_account_of_another_district_is_refused_like_one_that_does_not_exist(tree, users, login):
    client = login(users.district_x)
    outside = client.post("/followup/assignments/", _fields(users.district_y.username))
    missing = client.post("/followup/assignments/", _fields("khong_co_ai"))
    assert outside.status_code == missing.status_code == 200
    assert not CommitteeMember.objects.exists()
    # One message for both: nothing tells which usernames exist.
    text_outside, text_missing = (
        re.sub(r'value="[A-Za-z0-9]{64}"', "", r.content.decode()) for r in (outside, missing)
    )
    assert "Hãy chọn một tài khoản trong danh sách." in text_outside
    assert text_outside.replace(users.district_y.username, "") == text_missing.replace("khong_co_ai", "")
    assert "Không có tài khoản" not in text_outside + text_missing


def test_the_service_refuses_an_account_outside_the_committees_area(tree, users):
    with pytest.raises(ValidationError) as e:
        committee_member_create(actor=users.province, user=users.district_y, committee=tree.X, full_name="Ngoài")
    assert "vai trò thuộc" in str(e.value)
    no_role = make_user("khong_vai_tro")
    with pytest.raises(ValidationError):
        committee_member_create(actor=users.district_x, user=no_role, committee=tree.X, full_name="Không")
    inside = make_user("cb_x", Role.Kind.CELL_SECRETARY, tree.CXA)
    assert committee_member_create(actor=users.district_x, user=inside, committee=tree.X, full_name="Trong")


def test_an_old_member_from_outside_the_area_gets_no_assignment(tree, users):
    stray = CommitteeMember.objects.create(user=users.district_y, committee=tree.X, full_name="Ghi từ trước")
    with pytest.raises(ValidationError) as e:
        assignment_create(actor=users.district_x, committee_member=stray, organization=tree.GX, start=D(2024, 1, 1))
    assert "không có vai trò thuộc" in str(e.value)
    assert not Assignment.objects.exists()
    # an account of the area is assigned as before
    member = CommitteeMember.objects.create(user=users.grassroots, committee=tree.X, full_name="Trong vùng")
    assert assignment_create(actor=users.district_x, committee_member=member, organization=tree.GX, start=D(2024, 1, 1))
