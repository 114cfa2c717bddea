"""Reads of the audit trail and the access log, and their wording in Chinese for people.

Both logs are scoped by the `audit` action: an auditor reads the records of the organizations
under the grant, nothing else."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Model, QuerySet

from .models import AccessLog, AuditEvent
from .restrict import Everything, scope_prefixes

ACTION_LABELS = {
    "organization.create": "新建党组织",
    "organization.update": "修改党组织信息",
    "organization.rename": "党组织更名",
    "organization.move": "调整上级组织",
    "organization.dissolve": "撤销党组织",
    "member.create": "新增党员",
    "member.update": "修改党员信息",
    "member.transfer": "组织关系转接",
    "member.convert": "预备党员转正",
    "member.died": "党员去世",
    "member.left": "党员出党",
    "member.transferred_out": "转出至系统外",
    "member.role_assign": "任职",
    "member.role_end": "离任",
    "grant.create": "授权",
    "grant.revoke": "撤销授权",
    "user.create": "新建用户",
    "user.disable": "停用用户",
    "user.password_set": "管理员重设密码",
    "user.password_change": "修改密码",
    "user.unlock": "解除登录锁定",
    "otp.enrol": "启用动态口令",
    "otp.enrol_failed": "启用动态口令失败",
    "otp.reset": "重置动态口令",
    "auth.otp_verified": "动态口令验证通过",
    "auth.otp_failed": "动态口令验证失败",
    "auth.login": "登录",
    "auth.login_failed": "登录失败",
    "auth.lockout": "登录锁定",
    "auth.logout": "退出登录",
}
OBJECT_TYPE_LABELS = {
    "organization": "党组织",
    "member": "党员",
    "grant": "授权",
    "user": "用户",
    "memberrole": "党内职务",
}
# Keys of before/after that are not model fields (services add them for the history).
EXTRA_LABELS = {
    "parent": "上级组织",
    "on": "日期",
    "from": "转出组织",
    "reason": "原因",
    "counterpart": "对方党组织",
    "note": "说明",
    "role": "职务",
    "started_on": "任职日期",
    "ended_on": "离任日期",
    "user": "用户",
}


@functools.cache
def _model_vocabulary(object_type: str) -> tuple[dict[str, str], dict[str, dict[Any, str]]]:
    """Chinese labels and choice names of the fields of the model an audit row is about
    (`name` is 姓名 on a member and 组织名称 on an organization)."""
    from dangjian.members.models import Member, MemberRole
    from dangjian.orgs.models import Organization

    by_type: dict[str, type[Model]] = {
        "organization": Organization,
        "member": Member,
        "memberrole": MemberRole,
    }
    ordered = [by_type[object_type]] if object_type in by_type else []
    ordered += [model for model in by_type.values() if model not in ordered]
    labels: dict[str, str] = {}
    choices: dict[str, dict[Any, str]] = {}
    for model in ordered:
        for field in model._meta.get_fields():
            verbose = getattr(field, "verbose_name", None)
            if verbose and field.name not in labels:
                labels[field.name] = str(verbose)
            field_choices = getattr(field, "choices", None)
            if field_choices and field.name not in choices:
                choices[field.name] = {value: str(label) for value, label in field_choices}
    labels.update(EXTRA_LABELS)
    return labels, choices


@dataclass(frozen=True)
class Change:
    label: str
    before: str
    after: str


def _display(choices: Mapping[Any, str] | None, value: Any) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        return "、".join(str(item) for item in value)
    if choices and value in choices:
        return choices[value]
    return str(value)


def describe_changes(
    before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, object_type: str = ""
) -> list[Change]:
    """Each key of an audit row as (Chinese label, old value, new value); keys empty on both
    sides (blank fields of a new record) say nothing and are left out."""
    labels, choices = _model_vocabulary(object_type)
    before, after = before or {}, after or {}
    changes = []
    for key in dict.fromkeys([*after.keys(), *before.keys()]):
        old = _display(choices.get(key), before.get(key))
        new = _display(choices.get(key), after.get(key))
        if old or new:
            changes.append(Change(labels.get(key, key), old, new))
    return changes


def describe_events(events: Iterable[AuditEvent]) -> list[AuditEvent]:
    """The events with `action_label` and `changes` set for the templates."""
    out = []
    for event in events:
        event.action_label = ACTION_LABELS.get(event.action, event.action)  # type: ignore[attr-defined]
        event.object_type_label = OBJECT_TYPE_LABELS.get(event.object_type, event.object_type)  # type: ignore[attr-defined]
        event.changes = describe_changes(event.before, event.after, event.object_type)  # type: ignore[attr-defined]
        out.append(event)
    return out


def can_audit(user: Any) -> bool:
    return holds_anywhere(user, "audit")


def holds_anywhere(user: Any, action: str) -> bool:
    prefixes = scope_prefixes(user, action)
    return isinstance(prefixes, Everything) or bool(prefixes)


def audit_events(user: Any) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.restrict(user, "audit").select_related("organization")


def access_logs(user: Any) -> QuerySet[AccessLog]:
    return AccessLog.objects.restrict(user, "audit").select_related("organization")
