"""The restructuring form of ``/orgs/<code>/restructure/``: one operation, its decision, its date.

The form only reads input; what it means (and every refusal) is ``organizations.restructure``.
"""

from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.forms import BoundField

from partydev.text import canonical_text

from .models import CELL_KINDS, Kind, Organization

DATE_WIDGET = forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"})
CODE_WIDGET = forms.TextInput(attrs={"placeholder": "vd. PT.001", "autocomplete": "off"})

OPERATIONS = [
    ("rename", "Đổi tên"),
    ("move", "Chuyển trực thuộc tổ chức khác"),
    ("absorb", "Sáp nhập vào một tổ chức khác"),
    ("merge", "Hợp nhất với tổ chức khác thành tổ chức mới"),
    ("split", "Chia tách thành hai tổ chức mới"),
    ("change_kind", "Đổi loại hình, cấp (giữ nguyên mã, số liệu)"),
    ("create", "Thành lập tổ chức trực thuộc"),
    ("dissolve", "Giải thể"),
]


class RestructureForm(forms.Form):
    operation = forms.ChoiceField(label="Thao tác", choices=OPERATIONS)
    decision_number = forms.CharField(label="Số quyết định", max_length=64)
    decision_date = forms.DateField(label="Ngày quyết định", widget=DATE_WIDGET)
    issuer_code = forms.CharField(
        label="Cấp ủy ban hành (mã)", max_length=32, required=False, widget=CODE_WIDGET,
        help_text="Để trống nếu cơ quan ban hành ở ngoài hệ thống (ghi tên ở ô sau).",
    )  # fmt: skip
    issuer_name = forms.CharField(label="Cơ quan ban hành ngoài hệ thống", max_length=255, required=False)
    effective_date = forms.DateField(label="Ngày có hiệu lực", widget=DATE_WIDGET)
    target_code = forms.CharField(
        label="Tổ chức liên quan (mã)", max_length=32, required=False, widget=CODE_WIDGET,
        help_text="Chuyển đến / sáp nhập vào / cấp trên của tổ chức mới.",
    )  # fmt: skip
    others = forms.CharField(
        label="Các tổ chức cùng hợp nhất (mã, cách nhau bởi dấu phẩy)", max_length=1000, required=False
    )
    name = forms.CharField(label="Tên (mới)", max_length=255, required=False)
    code = forms.CharField(label="Mã (mới)", max_length=32, required=False)
    kind = forms.ChoiceField(label="Loại hình, cấp (mới)", choices=[("", "—"), *Kind.choices], required=False)
    can_decide_admission = forms.BooleanField(label="Có thẩm quyền quyết định kết nạp", required=False)
    cells_to_grassroots = forms.BooleanField(
        label="Các chi bộ trực thuộc trở thành chi bộ cơ sở (giữ nguyên mã)", required=False
    )
    second_name = forms.CharField(label="Tên của tổ chức thứ hai (chia tách)", max_length=255, required=False)
    second_code = forms.CharField(label="Mã của tổ chức thứ hai (chia tách)", max_length=32, required=False)

    def __init__(self, *args: Any, org: Organization, parts: list[tuple[str, int, str]], **kwargs: Any) -> None:
        """``parts``: what a split must send somewhere — (item, id, label) for each child, member
        and candidate of ``org`` — each given a choice between the two new organisations."""
        super().__init__(*args, **kwargs)
        self.org = org
        self.parts = parts
        for item, pk, label in parts:
            self.fields[f"part-{item}-{pk}"] = forms.ChoiceField(
                label=label,
                choices=[("0", "Tổ chức mới thứ nhất"), ("1", "Tổ chức mới thứ hai")],
                initial="0",
                required=False,  # read only for a split
            )

    def clean_issuer_code(self) -> Organization | None:
        code = canonical_text(self.cleaned_data["issuer_code"]).strip()
        if not code:
            return None
        issuer = Organization.objects.filter(code=code).first()
        if issuer is None:
            raise ValidationError(f"Không có tổ chức đảng mã «{code}».")
        return issuer

    def clean(self) -> dict[str, Any]:
        cleaned = cast(dict[str, Any], super().clean())  # Form.clean returns cleaned_data
        for key in ("name", "code", "second_name", "second_code", "others", "target_code", "issuer_name"):
            if key in cleaned:
                cleaned[key] = canonical_text(cleaned[key]).strip()
        if not cleaned.get("issuer_code") and not cleaned.get("issuer_name"):
            self.add_error("issuer_name", "Cần ghi cấp ủy ban hành (mã) hoặc tên cơ quan ban hành.")
        return cleaned

    def split_targets(self) -> dict[str, dict[int, int]]:
        out: dict[str, dict[int, int]] = {"children": {}, "members": {}, "candidates": {}}
        for item, pk, _label in self.parts:
            out[item][pk] = int(self.cleaned_data.get(f"part-{item}-{pk}") or 0)
        return out

    def part_fields(self) -> list[BoundField]:
        return [self[f"part-{item}-{pk}"] for item, pk, _ in self.parts]

    @property
    def is_cell(self) -> bool:
        return self.org.kind in CELL_KINDS
