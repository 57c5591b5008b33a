"""Text helpers shared by every app."""

import unicodedata


def fold(text: str | None) -> str:
    """A search form of a Vietnamese text: lower case, no diacritics, single spaces.

    "Hòa Bình" and "hoa  binh" both give "hoa binh". Đ/đ is a letter of its own, not a
    letter with a mark, so NFD leaves it alone: it is mapped by hand.
    """
    if not text:
        return ""
    text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().split())
