"""Form helpers shared by the pages: Bootstrap styling, service errors placed on the form, and
the audit-log filter form."""

from collections.abc import Mapping
from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .models import Outcome


class DateInput(forms.DateInput):
    """The browser's date picker; it submits ISO dates whatever the phone's locale."""

    input_type = "date"

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class StyledForm(forms.Form):
    """Bootstrap classes on every widget, so templates can render fields in a loop."""

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        style_fields(self)


def style_fields(form: forms.BaseForm) -> None:
    for bound in form.visible_fields():
        widget = bound.field.widget
        if isinstance(widget, forms.CheckboxInput):
            css = "form-check-input"
        elif isinstance(widget, forms.Select):
            css = "form-select"
        else:
            css = "form-control"
        widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def add_service_errors(
    form: forms.BaseForm, error: ValidationError, field_map: Mapping[str, str] | None = None
) -> None:
    """Put a service's ValidationError on the form: on the field it names, else at the top
    (the services' messages name the value they object to, so they read well on their own)."""
    field_map = field_map or {}
    if not hasattr(error, "error_dict"):
        for message in error.messages:
            form.add_error(None, message)
        return
    for name, messages in error.message_dict.items():
        target = field_map.get(name, name)
        for message in messages:
            form.add_error(target if target in form.fields else None, message)


class AuditFilterForm(StyledForm):
    """Filters of the audit page; every field is optional and an empty form lists everything."""

    LOGS = [("events", "操作记录"), ("access", "访问记录")]

    log = forms.ChoiceField(label="记录", choices=LOGS, required=False)
    actor = forms.CharField(label="操作人", required=False)
    action = forms.CharField(label="操作", required=False)
    object_type = forms.CharField(label="对象类型", required=False)
    outcome = forms.ChoiceField(label="结果", choices=[("", "全部"), *Outcome.choices], required=False)
    org = forms.CharField(label="党组织代码（含下级）", required=False)
    date_from = forms.DateField(label="开始日期", required=False, widget=DateInput())
    date_to = forms.DateField(label="结束日期", required=False, widget=DateInput())

    def __init__(
        self,
        *args: Any,
        action_choices: list[tuple[str, str]],
        object_type_choices: list[tuple[str, str]],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.fields["action"] = forms.ChoiceField(
            label="操作", choices=[("", "全部"), *action_choices], required=False
        )
        self.fields["object_type"] = forms.ChoiceField(
            label="对象类型", choices=[("", "全部"), *object_type_choices], required=False
        )
        style_fields(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", "结束日期不能早于开始日期")
        return data
