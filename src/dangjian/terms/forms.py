"""Forms of the terms pages. They only parse; `terms.services` judges every rule and its
refusals land on the field they name (`core.forms.add_service_errors`)."""

from __future__ import annotations

from typing import Any

from django import forms

from dangjian.core.forms import DateInput, StyledForm

from . import rules


class ElectionForm(StyledForm):
    held_on = forms.DateField(label="选举日期", widget=DateInput())
    term_years = forms.TypedChoiceField(label="新一届任期", coerce=int, choices=[(3, "3年"), (5, "5年")])
    seats = forms.IntegerField(label="应选人数", min_value=1, max_value=99)
    candidates = forms.CharField(
        label="候选人名单（用顿号或换行分隔）", widget=forms.Textarea(attrs={"rows": 3})
    )
    voters_entitled = forms.IntegerField(label="应到会有选举权的党员（人）", min_value=0)
    voters_present = forms.IntegerField(label="实到会有选举权的党员（人）", min_value=0)
    elected = forms.CharField(
        label="当选人及得票（每行“姓名 票数”）", widget=forms.Textarea(attrs={"rows": 3})
    )
    secretary_name = forms.CharField(label="书记（当选人之一，可不填）", max_length=50, required=False)
    note = forms.CharField(label="说明", max_length=300, required=False)

    def clean_candidates(self) -> list[str]:
        return rules.parse_names(self.cleaned_data["candidates"])

    def clean_elected(self) -> list[tuple[str, int]]:
        elected, problems = rules.parse_elected(self.cleaned_data["elected"])
        if problems:
            raise forms.ValidationError(problems)
        return elected

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


class PostponementForm(StyledForm):
    postponed_to = forms.DateField(label="延期至", widget=DateInput())
    reason = forms.CharField(label="延期理由", max_length=300, widget=forms.Textarea(attrs={"rows": 2}))
    approved_by = forms.CharField(label="批准的党组织", max_length=120)
    approved_on = forms.DateField(label="批准日期", widget=DateInput())
