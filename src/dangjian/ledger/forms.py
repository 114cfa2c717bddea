"""Forms of the ledger and dispatch pages; the rules stay in `ledger.services`."""

from __future__ import annotations

from django import forms

from dangjian.assessment.choices import Grade
from dangjian.core.forms import DateInput, StyledForm
from dangjian.orgs.choices import Sector

from .choices import Comparison, TargetMetric
from .selectors import SELECT_GRADE, SELECT_LIST, SELECT_SECTOR, SELECT_SUBTREE


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


class RecipientChoiceForm(StyledForm):
    """How the issuer picks the recipients of a dispatch sheet (read from the query string)."""

    mode = forms.ChoiceField(
        label="选择承办单位",
        choices=[
            (SELECT_SUBTREE, "下级全部党支部"),
            (SELECT_SECTOR, "按单位属性"),
            (SELECT_GRADE, "按考评类别"),
            (SELECT_LIST, "按代码逐个指定"),
        ],
        initial=SELECT_SUBTREE,
    )
    sector = forms.ChoiceField(label="单位属性", choices=[("", "—"), *Sector.choices], required=False)
    grade = forms.TypedChoiceField(
        label="考评类别", choices=[("", "—"), *Grade.choices], coerce=int, empty_value=None, required=False
    )
    year = forms.IntegerField(label="考评年度", required=False, min_value=2000, max_value=2100)
    codes = forms.CharField(label="党组织代码（逗号或空格分隔）", required=False)
    deadline = forms.DateField(
        label="统一办理时限",
        required=False,
        widget=DateInput(),
        error_messages={"invalid": "请输入有效的日期"},
    )
    responsible_person = forms.CharField(label="统一责任人", required=False, max_length=50)

    def clean(self):
        data = super().clean()
        mode = data.get("mode")
        if mode == SELECT_SECTOR and not data.get("sector"):
            self.add_error("sector", "按单位属性选择时请选定单位属性")
        if mode == SELECT_GRADE:
            if not data.get("grade"):
                self.add_error("grade", "按考评类别选择时请选定类别")
            if not data.get("year"):
                self.add_error("year", "按考评类别选择时请填写考评年度")
        if mode == SELECT_LIST and not (data.get("codes") or "").strip():
            self.add_error("codes", "请填写至少一个党组织代码")
        return data

    def code_list(self) -> tuple[str, ...]:
        text = (self.cleaned_data.get("codes") or "").replace("，", ",").replace(",", " ")
        return tuple(code for code in text.split() if code)


class DispatchSheetForm(StyledForm):
    title = forms.CharField(label="交办事项", max_length=120, error_messages={"required": "请填写交办事项"})
    content = forms.CharField(label="具体要求", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class TargetForm(StyledForm):
    name = forms.CharField(label="目标名称", max_length=120, error_messages={"required": "请填写目标名称"})
    metric = forms.ChoiceField(label="指标", choices=TargetMetric.choices)
    comparison = forms.ChoiceField(label="比较", choices=Comparison.choices)
    threshold = forms.DecimalField(
        label="目标值", max_digits=10, decimal_places=1, error_messages={"invalid": "目标值应为数字"}
    )
    sector = forms.ChoiceField(label="限定单位属性", choices=[("", "不限"), *Sector.choices], required=False)
