"""Forms of the organization pages. They only collect and shape input; the rules live in
`orgs.services` and `orgs.rules`, whose Chinese messages are put back on these forms."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from dangjian.core.forms import DateInput, StyledForm

from .choices import TERM_YEARS_CHOICES, OrgKind, Sector
from .models import Organization
from .services import DETAIL_FIELDS


class OrganizationDetailsForm(StyledForm):
    name = forms.CharField(label="组织名称", max_length=120)
    short_name = forms.CharField(label="简称", max_length=60, required=False)
    kind = forms.ChoiceField(label="组织类别", choices=OrgKind.choices)
    sector = forms.ChoiceField(label="单位属性", choices=Sector.choices)
    established_on = forms.DateField(label="成立日期", required=False, widget=DateInput())
    term_started_on = forms.DateField(label="本届任期开始", required=False, widget=DateInput())
    term_years = forms.TypedChoiceField(
        label="任期年限",
        choices=[("", "—"), *TERM_YEARS_CHOICES],
        coerce=int,
        empty_value=None,
        required=False,
    )
    has_committee = forms.BooleanField(label="设支部委员会", required=False)
    secretary_name = forms.CharField(label="书记", max_length=50, required=False)
    contact_phone = forms.CharField(label="联系电话", max_length=30, required=False)

    def clean_name(self) -> str:
        return self.cleaned_data["name"].strip()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("term_started_on") and not data.get("term_years"):
            self.add_error("term_years", "填写了任期开始日期，请选择任期年限")
        return data

    def details(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in DETAIL_FIELDS}

    @classmethod
    def for_organization(cls, organization: Organization, data: Any = None) -> "OrganizationDetailsForm":
        return cls(data, initial={name: getattr(organization, name) for name in DETAIL_FIELDS})

    def changed_details(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in DETAIL_FIELDS if name in self.changed_data}


class OrganizationCreateForm(OrganizationDetailsForm):
    code = forms.CharField(label="组织代码", max_length=32)

    field_order = ["code", *DETAIL_FIELDS]

    def clean_code(self) -> str:
        code = self.cleaned_data["code"].strip()
        if Organization.objects.filter(code=code).exists():
            raise forms.ValidationError(f"组织代码“{code}”已被使用")
        return code


class OrganizationMoveForm(StyledForm):
    parent_code = forms.CharField(label="新的上级组织代码", max_length=32)

    def __init__(self, *args: Any, targets: QuerySet[Organization], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.targets = targets
        self.fields["parent_code"].widget.attrs["list"] = "move-targets"

    def clean_parent_code(self) -> Organization:
        code = self.cleaned_data["parent_code"].strip()
        target = self.targets.filter(code=code).first()
        if target is None:
            raise forms.ValidationError(f"组织代码“{code}”不存在、已撤销，或不在您可调整的范围内")
        return target


class OrganizationDissolveForm(StyledForm):
    dissolved_on = forms.DateField(label="撤销日期", widget=DateInput())
    reason = forms.CharField(label="撤销原因", max_length=200, required=False)
    confirm = forms.BooleanField(label="我已确认该组织应当撤销", required=True)
