import unicodedata

import pytest

from partydev.text import ascii_digits, canonical_text, fold


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("017198000123", "017198000123"),
        ("０１７１９８０００１２３", "017198000123"),  # full-width digits, as a phone keyboard may give
        ("017 198 000 123", "017198000123"),
        ("017.198.000.123", "017198000123"),
        ("017198\u200b000123", "017198000123"),  # a zero-width space pasted in
    ],
)
def test_identifiers_fold_to_ascii_digits(typed, stored):
    assert ascii_digits(typed) == stored


@pytest.mark.parametrize("typed", ["٠١٧١٩٨٠٠٠١٢٣", "०१७१९८०००१२३", "01719800012a", ""])
def test_identifiers_with_other_digits_or_letters_are_refused(typed):
    assert ascii_digits(typed) is None


def test_names_are_composed_and_lose_invisible_characters():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Hòa")
    assert decomposed != "Nguyễn Thị Hòa"
    assert canonical_text(decomposed) == "Nguyễn Thị Hòa"
    assert canonical_text("Nguyễn\u200b Thị\u202e Hòa ") == "Nguyễn Thị Hòa"
    assert canonical_text("  Lò   Văn\u00a0Páo ") == "Lò Văn Páo"
    assert fold(canonical_text(decomposed)) == fold("Nguyễn Thị Hòa") == "nguyen thi hoa"


def test_free_text_keeps_its_lines():
    assert canonical_text("dòng một \n\n  dòng\u200d hai") == "dòng một\n\ndòng hai"
