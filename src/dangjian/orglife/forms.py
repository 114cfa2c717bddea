"""Forms of the organizational-life pages. They check shapes (a date is a date, a choice is one
of the list); the rules of a record (kinds, group, what a submission needs) stay in
`orglife.services`, whose Chinese messages the views put on these forms."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from django import forms

from dangjian.core.forms import DateInput, StyledForm, style_fields
from dangjian.members.models import Member
from dangjian.orgs.models import Organization

from .choices import ActivityKind, AttachmentKind, AttendanceStatus
from .models import Activity
from .services import AttendanceEntry


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict | None = None):
        super().__init__(attrs=attrs, format="%H:%M")


class RecordForm(StyledForm):
    held_on = forms.DateField(label="日期", widget=DateInput())
    start_time = forms.TimeField(label="开始时间", required=False, widget=TimeInput())
    place = forms.CharField(label="地点", max_length=200, required=False)
    kinds = forms.MultipleChoiceField(
        label="活动类型（可多选，三日合一时一并勾选）",
        choices=ActivityKind.choices,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "请至少选择一种活动类型"},
    )
    group = forms.TypedChoiceField(
        label="党小组（党小组会必选）", required=False, coerce=int, empty_value=None
    )
    host = forms.CharField(label="主持人", max_length=50, required=False)
    speaker_member = forms.TypedChoiceField(
        label="讲课党员（党课）", required=False, coerce=int, empty_value=None
    )
    speaker_name = forms.CharField(label="主讲人", max_length=50, required=False)
    topic = forms.CharField(label="主题", max_length=200, required=False)
    minutes = forms.CharField(
        label="会议记录", required=False, widget=forms.Textarea(attrs={"rows": 6}), max_length=100_000
    )

    def __init__(
        self, *args: Any, groups: Sequence[Organization], roster: Sequence[Member], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.groups = {group.pk: group for group in groups}
        self.roster = list(roster)
        self.members = {member.pk: member for member in self.roster}
        self.fields["group"].choices = [("", "（不是党小组会）"), *((g.pk, g.name) for g in groups)]
        self.fields["speaker_member"].choices = [("", "（不是本支部党员或不是党课）")] + [
            (m.pk, m.name) for m in self.roster
        ]
        self.fields["kinds"].widget.attrs["class"] = "form-check-input"

    @classmethod
    def initial_for(cls, activity: Activity) -> dict[str, Any]:
        return {
            "held_on": activity.held_on,
            "start_time": activity.start_time,
            "place": activity.place,
            "kinds": activity.kinds,
            "group": activity.group_id,
            "host": activity.host,
            "speaker_member": activity.speaker_member_id,
            "speaker_name": activity.speaker_name,
            "topic": activity.topic,
            "minutes": activity.minutes,
        }

    def record_fields(self) -> dict[str, Any]:
        """The cleaned data as the services' keyword arguments (without `kinds`)."""
        data = self.cleaned_data
        return {
            "held_on": data["held_on"],
            "start_time": data.get("start_time"),
            "place": data.get("place", ""),
            "group": self.groups.get(data["group"]) if data.get("group") else None,
            "host": data.get("host", ""),
            "speaker_member": self.members.get(data["speaker_member"])
            if data.get("speaker_member")
            else None,
            "speaker_name": data.get("speaker_name", ""),
            "topic": data.get("topic", ""),
            "minutes": data.get("minutes", ""),
        }


def attendance_initial(activity: Activity | None) -> dict[int, tuple[str, str]]:
    if activity is None:
        return {}
    return {row.member_id: (row.status, row.leave_reason) for row in activity.attendance.all()}


def attendance_from_post(
    data: Mapping[str, Any], members: Sequence[Member]
) -> tuple[list[AttendanceEntry], list[str]]:
    """Attendance as the tap buttons post it: `att_<member id>` is present, leave or absent
    (empty: not recorded), `reason_<member id>` the reason of a leave. Members posted who are
    not on the branch's roster of that day are ignored: the roster is the list shown."""
    entries: list[AttendanceEntry] = []
    errors: list[str] = []
    for member in members:
        status = str(data.get(f"att_{member.pk}", "")).strip()
        if not status:
            continue
        if status not in AttendanceStatus.values:
            errors.append(f"{member.name}：出勤状态应为出席、请假或缺席")
            continue
        reason = str(data.get(f"reason_{member.pk}", "")).strip()
        if status == AttendanceStatus.LEAVE and not reason:
            errors.append(f"{member.name}：请假须填写事由")
        entries.append(AttendanceEntry(member, status, reason[:200]))
    return entries, errors


class CorrectionForm(forms.Form):
    correction_reason = forms.CharField(
        label="更正原因",
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
        error_messages={"required": "请填写更正原因"},
    )


class AttachmentForm(StyledForm):
    kind = forms.ChoiceField(label="附件类型", choices=AttachmentKind.choices)
    file = forms.FileField(
        label="文件（照片或签到表扫描件）",
        error_messages={"required": "请选择要上传的文件", "empty": "上传的文件是空的"},
    )


class PeriodForm(forms.Form):
    """`?year=&quarter=` of the dashboard and the exports; an empty quarter means the year."""

    year = forms.IntegerField(label="年度", min_value=2000, max_value=2100, required=False)
    quarter = forms.TypedChoiceField(
        label="季度",
        choices=[("", "全年"), (1, "第1季度"), (2, "第2季度"), (3, "第3季度"), (4, "第4季度")],
        coerce=int,
        empty_value=None,
        required=False,
    )

    def __init__(self, *args: Any, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.today = today
        style_fields(self)

    def period(self) -> tuple[int, int | None]:
        if not self.is_valid():
            return self.today.year, None
        return self.cleaned_data.get("year") or self.today.year, self.cleaned_data.get("quarter")
