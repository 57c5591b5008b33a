"""Issue 15, finding 8 (the model's side): a national ID is twelve ASCII digits, whatever path
the person comes in by. ``\\d`` also matches Arabic-Indic, Devanagari and full-width digits, and
``$`` a trailing newline: each would let a second person carry another's number."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from members.models import Person, national_id_validator

from .factories import official

pytestmark = pytest.mark.django_db


def person(national_id):
    return Person(
        full_name="Hà Thị Số",
        sex="female",
        date_of_birth=datetime.date(1990, 1, 2),
        general_education="upper_secondary",
        national_id=national_id,
    )


@pytest.mark.parametrize(
    "national_id",
    [
        "٠١٧١٩٠٠٠٠٠٠١",  # Arabic-Indic
        "۰۱۷۱۹۰۰۰۰۰۰۱",  # Extended Arabic-Indic (Persian)
        "०१७१९००००००१",  # Devanagari
        "０１７１９０００００１",  # full-width: folded by the input paths, never stored as such
        "017190000001\n",  # a trailing newline
        "01719000000１",
    ],
)
def test_non_ascii_digits_are_refused_by_the_model(national_id):
    with pytest.raises(ValidationError) as exc:
        national_id_validator(national_id)
    assert "12 chữ số" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        person(national_id).full_clean()
    assert "national_id" in exc.value.message_dict


def test_ascii_digits_pass(tree):
    national_id_validator("017190000001")
    person("017190000001").full_clean()


def test_a_look_alike_of_an_existing_number_cannot_make_a_second_person(tree):
    official(tree.CXA, national_id="017190000001")
    with pytest.raises(ValidationError):
        person("٠١٧١٩٠٠٠٠٠٠١").full_clean()
    assert Person.objects.count() == 1
