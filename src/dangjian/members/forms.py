"""Forms of the member pages. The rules (ID number, dates, placement, scope) are applied by
`members.services`; their Chinese messages are put back on these forms."""

import datetime as dt
from typing import Any

from django import forms
from django.db.models import QuerySet

from dangjian.core.forms import DateInput, StyledForm
from dangjian.orgs.models import Organization

from .choices import ETHNICITY_CHOICES, Education, EventKind, PartyRole, Sex
from .models import Member

# The fields a clerk corrects on the member page. The ID number is not among them: its form
# field starts empty so that editing never shows the full number (that needs `reveal_id`).
DETAIL_FIELDS = (
    "name",
    "sex",
    "ethnicity",
    "birth_date",
    "education",
    "joined_on",
    "converted_on",
    "phone",
    "job",
    "address",
    "group",
)


class MemberEditForm(StyledForm):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(
        label="公民身份号码",
        max_length=18,
        required=False,
        help_text="不修改请留空；修改后出生日期和性别按新号码核对。",
    )
    sex = forms.ChoiceField(label="性别", choices=Sex.choices)
    ethnicity = forms.ChoiceField(label="民族", choices=[("", "—"), *ETHNICITY_CHOICES], required=False)
    birth_date = forms.DateField(label="出生日期", widget=DateInput())
    education = forms.ChoiceField(label="学历", choices=[("", "—"), *Education.choices], required=False)
    joined_on = forms.DateField(label="入党日期", widget=DateInput())
    converted_on = forms.DateField(label="转正日期", required=False, widget=DateInput())
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    job = forms.CharField(label="工作岗位", max_length=100, required=False)
    address = forms.CharField(label="家庭住址", max_length=200, required=False)
    group = forms.ModelChoiceField(
        label="党小组", queryset=Organization.objects.none(), required=False, empty_label="—"
    )

    def __init__(self, data: Any = None, *, member: Member, groups: QuerySet[Organization]):
        super().__init__(data, initial={name: getattr(member, name) for name in DETAIL_FIELDS})
        self.fields["id_number"].widget.attrs["placeholder"] = member.masked_id_number
        self.fields["group"].queryset = groups

    def changes(self) -> dict[str, Any]:
        """Only the changed fields, so the service's audit row lists exactly what the clerk changed."""
        fields = {name: self.cleaned_data[name] for name in DETAIL_FIELDS if name in self.changed_data}
        if number := self.cleaned_data.get("id_number", "").strip():
            fields["id_number"] = number
            # A new number brings its own birth date and sex unless the clerk changed them too.
            for derived in ("birth_date", "sex"):
                if derived not in self.changed_data:
                    fields.pop(derived, None)
        return fields


class ConvertForm(StyledForm):
    converted_on = forms.DateField(label="转正日期（支部大会讨论通过之日）", widget=DateInput())


class TransferForm(StyledForm):
    to_code = forms.CharField(label="转入党组织代码", max_length=32)
    on = forms.DateField(label="转接日期", widget=DateInput(), initial=dt.date.today)
    note = forms.CharField(label="说明", max_length=200, required=False)

    def __init__(self, *args: Any, targets: QuerySet[Organization], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.targets = targets
        self.fields["to_code"].widget.attrs["list"] = "transfer-targets"

    def clean_to_code(self) -> Organization:
        code = self.cleaned_data["to_code"].strip()
        target = self.targets.filter(code=code).first()
        if target is None:
            raise forms.ValidationError(f"组织代码“{code}”不存在、不是党支部，或不在您的授权范围内")
        return target


EXIT_CHOICES = [
    (EventKind.DIED, "去世"),
    (EventKind.LEFT, "出党（含自行脱党、除名、开除）"),
    (EventKind.TRANSFERRED_OUT, "转出至系统外党组织"),
]


class ExitForm(StyledForm):
    kind = forms.ChoiceField(label="离开原因", choices=EXIT_CHOICES)
    on = forms.DateField(label="日期", widget=DateInput())
    counterpart_name = forms.CharField(label="转入的党组织名称（转出时填写）", max_length=120, required=False)
    note = forms.CharField(label="说明", max_length=200, required=False)


class RoleAssignForm(StyledForm):
    organization = forms.ModelChoiceField(
        label="任职组织", queryset=Organization.objects.none(), empty_label=None
    )
    role = forms.ChoiceField(label="职务", choices=PartyRole.choices)
    started_on = forms.DateField(label="任职日期", widget=DateInput())

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class RoleEndForm(StyledForm):
    ended_on = forms.DateField(label="离任日期", widget=DateInput())
