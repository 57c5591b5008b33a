"""Forms of the pipeline screens: input shape only. Rules live in ``candidates.rules`` and the
checks of bad input in ``candidates.services``."""

from collections.abc import Mapping
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Field, QuerySet
from django.forms.renderers import BaseRenderer
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from members.models import ETHNICITIES, GeneralEducation, Membership, Person, Sex
from members.selectors import member_namesakes
from members.services import refuse_namesake
from organizations.models import Organization
from organizations.selectors import label_grassroots
from partydev.forms import CanonicalForm, namesake_field, once_field
from partydev.models import CalendarDay

from . import rules
from .models import OPEN_STAGES, VERIFICATION_RELATIONS, Candidate, SourceKind, Stage, VerificationOutcome
from .services import OPTIONAL_FIELDS, STEP_FIELDS, candidate_namesakes, official_members_of_grassroots

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format="%Y-%m-%d", **kwargs)


class FastSelect(forms.Select):
    """A select rendered in Python: Django renders each option through a template, which costs
    more than the rest of the page for the 200 official members a grassroots organisation may
    offer as helpers."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: BaseRenderer | None = None
    ) -> SafeString:
        selected = {str(v) for v in self.format_value(value)}
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        options = [
            format_html(
                '<option value="{}"{}>{}</option>', str(v), mark_safe(" selected") if str(v) in selected else "", label
            )
            for v, label in self.choices
        ]
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe("".join(options)))


class CellChoiceField(forms.ModelChoiceField[Organization]):
    """A cell chosen by its code, labelled with its grassroots organisation when the form knows
    it (``grassroots``: cell id → name): many cells share a name."""

    grassroots: Mapping[int, str] = {}

    def label_from_instance(self, obj: Organization) -> str:
        grassroots = self.grassroots
        return (
            f"{obj.name} — {grassroots[obj.pk]} ({obj.code})" if grassroots.get(obj.pk) else f"{obj.name} ({obj.code})"
        )


class MemberChoiceField(forms.ModelChoiceField[Membership]):
    """An official member (a helper, an introducer), labelled with their cell."""

    def label_from_instance(self, obj: Membership) -> str:
        return f"{obj.person.full_name} — {obj.cell.name}"


def date_field(label: str, required: bool = True) -> forms.DateField:
    return forms.DateField(label=label, required=required, widget=DateInput(), input_formats=DATE_FORMATS)


class CandidateAddForm(CanonicalForm):
    """One short form: who, where from, which cell."""

    full_name = forms.CharField(label="Họ và tên", max_length=255)
    date_of_birth = date_field("Ngày sinh")
    sex = forms.ChoiceField(label="Giới tính", choices=Sex.choices)
    general_education = forms.ChoiceField(
        label="Giáo dục phổ thông", choices=GeneralEducation.choices, initial=GeneralEducation.UPPER_SECONDARY
    )
    ethnicity = forms.ChoiceField(label="Dân tộc", choices=ETHNICITIES, initial="kinh")
    national_id = forms.CharField(label="Số CCCD (nếu có)", max_length=12, required=False)
    source_kind = forms.ChoiceField(label="Nguồn", choices=SourceKind.choices, initial=SourceKind.RESIDENTIAL_AREA)
    youth_union = forms.BooleanField(label="Đoàn viên", required=False)
    cell = CellChoiceField(label="Chi bộ", queryset=Organization.objects.none(), to_field_name="code")
    effective_date = date_field("Ngày đưa vào nguồn")
    confirm_namesake = namesake_field()
    once = once_field()

    def __init__(self, *args: Any, cells: QuerySet[Organization] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # self.fields is typed dict[str, Field]; this one is the declared CellChoiceField's copy
        cell = cast(CellChoiceField, self.fields["cell"])
        cell.queryset = cells
        # The grassroots organisation beside each cell: many cells share a name.
        cell.grassroots = {o.pk: o.grassroots_name for o in label_grassroots(list(cells))} if cells is not None else {}

    PERSON_KEYS = ("full_name", "date_of_birth", "sex", "general_education", "ethnicity", "national_id", "youth_union")

    def person_fields(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in self.PERSON_KEYS}

    def clean(self) -> dict[str, Any]:
        """Everything on the first submit: the person's own checks (the CCCD), the source date,
        the namesake question beside the form's errors; the service checks them again on save."""
        data = super().clean() or {}
        present = {k: data[k] for k in self.PERSON_KEYS if k in data}
        try:
            Person(**present).clean_fields(exclude=[f.name for f in Person._meta.fields if f.name not in present])
        except ValidationError as e:
            for name, errors in e.message_dict.items():
                if name not in self.errors:
                    self.add_error(name if name in self.fields else None, errors)
        effective = data.get("effective_date")
        if effective and effective > timezone.localdate() and "effective_date" not in self.errors:
            self.add_error("effective_date", "Ngày đưa vào nguồn không được sau hôm nay.")
        self.warnings: list[str] = []
        born = data.get("date_of_birth")
        if born and "date_of_birth" not in self.errors:
            warning = rules.age_warning(born, effective if effective and effective > born else timezone.localdate())
            if warning:
                self.warnings.append(warning)
        if self.errors and not data.get("confirm_namesake") and data.get("cell") and born and data.get("full_name"):
            try:  # with other errors the service is not reached: ask here too
                with transaction.atomic():  # refuse_namesake locks the grassroots row
                    person = Person(full_name=data["full_name"], date_of_birth=born)
                    refuse_namesake(person, data["cell"], member_namesakes, candidate_namesakes)
            except ValidationError as e:
                self.add_error("confirm_namesake", e.message_dict["confirm_namesake"])
        return data


