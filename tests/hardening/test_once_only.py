"""Finding 7 of issue 15: double submission created twins.

Two parallel POSTs of ``/members/new/`` without a CCCD (and a later repeat) created three
identical members, counted in the admissions; ``/candidates/add/`` likewise. Now the creating
forms carry a one-time token (a second POST of it answers with the record the first created),
and a second person of the same name and birth date in the same grassroots organisation is
created only once the user confirms.
"""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from candidates.models import Candidate
from members.models import Membership, Person
from partydev.once import OnceToken, new_token
from tests.candidates.factories import add_form
from tests.concurrency import run_together
from tests.members.factories import admission_form, admit


def _admission(tree, **changes):
    return admission_form(tree, national_id="", **changes)  # no CCCD: nothing else tells the twins apart


def _new_member_url(tree):
    return reverse("members:new") + f"?org={tree.X.code}"


@pytest.mark.django_db
def test_the_form_carries_a_token_and_a_second_post_of_it_answers_with_the_first_record(login, users, tree):
    client = login(users.district_x)
    page = client.get(_new_member_url(tree))
    token = page.context["form"].initial["once"]
    assert f'name="once" value="{token}"' in page.content.decode()
    first = client.post(_new_member_url(tree), _admission(tree, once=token))
    second = client.post(_new_member_url(tree), _admission(tree, once=token), follow=True)
    m = Membership.objects.get()
    assert first.status_code == 302 and first["Location"] == reverse("members:detail", args=[m.pk])
    assert second.redirect_chain[-1][0] == first["Location"]
    assert "đã được ghi ở lần gửi trước" in second.content.decode()
    assert Person.objects.count() == 1


@pytest.mark.django_db
def test_a_refused_post_leaves_the_token_usable(login, users, tree):
    client = login(users.district_x)
    token = new_token()
    refused = client.post(_new_member_url(tree), _admission(tree, once=token, date_of_birth="02/02/2010"))
    assert refused.status_code == 200 and not OnceToken.objects.exists()
    assert client.post(_new_member_url(tree), _admission(tree, once=token)).status_code == 302
    assert Membership.objects.count() == 1


@pytest.mark.django_db
def test_a_token_is_the_users_own(login, users, tree):
    token = new_token()
    assert login(users.district_x).post(_new_member_url(tree), _admission(tree, once=token)).status_code == 302
    other = Client()
    other.force_login(users.province)
    answer = other.post(_new_member_url(tree), _admission(tree, once=token, full_name="Người Khác"))
    assert answer.status_code == 200 and Membership.objects.count() == 1


@pytest.mark.django_db
def test_a_namesake_in_the_same_grassroots_organisation_asks_for_confirmation(login, users, tree):
    client = login(users.district_x)
    assert client.post(_new_member_url(tree), _admission(tree)).status_code == 302
    # A later repeat (a new form, so a new token): the user is asked first.
    again = client.post(_new_member_url(tree), _admission(tree, once=new_token(), cell_code=tree.CXB.code))
    assert again.status_code == 200
    text = again.content.decode()
    assert "đã có một người tên Hà Thị Lan, sinh ngày 02/02/1995" in text and 'name="confirm_namesake"' in text
    assert Membership.objects.count() == 1
    # Confirmed: a second person of that name.
    confirmed = client.post(
        _new_member_url(tree), _admission(tree, once=new_token(), cell_code=tree.CXB.code, confirm_namesake="on")
    )
    assert confirmed.status_code == 302 and Membership.objects.count() == 2
    # In another grassroots organisation (Y is outside district X: the province admits there) no question.
    elsewhere = login(users.province).post(
        reverse("members:new") + f"?org={tree.P.code}", _admission(tree, cell_code=tree.CYA.code)
    )
    assert elsewhere.status_code == 302 and Membership.objects.count() == 3


@pytest.mark.django_db
def test_a_candidate_namesake_of_a_member_or_candidate_asks_too(login, users, tree):
    admit(tree.CXB, full_name="Quách Thị Lan", date_of_birth=timezone.datetime(2001, 2, 3).date())
    client = login(users.secretary_a)
    answer = client.post(reverse("candidates:add"), add_form(tree))
    assert answer.status_code == 200 and "đã có một người tên Quách Thị Lan" in answer.content.decode()
    assert not Candidate.objects.exists()
    assert client.post(reverse("candidates:add"), add_form(tree, confirm_namesake="on")).status_code == 302
    token = new_token()
    twin = add_form(tree, full_name="Lò Văn Sáng", once=token)
    first, second = client.post(reverse("candidates:add"), twin), client.post(reverse("candidates:add"), twin)
    assert first.status_code == second.status_code == 302 and first["Location"] == second["Location"]
    assert Candidate.objects.filter(person__full_name="Lò Văn Sáng").count() == 1


def _poster(user, url, data):
    client = Client()
    client.force_login(user)  # before the threads: a login writes the session

    def post():
        try:
            post.response = client.post(url, data)
        except Exception as e:  # noqa: BLE001
            post.response = e
            raise

    return post


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("with_token", [True, False])
def test_two_simultaneous_posts_make_one_member(tree, users, with_token):
    data = _admission(tree, **({"once": new_token()} if with_token else {}))
    calls = [_poster(users.district_x, _new_member_url(tree), data) for _ in range(2)]
    run_together(*calls)
    assert Membership.objects.count() == 1
    statuses = sorted(getattr(c.response, "status_code", repr(c.response)) for c in calls)
    # the other one: sent to the same record (token), asked to confirm (no token), or told the
    # database was busy (SQLite in memory refuses a second writer at once) — never a twin
    assert statuses[0] in (200, 302, 503) and 302 in statuses, statuses
