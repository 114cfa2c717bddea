"""Forms of the recruitment pages. They only parse; `recruitment.services` judges every rule
and its refusals land on the field they name (`core.forms.add_service_errors`)."""

from __future__ import annotations

from typing import Any

from django import forms

from dangjian.core.forms import DateInput, StyledForm, style_fields
from dangjian.members.choices import Education
from dangjian.members.models import Member

from . import rules
from .choices import Stage, Step

# The fields each step carries besides its date, documents and note.
STEP_EXTRA_FIELDS: dict[str, tuple[str, ...]] = {
    Step.APPLICATION_TALK: ("talker_name",),
    Step.SUPERIOR_TALK: ("talker_name",),
    Step.CONTACTS_ASSIGNED: ("contacts",),
    Step.SPONSORS_ASSIGNED: ("sponsors",),
    Step.TRAINING: ("training_days", "training_hours"),
    Step.ADMISSION_VOTE: ("votes_present", "votes_in_favour"),
    Step.CONVERSION_VOTE: ("votes_present", "votes_in_favour"),
    Step.ADMISSION_APPROVAL: ("reason",),
    Step.PROBATION_EXTENSION: ("extension_months", "reason"),
    Step.ADMISSION_VOTE_FAILED: ("votes_present", "votes_in_favour"),
    Step.CONVERSION_VOTE_FAILED: ("votes_present", "votes_in_favour"),
    Step.STOPPED: ("reason",),
}
ALWAYS = ("step", "occurred_on", "documents", "note")
OPTIONAL_FIELDS = frozenset(name for names in STEP_EXTRA_FIELDS.values() for name in names)


class CandidateFilterForm(StyledForm):
    stage = forms.ChoiceField(label="阶段", choices=[("", "全部阶段"), *Stage.choices], required=False)
    org = forms.CharField(label="党组织代码（含下级）", required=False)
    overdue = forms.BooleanField(label="只看已超期", required=False)


class CandidateForm(StyledForm):
    name = forms.CharField(label="姓名", max_length=50)
    id_number = forms.CharField(label="公民身份号码", max_length=18)
    applied_on = forms.DateField(label="递交入党申请书日期", widget=DateInput())
    phone = forms.CharField(label="联系电话", max_length=30, required=False)
    education = forms.ChoiceField(label="学历", choices=[("", "—"), *Education.choices], required=False)
    occupation = forms.CharField(label="职业", max_length=100, required=False)
    documents = forms.CharField(label="材料", max_length=300, initial="入党申请书", required=False)


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, member: Member) -> str:
        return member.name


class StepForm(forms.Form):
    """One step of the pipeline; only the fields of the chosen step are shown and read."""

    step = forms.ChoiceField(label="步骤", choices=Step.choices)
    occurred_on = forms.DateField(label="日期", widget=DateInput())
    talker_name = forms.CharField(label="谈话人", max_length=100, required=False)
    contacts = MemberChoiceField(
        label="培养联系人（1至2名正式党员）",
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    sponsors = MemberChoiceField(
        label="入党介绍人（2名正式党员）",
        queryset=Member.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    training_days = forms.DecimalField(
        label="培训天数", max_digits=5, decimal_places=1, min_value=0, required=False
    )
    training_hours = forms.DecimalField(
        label="培训学时", max_digits=5, decimal_places=1, min_value=0, required=False
    )
    votes_present = forms.IntegerField(label="实到有表决权的党员", min_value=0, required=False)
    votes_in_favour = forms.IntegerField(label="赞成人数", min_value=0, required=False)
    extension_months = forms.IntegerField(
        label=f"延长月数（{rules.EXTENSION_MIN_MONTHS}至{rules.EXTENSION_MAX_MONTHS}）",
        min_value=1,
        max_value=24,
        required=False,
    )
    reason = forms.CharField(label="理由", max_length=300, required=False)
    documents = forms.CharField(label="材料（名称、份数）", max_length=300, required=False)
    note = forms.CharField(label="说明", max_length=300, required=False)

    def __init__(self, *args: Any, step: str, full_members: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.step = step
        self.fields["contacts"].queryset = full_members
        self.fields["sponsors"].queryset = full_members
        shown = set(ALWAYS) | set(STEP_EXTRA_FIELDS.get(step, ()))
        for name in list(self.fields):
            if name not in shown:
                del self.fields[name]
        style_fields(self)
        for name in ("contacts", "sponsors"):
            if name in self.fields:
                self.fields[name].widget.attrs["class"] = "form-check-input"

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data.pop("step", None)
        for name in ("talker_name", "reason", "documents", "note"):
            data[name] = data.get(name) or ""
        for name in ("contacts", "sponsors"):
            data[name] = list(data.get(name) or [])
        return data


class PlanForm(StyledForm):
    quota = forms.IntegerField(label="计划发展党员（名）", min_value=0, max_value=100000)
    under_35_quota = forms.IntegerField(label="其中35岁以下（名）", min_value=0, required=False)
    women_quota = forms.IntegerField(label="其中女性（名）", min_value=0, required=False)
    note = forms.CharField(label="说明", max_length=300, required=False)