class VerificationSubjectsWidget(forms.MultiWidget):
    """One select per person the background verification covers, each with its label."""

    template_name = "candidates/widgets/verification_subjects.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        choices = [("", "Không có / chưa thẩm tra"), *VerificationOutcome.choices]
        super().__init__([forms.Select(choices=choices) for _ in VERIFICATION_RELATIONS], attrs)

    def decompress(self, value: dict[str, str] | None) -> list[str]:
        value = value or {}
        return [value.get(relation, "") for relation, _ in VERIFICATION_RELATIONS]

    def get_context(self, name: str, value: Any, attrs: dict[str, Any] | None) -> dict[str, Any]:
        context = super().get_context(name, value, attrs)
        for sub, (_, label) in zip(context["widget"]["subwidgets"], VERIFICATION_RELATIONS):
            sub["relation_label"] = label
            sub["attrs"]["aria-label"] = label
        return context


class VerificationSubjectsField(forms.MultiValueField):
    """{relation: outcome} for the people verified or exempt; the rules are checked by the service."""

    widget = VerificationSubjectsWidget

    def __init__(self, **kwargs: Any) -> None:
        choices = [("", ""), *VerificationOutcome.choices]
        fields = [forms.ChoiceField(choices=choices, required=False) for _ in VERIFICATION_RELATIONS]
        super().__init__(fields=fields, require_all_fields=False, required=False, **kwargs)

    def compress(self, data_list: list[str] | None) -> dict[str, str]:
        return {relation: outcome for (relation, _), outcome in zip(VERIFICATION_RELATIONS, data_list or []) if outcome}


def step_form_class(candidate: Candidate, stage: str) -> type[CanonicalForm]:
    """A form with the fields of one step, built from the model's own field definitions."""
    fields: dict[str, forms.Field] = {}
    for name in STEP_FIELDS[stage]:
        model_field = Candidate._meta.get_field(name)
        assert isinstance(model_field, Field)  # the step fields are the candidate's own columns
        field: forms.Field
        label = str(model_field.verbose_name).capitalize()
        required = name not in OPTIONAL_FIELDS
        if name in ("helper", "introducer_1", "introducer_2"):
            field = MemberChoiceField(
                label=label,
                queryset=official_members_of_grassroots(candidate.cell),
                required=name == "helper",
                widget=FastSelect,
            )
        elif name == "decided_by":
            field = forms.ModelChoiceField(label=label, queryset=candidate.cell.deciding_bodies(), empty_label=None)
        elif name == "verification_subjects":
            field = VerificationSubjectsField(label=label)
        elif model_field.get_internal_type() == "DateField":
            field = date_field(label, required=required)
        elif model_field.get_internal_type() == "BooleanField":
            field = forms.BooleanField(label=label, required=False)
        elif model_field.get_internal_type() == "PositiveIntegerField":
            field = forms.IntegerField(label=label, min_value=0)
        elif model_field.choices:
            choices = model_field.choices if required else [("", "—"), *model_field.choices]
            field = forms.ChoiceField(label=label, choices=choices, required=required)
        else:
            field = forms.CharField(label=label, max_length=model_field.max_length, required=required)
        fields[name] = field
    fields["override_reason"] = forms.CharField(
        label="Lý do bỏ qua quy định (chỉ cấp có thẩm quyền)", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    fields["version"] = forms.IntegerField(widget=forms.HiddenInput())
    fields["stage"] = forms.CharField(widget=forms.HiddenInput())
    # type() with three arguments is typed as a plain type: this one is a CanonicalForm.
    return cast(type[CanonicalForm], type(f"StepForm_{stage}", (CanonicalForm,), fields))


class ReasonForm(CanonicalForm):
    effective_date = date_field("Ngày quyết định")
    reason = forms.CharField(label="Lý do", widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput())


class ReturnForm(ReasonForm):
    to_stage = forms.ChoiceField(label="Trả về giai đoạn", choices=[])

    def __init__(self, *args: Any, candidate: Candidate | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if candidate is not None and candidate.stage in OPEN_STAGES:
            earlier = OPEN_STAGES[: OPEN_STAGES.index(candidate.stage)]
            # self.fields is typed dict[str, Field]; this one is the declared ChoiceField's copy
            cast(forms.ChoiceField, self.fields["to_stage"]).choices = [(s, Stage(s).label) for s in earlier]


class MoveForm(CanonicalForm):
    to_cell = CellChoiceField(label="Chuyển đến chi bộ", queryset=Organization.objects.none(), to_field_name="code")
    effective_date = date_field("Ngày chuyển")
    reason = forms.CharField(label="Lý do", widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, *args: Any, cells: QuerySet[Organization] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if cells is not None:
            # self.fields is typed dict[str, Field]; this one is the declared CellChoiceField's copy
            cast(CellChoiceField, self.fields["to_cell"]).queryset = cells


class CriterionForm(CanonicalForm):
    criterion = forms.IntegerField(widget=forms.HiddenInput())
    met_on = date_field("Ngày đạt")


class CalendarDayForm(CanonicalForm):
    date = date_field("Ngày")
    kind = forms.ChoiceField(label="Loại ngày", choices=CalendarDay.Kind.choices)
    # Required by the service, which names the field in its message: the form lets it through.
    decree_number = forms.CharField(label="Số văn bản (quyết định, thông báo)", max_length=64, required=False)
    name = forms.CharField(label="Nội dung", max_length=255, required=False)
