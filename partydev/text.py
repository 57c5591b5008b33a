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


# Zero-width characters and the bidirectional controls: invisible, so a name holding one looks
# like another and is missed by every search.
_INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200d\u2060\ufeff\u00ad\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069",
    ),
    None,
)


def canonical_text(text: str | None) -> str:
    """A name or a free text as stored: NFC (a decomposed "Hòa" becomes the composed one),
    with zero-width and bidirectional control characters removed, single spaces, trimmed.
    Line breaks inside a longer text are kept."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text.translate(_INVISIBLE))
    return "\n".join(" ".join(line.split()) for line in text.strip().splitlines()).strip()


def ascii_digits(text: str | None) -> str | None:
    """An identifier (CCCD, card number) as ASCII digits, or None when it holds anything else.

    NFKC folds full-width digits (０１７) to ASCII; spaces, dots and dashes typed between groups
    are dropped. Any other digit (Arabic-Indic, Devanagari, …) is refused: ``str.isdigit`` and
    ``\\d`` accept them, and they would make a second person with another's number."""
    if text is None:
        return None
    folded = unicodedata.normalize("NFKC", text.translate(_INVISIBLE))
    folded = "".join(ch for ch in folded if ch not in " .-")
    if not folded.isascii() or not folded.isdigit():
        return None
    return folded
