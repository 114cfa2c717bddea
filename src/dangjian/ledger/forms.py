"""Forms of the ledger and dispatch pages; the rules stay in `ledger.services`."""

from __future__ import annotations

from django import forms

from dangjian.core.forms import DateInput, StyledForm


class ProgressNoteForm(StyledForm):
    note = forms.CharField(
        label="进展情况",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "请填写进展情况"},
    )
    evidence = forms.CharField(label="佐证材料", required=False, max_length=2000)
    noted_on = forms.DateField(
        label="日期", required=False, widget=DateInput(), error_messages={"invalid": "请输入有效的日期"}
    )


class CloseRequestForm(StyledForm):
    evidence = forms.CharField(
        label="销号佐证（不填则用最近一次进展的佐证）", required=False, max_length=2000
    )


class ReturnForm(StyledForm):
    reason = forms.CharField(label="退回理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class RespondForm(StyledForm):
    response = forms.CharField(label="办理情况", required=False, widget=forms.Textarea(attrs={"rows": 3}))
    completed = forms.BooleanField(label="已办结", required=False)
