"""Forms of the register: they read input; the rules are in ``services``."""

from collections.abc import Iterable
from typing import Any

from django import forms

from partydev.forms import CanonicalForm, namesake_field, once_field

from .models import (
    ETHNICITIES,
    PERSON_FIELDS,
    EventKind,
    GeneralEducation,
    PoliticalTheory,
    ProfessionalQualification,
    Religion,
    Sector,
    Sex,
    Status,
)
from .selectors import AGE_BANDS

DATE_WIDGET = forms.DateInput(attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric", "autocomplete": "off"})


def _blank(choices: Iterable[tuple[str, str]], label: str = "Tất cả") -> list[tuple[str, str]]:
    return [("", label), *choices]


class MemberFilterForm(CanonicalForm):
    q = forms.CharField(
        label="Tìm",
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "placeholder": "Họ tên (có dấu hoặc không dấu), số CCCD, số thẻ",
                "aria-label": "Tìm đảng viên",
            }
        ),
    )
    status = forms.ChoiceField(
        label="Tình trạng",
        required=False,
        choices=[
            ("active", "Đang sinh hoạt"),
            ("official", "Chính thức"),
            ("probationary", "Dự bị"),
            ("exempted", "Miễn công tác và sinh hoạt"),
            ("gone", "Đã ra khỏi danh sách"),
            ("all", "Tất cả"),
        ],
    )
    cell = forms.CharField(
        label="Mã chi bộ", required=False, widget=forms.TextInput(attrs={"placeholder": "vd. HB.TP.001.01"})
    )
    sex = forms.ChoiceField(label="Giới tính", required=False, choices=_blank(Sex.choices))
    ethnicity = forms.ChoiceField(label="Dân tộc", required=False, choices=_blank(ETHNICITIES))
    education = forms.ChoiceField(label="Giáo dục phổ thông", required=False, choices=_blank(GeneralEducation.choices))
    qualification = forms.ChoiceField(
        label="Chuyên môn", required=False, choices=_blank(ProfessionalQualification.choices)
    )
    age = forms.ChoiceField(
        label="Độ tuổi", required=False, choices=_blank([(k, k.replace("71+", "trên 70")) for k in AGE_BANDS])
    )
    sector = forms.ChoiceField(label="Nghề nghiệp, thành phần", required=False, choices=_blank(Sector.choices))


class PersonForm(CanonicalForm):
    full_name = forms.CharField(label="Họ và tên", max_length=255)
    sex = forms.ChoiceField(label="Giới tính", choices=Sex.choices)
    date_of_birth = forms.DateField(label="Ngày sinh", widget=DATE_WIDGET)
    ethnicity = forms.ChoiceField(label="Dân tộc", choices=ETHNICITIES, initial="kinh")
    religion = forms.ChoiceField(label="Tôn giáo", choices=Religion.choices, initial=Religion.NONE)
    national_id = forms.CharField(label="Số CCCD", max_length=32, required=False)
    place_of_origin = forms.CharField(label="Quê quán", max_length=255, required=False)
    general_education = forms.ChoiceField(
        label="Giáo dục phổ thông", choices=GeneralEducation.choices, initial=GeneralEducation.UPPER_SECONDARY
    )
    professional_qualification = forms.ChoiceField(
        label="Chuyên môn, nghiệp vụ", choices=ProfessionalQualification.choices
    )
    political_theory = forms.ChoiceField(label="Lý luận chính trị", choices=PoliticalTheory.choices)
    sector = forms.ChoiceField(label="Nghề nghiệp, thành phần", choices=Sector.choices)
    youth_union = forms.BooleanField(label="Đoàn viên", required=False)

    def person_fields(self) -> dict[str, Any]:
        data = {k: self.cleaned_data[k] for k in PERSON_FIELDS}
        data["national_id"] = data["national_id"].replace(" ", "") or None
        return data


class PersonEditForm(PersonForm):
    """Correct a person's own fields; ``version`` is ``services.person_version`` when drawn."""

    version = forms.CharField(widget=forms.HiddenInput, required=False)


class AdmissionForm(PersonForm):
    cell_code = forms.CharField(label="Mã chi bộ", max_length=32)
    admission_decision_number = forms.CharField(label="Số quyết định kết nạp", max_length=64, required=False)
    admission_decision_date = forms.DateField(label="Ngày quyết định kết nạp", widget=DATE_WIDGET)
    ceremony_date = forms.DateField(label="Ngày lễ kết nạp", widget=DATE_WIDGET, required=False)
    confirm_namesake = namesake_field()
    once = once_field()


class TransferInForm(PersonForm):
    """A member whose party activities come from an organisation outside the system."""

    cell_code = forms.CharField(label="Mã chi bộ nơi đến", max_length=32)
    other_organization_name = forms.CharField(label="Tổ chức đảng nơi chuyển đi", max_length=255)
    effective_date = forms.DateField(label="Ngày quyết định chuyển sinh hoạt", widget=DATE_WIDGET)
    decision_number = forms.CharField(label="Số quyết định chuyển sinh hoạt", max_length=64, required=False)
    admission_decision_date = forms.DateField(label="Ngày quyết định kết nạp (ghi trong hồ sơ)", widget=DATE_WIDGET)
    official = forms.BooleanField(label="Đã là đảng viên chính thức", required=False)
    official_from = forms.DateField(label="Chính thức từ ngày", widget=DATE_WIDGET, required=False)
    card_number = forms.CharField(label="Số thẻ đảng viên", max_length=32, required=False)
    once = once_field()


class EventForm(CanonicalForm):
    """The fields a decision may need; ``for_kind`` keeps those its kind uses."""

    effective_date = forms.DateField(label="Ngày quyết định", widget=DATE_WIDGET)
    decision_number = forms.CharField(label="Số quyết định", max_length=64, required=False)
    official_from = forms.DateField(
        label="Chính thức từ ngày (để trống: 12 tháng sau lễ kết nạp)", widget=DATE_WIDGET, required=False
    )
    card_number = forms.CharField(label="Số thẻ đảng viên", max_length=32, required=False)
    other_organization_code = forms.CharField(
        label="Chuyển đến tổ chức (mã trong hệ thống)", max_length=32, required=False
    )
    other_organization_name = forms.CharField(label="hoặc tên tổ chức ngoài hệ thống", max_length=255, required=False)
    temporary = forms.BooleanField(label="Chuyển sinh hoạt tạm thời", required=False)
    cell_code = forms.CharField(label="Mã chi bộ nơi đến", max_length=32, required=False)
    reason = forms.CharField(label="Lý do", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    FIELDS_BY_KIND: dict[str, list[str]] = {
        EventKind.RECOGNISED: ["official_from", "card_number"],
        EventKind.TRANSFERRED_OUT: ["other_organization_code", "other_organization_name", "temporary", "reason"],
        EventKind.TRANSFERRED_IN: ["cell_code", "other_organization_name"],
        EventKind.READMITTED: ["cell_code"],
    }
    COMMON = ["effective_date", "decision_number", "version"]

    def __init__(self, *args: Any, kind: str, proposal_mode: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        keep = set(self.COMMON) | set(self.FIELDS_BY_KIND.get(kind, ["reason"]))
        if kind == EventKind.TRANSFERRED_IN:
            self.fields["other_organization_name"].label = "Tổ chức đảng nơi chuyển đi"
        if proposal_mode:
            keep -= {"decision_number", "official_from", "card_number", "cell_code"}
            self.fields["effective_date"].label = "Ngày chi bộ đề nghị"
        for name in list(self.fields):
            if name not in keep:
                del self.fields[name]


STATUS_LABELS = dict(Status.choices)
