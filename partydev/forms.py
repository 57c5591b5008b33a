"""Form helpers shared by every app."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator

from .params import MAX_INT, validate_date
from .text import ascii_digits, canonical_text


def add_service_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form: each message beside its field where the
    form has that field, the others (and a plain message) above the form."""
    if hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, exc.messages)


# --- canonical, bounded input -------------------------------------------------------------

IDENTIFIER_FIELDS = frozenset({"national_id", "card_number"})
BIRTH_FIELDS = frozenset({"date_of_birth"})


def _digits_only(value: object) -> None:
    if value and ascii_digits(str(value)) is None:
        raise ValidationError("Chỉ gồm chữ số (0–9).", code="digits")


class CanonicalForm(forms.Form):
    """The base of every form of the apps: what a person typed, as it is stored and searched.

    - Text (names, free text, codes) is NFC with zero-width and bidirectional control characters
      removed (``partydev.text.canonical_text``): a name typed decomposed, or with an invisible
      character, is the same name as the one stored.
    - Identifiers (``IDENTIFIER_FIELDS``: CCCD, card number) are ASCII digits after NFKC folding
      (``ascii_digits``): full-width digits become ASCII, any other digit is refused.
    - Dates lie within 1900-01-01 … today + 5 years, birth dates no later than today
      (``partydev.params``); whole numbers within what the database holds.

    Applied when the form is cleaned, so fields a subclass adds in ``__init__`` are covered too.
    """

    def full_clean(self) -> None:
        if self.is_bound and not getattr(self, "_canonical", False):
            self._canonical = True
            self.data = self._canonical_data()
            for name, field in self.fields.items():
                self._bound_field(name, field)
        super().full_clean()

    def _canonical_data(self) -> Any:
        data: Any = self.data
        data = data.copy()
        for name, field in self.fields.items():
            if not isinstance(field, forms.CharField) or isinstance(field.widget, forms.PasswordInput):
                continue
            key = self.add_prefix(name)
            if key not in data:
                continue
            values = data.getlist(key) if hasattr(data, "getlist") else [data[key]]
            if name in IDENTIFIER_FIELDS:
                cleaned = [ascii_digits(v) if ascii_digits(v) is not None else v for v in values]
            else:
                cleaned = [canonical_text(v) if isinstance(v, str) else v for v in values]
            if hasattr(data, "setlist"):
                data.setlist(key, cleaned)
            else:
                data[key] = cleaned[0]
        return data

    @staticmethod
    def _bound_field(name: str, field: forms.Field) -> None:
        label = str(field.label or name)
        if isinstance(field, forms.DateField):
            birth = name in BIRTH_FIELDS

            def bounded(day: object, label: str = label, birth: bool = birth) -> None:
                validate_date(day, label, birth=birth)

            field.validators.append(bounded)
        elif isinstance(field, forms.IntegerField):
            field.validators += [
                MaxValueValidator(MAX_INT, f"{label}: số quá lớn."),
                MinValueValidator(-MAX_INT, f"{label}: số quá nhỏ."),
            ]
        elif isinstance(field, forms.CharField) and name in IDENTIFIER_FIELDS:
            field.validators.append(_digits_only)


def once_field() -> forms.CharField:
    """The hidden one-time token of a creating form (``partydev.once``)."""
    return forms.CharField(widget=forms.HiddenInput, required=False)


def namesake_field() -> forms.BooleanField:
    """Shown only once the service found a namesake (``confirm_namesake``): "create anyway"."""
    return forms.BooleanField(label="Vẫn ghi: đây là một người khác cùng họ tên, ngày sinh", required=False)
