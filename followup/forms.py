"""Forms only parse and present input; the rules are in services."""

from typing import Any, cast

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from members.models import Membership
from organizations.models import Organization
from partydev.forms import CanonicalForm

from .models import CommitteeMember, Level

ACTION_ROWS = 3


class DateInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value: Any) -> str | None:
        return value.isoformat() if hasattr(value, "isoformat") else value


class OrganizationCodeField(forms.CharField):
    """An organisation typed by its code, looked up in a scoped queryset."""

    def __init__(self, *args: Any, queryset: QuerySet[Organization] | None = None, **kwargs: Any) -> None:
        self.queryset = queryset
        super().__init__(*args, max_length=32, **kwargs)

    def clean(self, value: Any) -> Organization | None:
        code = super().clean(value).strip()
        if not code:
            return None
        org = self.queryset.filter(code=code).first() if self.queryset is not None else None
        if org is None:
            raise forms.ValidationError(f"Không có tổ chức mã “{code}” trong phạm vi của bạn.")
        return org


class AccountChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, user: Any) -> str:
        name = user.get_full_name()
        return f"{user.get_username()} — {name}" if name else user.get_username()


class CommitteeMemberForm(CanonicalForm):
    # A picker of the accounts working in the manager's area (``services.eligible_accounts``), not
    # a typed username: one message for a name that does not exist and one outside the area.
    username = AccountChoiceField(
        label="Tài khoản",
        queryset=get_user_model().objects.none(),
        to_field_name="username",
        empty_label="— chọn tài khoản —",
        error_messages={"invalid_choice": "Hãy chọn một tài khoản trong danh sách."},
    )
    full_name = forms.CharField(label="Họ và tên", max_length=255)
    position = forms.CharField(label="Chức vụ", max_length=255, required=False, initial="Cấp ủy viên")
    national_id = forms.CharField(
        label="Số CCCD trong hồ sơ đảng viên của người này (nếu có)", max_length=12, required=False
    )

    def __init__(
        self,
        *args: Any,
        scope: QuerySet[Organization] | None = None,
        memberships: QuerySet[Membership] | None = None,
        accounts: QuerySet[AbstractBaseUser] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.memberships = memberships
        if accounts is not None:
            # self.fields is typed dict[str, Field]; this one is the declared AccountChoiceField's copy
            cast(AccountChoiceField, self.fields["username"]).queryset = accounts
        self.fields["committee"] = OrganizationCodeField(label="Mã cấp ủy", queryset=scope)
        self.order_fields(["username", "full_name", "committee", "position", "national_id"])

    def clean_national_id(self) -> Membership | None:
        number = self.cleaned_data["national_id"].strip()
        if not number:
            return None
        membership = (
            self.memberships.filter(person__national_id=number).first() if self.memberships is not None else None
        )
        if membership is None:
            raise forms.ValidationError(f"Không có đảng viên có số CCCD “{number}” trong phạm vi của bạn.")
        return membership


class AssignmentForm(CanonicalForm):
    committee_member = forms.ModelChoiceField(
        label="Cấp ủy viên", queryset=CommitteeMember.objects.none(), empty_label="— chọn —"
    )
    start = forms.DateField(label="Từ ngày", widget=DateInput)
    end = forms.DateField(label="Đến ngày (để trống nếu chưa định)", required=False, widget=DateInput)
    note = forms.CharField(label="Ghi chú", max_length=255, required=False)

    def __init__(
        self,
        *args: Any,
        members: QuerySet[CommitteeMember] | None = None,
        scope: QuerySet[Organization] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        committee_member = cast("forms.ModelChoiceField[CommitteeMember]", self.fields["committee_member"])
        committee_member.queryset = members if members is not None else CommitteeMember.objects.none()
        self.fields["organization"] = OrganizationCodeField(label="Mã tổ chức được phân công", queryset=scope)
        self.order_fields(["committee_member", "organization", "start", "end", "note"])


class EndAssignmentForm(CanonicalForm):
    end = forms.DateField(label="Kết thúc phân công ngày", widget=DateInput)


class CheckForm(CanonicalForm):
    checked_on = forms.DateField(label="Ngày kiểm tra", widget=DateInput)
    reviewed = forms.CharField(label="Nội dung đã xem xét", widget=forms.Textarea(attrs={"rows": 3}))
    findings = forms.CharField(label="Nhận xét, đánh giá", widget=forms.Textarea(attrs={"rows": 4}))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, ACTION_ROWS + 1):
            self.fields[f"action_{i}_description"] = forms.CharField(
                label=f"Việc cần làm {i}", required=False, max_length=2000
            )
            self.fields[f"action_{i}_owner"] = forms.CharField(
                label=f"Người chịu trách nhiệm {i}", required=False, max_length=255
            )
            self.fields[f"action_{i}_due"] = forms.DateField(
                label=f"Hạn hoàn thành {i}", required=False, widget=DateInput
            )

    def action_rows(self) -> list[tuple[forms.BoundField, forms.BoundField, forms.BoundField]]:
        """The action rows as (description, owner, due) bound fields, for the template."""
        return [
            (self[f"action_{i}_description"], self[f"action_{i}_owner"], self[f"action_{i}_due"])
            for i in range(1, ACTION_ROWS + 1)
        ]

    def actions(self) -> list[dict[str, Any]]:
        """The rows the user filled in at all; a blank row is not an action."""
        rows = []
        for i in range(1, ACTION_ROWS + 1):
            row = {
                "description": self.cleaned_data.get(f"action_{i}_description", ""),
                "owner": self.cleaned_data.get(f"action_{i}_owner", ""),
                "due_date": self.cleaned_data.get(f"action_{i}_due"),
            }
            if any(row.values()):
                rows.append(row)
        return rows


class ActionDoneForm(CanonicalForm):
    done_on = forms.DateField(label="Ngày hoàn thành", widget=DateInput)


class ThresholdsForm(CanonicalForm):
    excellent_rate = forms.DecimalField(
        label="Hoàn thành xuất sắc: tỷ lệ đạt chỉ tiêu từ (%)", max_digits=6, decimal_places=2
    )
    good_rate = forms.DecimalField(label="Hoàn thành tốt: từ (%)", max_digits=6, decimal_places=2)
    completed_rate = forms.DecimalField(label="Hoàn thành: từ (%)", max_digits=6, decimal_places=2)
    excellent_max_missed = forms.IntegerField(label="Hoàn thành xuất sắc: số hạn bị trễ tối đa", min_value=0)
    excellent_needs_all_checks = forms.BooleanField(
        label="Hoàn thành xuất sắc cần đủ kiểm tra hằng tháng", required=False
    )


class RatingForm(CanonicalForm):
    organization = forms.CharField(widget=forms.HiddenInput)
    level = forms.ChoiceField(label="Xếp loại", choices=[("", "— chọn —"), *Level.choices])
    note = forms.CharField(label="Ghi chú", required=False, max_length=2000)
    early_reason = forms.CharField(label="Lý do xếp loại trước khi hết năm", required=False, max_length=1000)


def organization_scope(user: Any) -> QuerySet[Organization]:
    return Organization.objects.for_user(user)
