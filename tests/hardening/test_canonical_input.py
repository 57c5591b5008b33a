"""Finding 8 of issue 15 (forms) and the date fields of finding 9.

8. Full-width ``０１７１９８…`` and Arabic-Indic digits passed the CCCD rule and created a second
   person with another's national ID; names were stored as typed (decomposed Vietnamese,
   zero-width and right-to-left characters), so searches missed them.
9. Birth dates 31/12/9999 and 01/01/0001 were accepted.
"""

import datetime
import unicodedata

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import Candidate
from members.models import Membership, Person
from tests.candidates.factories import add_form
from tests.members.factories import admission_form

pytestmark = pytest.mark.django_db


def _admit(client, tree, **changes):
    return client.post(reverse("members:new") + f"?org={tree.X.code}", admission_form(tree, **changes))


def test_full_width_digits_are_stored_as_ascii_and_are_the_same_number(login, users, tree):
    client = login(users.district_x)
    assert _admit(client, tree, national_id="０１７１９５００１１１１").status_code == 302
    assert Person.objects.get().national_id == "017195001111"
    # the same number again, typed in ASCII: the second person is refused
    answer = _admit(client, tree, full_name="Người Khác", national_id="017195001111")
    assert answer.status_code == 200 and Person.objects.count() == 1


@pytest.mark.parametrize("number", ["٠١٧١٩٥٠٠١١١١", "۰۱۷۱۹۵۰۰۱۱۱۱", "०१७१९५००११११"])
def test_other_digits_are_refused(login, users, tree, number):
    client = login(users.district_x)
    answer = _admit(client, tree, national_id=number)
    assert answer.status_code == 200
    assert "Chỉ gồm chữ số" in answer.content.decode()
    assert not Person.objects.exists()
    answer = client.post(reverse("candidates:add"), add_form(tree, national_id=number[:12]))
    assert answer.status_code == 200 and not Candidate.objects.exists()


def test_names_are_stored_composed_without_invisible_characters(login, users, tree):
    client = login(users.district_x)
    typed = unicodedata.normalize("NFD", "Hà Thị\u200b Lan\u202e")
    assert _admit(client, tree, full_name=typed).status_code == 302
    assert Person.objects.get().full_name == "Hà Thị Lan"
    # and a search typed composed finds her
    page = client.get("/members/", {"org": tree.X.code, "q": "Hà Thị Lan"})
    assert "Hà Thị Lan" in page.content.decode()
    answer = client.post(reverse("candidates:add"), add_form(tree, full_name="Quách\u2066 Thị\ufeff Lan"))
    assert answer.status_code == 302
    assert Candidate.objects.get().person.full_name == "Quách Thị Lan"


def test_a_search_with_an_invisible_character_still_finds(login, users, tree):
    client = login(users.district_x)
    _admit(client, tree)
    page = client.get("/members/", {"org": tree.X.code, "q": "Hà\u200b Thị"})
    assert page.status_code == 200 and "Hà Thị Lan" in page.content.decode()


@pytest.mark.parametrize("born", ["31/12/9999", "01/01/0001", "31/12/1899"])
def test_birth_dates_out_of_range_are_refused(login, users, tree, born):
    client = login(users.district_x)
    answer = _admit(client, tree, date_of_birth=born)
    assert answer.status_code == 200 and not Membership.objects.exists()
    iso = datetime.datetime.strptime(born, "%d/%m/%Y").date().isoformat() if born != "01/01/0001" else "0001-01-01"
    answer = client.post(reverse("candidates:add"), add_form(tree, date_of_birth=iso))
    assert answer.status_code == 200 and not Candidate.objects.exists()


def test_a_birth_date_tomorrow_is_refused_and_a_far_decision_date_too(login, users, tree):
    client = login(users.district_x)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    answer = client.post(reverse("candidates:add"), add_form(tree, date_of_birth=tomorrow.isoformat()))
    assert "chưa tới" in answer.content.decode() and not Candidate.objects.exists()
    answer = _admit(client, tree, admission_decision_date="01/01/9999")
    assert answer.status_code == 200 and "quá xa" in answer.content.decode()
    assert not Membership.objects.exists()
