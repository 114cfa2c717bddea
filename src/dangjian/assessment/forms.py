"""Forms of the standardization pages. Each only parses what the user typed; the rules
(a gap needs measure, person and deadline; a score needs evidence) live in the services,
whose Chinese messages are put back on these fields."""

from __future__ import annotations

from decimal import Decimal

from django import forms

from dangjian.core.forms import DateInput, StyledForm
from dangjian.orgs.choices import Sector

from .choices import TEMPLATE_GRADE_BASES, BasicArea, CheckResult, Grade, ScoringMethod, WeakCategory


class SelfCheckEntryForm(StyledForm):
    result = forms.ChoiceField(
        label="自查结果", choices=[("", "— 未填 —"), *CheckResult.choices], required=False
    )
    evidence = forms.CharField(label="佐证", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    measure = forms.CharField(label="整改措施", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    responsible_person = forms.CharField(label="责任人", required=False, max_length=50)
    deadline = forms.DateField(
        label="整改时限", required=False, widget=DateInput(), error_messages={"invalid": "请输入有效的日期"}
    )


class ScoreForm(StyledForm):
    score = forms.DecimalField(
        label="得分",
        required=False,
        max_digits=5,
        decimal_places=1,
        error_messages={"invalid": "请输入数字得分"},
    )
    evidence = forms.CharField(
        label="考评佐证/说明", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class SignOffForm(StyledForm):
    grade = forms.TypedChoiceField(
        label="人工定级（不选则按得分档次）",
        choices=[("", "按得分档次自动定级"), *Grade.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    reason = forms.CharField(label="定级理由", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class WeakIdentifyForm(StyledForm):
    categories = forms.MultipleChoiceField(
        label="问题类别", choices=WeakCategory.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    leader_name = forms.CharField(label="包联领导", required=False, max_length=50)

    def __init__(self, *args, categories=None, **kwargs):
        super().__init__(*args, **kwargs)
        if categories is not None:  # the county's own list (active ones)
            self.fields["categories"].choices = categories


class WeakCategoryForm(StyledForm):
    code = forms.CharField(
        label="代码（小写字母、数字、下划线）", max_length=32, error_messages={"required": "请填写代码"}
    )
    label = forms.CharField(label="问题类别", max_length=60, error_messages={"required": "请填写问题类别"})
    active = forms.BooleanField(label="启用", required=False, initial=True)


class RectificationRowForm(StyledForm):
    """One line of the rectification plan; a line left wholly empty is skipped."""

    problem = forms.CharField(label="问题", required=False)
    measure = forms.CharField(label="整改措施", required=False)
    responsible_person = forms.CharField(label="责任人", required=False, max_length=50)
    deadline = forms.DateField(
        label="完成时限", required=False, widget=DateInput(), error_messages={"invalid": "请输入有效的日期"}
    )

    def clean(self):
        data = super().clean()
        filled = [name for name in ("problem", "measure", "responsible_person") if data.get(name)]
        if (filled or data.get("deadline")) and len(filled) < 3:
            self.add_error(None, "本行须同时填写问题、整改措施、责任人和完成时限")
        elif filled and not data.get("deadline") and "deadline" not in self.errors:
            self.add_error("deadline", "请填写完成时限")
        return data

    def is_blank(self) -> bool:
        return not any(
            self.cleaned_data.get(n) for n in ("problem", "measure", "responsible_person", "deadline")
        )


class TemplateImportForm(StyledForm):
    sector = forms.ChoiceField(label="适用单位属性", choices=Sector.choices)
    year = forms.IntegerField(
        label="适用年度（起）", min_value=2000, max_value=2100, error_messages={"invalid": "请输入年度"}
    )
    name = forms.CharField(label="清单名称", max_length=120, error_messages={"required": "请填写清单名称"})
    file = forms.FileField(
        label="清单文件（.xlsx/.xls/.ods/.csv）", error_messages={"required": "请选择文件"}
    )


class TemplateCopyForm(StyledForm):
    year = forms.IntegerField(
        label="新年度", min_value=2000, max_value=2100, error_messages={"invalid": "请输入年度"}
    )


class ChecklistItemForm(StyledForm):
    area = forms.ChoiceField(label="类别", choices=BasicArea.choices)
    title = forms.CharField(label="事项", max_length=200, error_messages={"required": "请填写事项"})
    description = forms.CharField(label="标准要求", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    evidence_required = forms.CharField(label="佐证材料", required=False, max_length=200)
    points = forms.DecimalField(
        label="分值",
        max_digits=5,
        decimal_places=1,
        min_value=Decimal("0.5"),
        error_messages={"invalid": "分值应为数字", "min_value": "分值须大于0"},
    )
    method = forms.ChoiceField(label="评分方式", choices=ScoringMethod.choices)


def _band(label: str) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=5,
        decimal_places=2,
        error_messages={"invalid": f"{label}应为数字", "required": f"请填写{label}"},
    )


class TemplateSettingsForm(StyledForm):
    name = forms.CharField(label="清单名称", max_length=120, error_messages={"required": "请填写清单名称"})
    grade_one_min = _band("一类线（得分率%）")
    grade_two_min = _band("二类线（得分率%）")
    grade_three_min = _band("三类线（得分率%）")
    # Left empty (an older client), the grade basis and five-goods rule stay as they are.
    grade_basis = forms.ChoiceField(label="定级办法", choices=TEMPLATE_GRADE_BASES, required=False)
    good_share_min = forms.DecimalField(
        label="“好”的得分率线（%）",
        required=False,
        max_digits=5,
        decimal_places=2,
        error_messages={"invalid": "“好”的得分率线应为数字"},
    )
    goods_for_one = forms.IntegerField(
        label="一类所需“好”项数", required=False, error_messages={"invalid": "请输入0至5的整数"}
    )
    goods_for_two = forms.IntegerField(
        label="二类所需“好”项数", required=False, error_messages={"invalid": "请输入0至5的整数"}
    )
    goods_for_three = forms.IntegerField(
        label="三类所需“好”项数", required=False, error_messages={"invalid": "请输入0至5的整数"}
    )

    star_lines = forms.CharField(
        label="评星档次（五星、四星、三星、二星线，%，以顿号分隔；留空不评星）", required=False, max_length=60
    )

    def clean_star_lines(self):
        import re
        from decimal import InvalidOperation

        text = self.cleaned_data.get("star_lines", "").strip()
        parts = [p for p in re.split(r"[、,，\s]+", text) if p]
        try:
            return [Decimal(p) for p in parts]
        except InvalidOperation:
            raise forms.ValidationError("评星档次应为以顿号分隔的数字，如：95、85、75、60") from None

    def five_goods(self):
        """The five-goods rule typed, or None when any part is left empty."""
        from .rules import FiveGoods

        data = self.cleaned_data
        parts = [data.get(n) for n in ("good_share_min", "goods_for_one", "goods_for_two", "goods_for_three")]
        if any(part is None for part in parts):
            return None
        return FiveGoods(parts[0], (parts[1], parts[2], parts[3]))
