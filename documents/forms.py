from django import forms

from candidates.forms import DATE_FORMATS, DateInput

from .kinds import POSITIONS


class IssueForm(forms.Form):
    signer_name = forms.CharField(label="Người ký", max_length=120)
    signer_position = forms.ChoiceField(
        label="Chức vụ", choices=[(p, p.capitalize()) for p in POSITIONS], required=False
    )
    document_date = forms.DateField(
        label="Ngày của văn bản", required=False, widget=DateInput(), input_formats=DATE_FORMATS
    )
    correction_of = forms.IntegerField(required=False, widget=forms.HiddenInput)
    correction_reason = forms.CharField(label="Lý do đính chính", required=False, max_length=500)


class TemplateUploadForm(forms.Form):
    kind = forms.CharField(widget=forms.HiddenInput)
    file = forms.FileField(label="Tệp mẫu .docx")
