import datetime as dt
import io
from typing import Any

import pytest

from dangjian.core.testing.world import new_id_number
from dangjian.io.services import members_import, organizations_import

from . import files

MEMBER_HEADERS = [
    "姓名",
    "性别",
    "民族",
    "公民身份号码",
    "出生日期",
    "学历",
    "人员类别",
    "所在党组织代码",
    "入党日期",
    "转正日期",
    "联系电话",
]
ORG_HEADERS = [
    "组织代码",
    "组织名称",
    "上级组织代码",
    "组织类别",
    "单位属性",
    "成立日期",
    "本届任期开始",
    "任期年限",
]
BIRTH = dt.date(1985, 3, 12)


def member_row(**overrides: Any) -> dict[str, Any]:
    """A valid member of branch TA01; override any header's value."""
    row: dict[str, Any] = {
        "姓名": "陈志强",
        "性别": "男",
        "民族": "汉族",
        "公民身份号码": new_id_number(BIRTH, "M"),
        "出生日期": BIRTH.isoformat(),
        "学历": "大学本科",
        "人员类别": "正式党员",
        "所在党组织代码": "TA01",
        "入党日期": "2010-07-01",
        "转正日期": "2011-07-01",
        "联系电话": "13812345678",
    }
    row.update(overrides)
    return row


def org_row(**overrides: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "组织代码": "TA03",
        "组织名称": "甲镇南村党支部",
        "上级组织代码": "TA",
        "组织类别": "党支部",
        "单位属性": "农村",
        "成立日期": "2001-07-01",
        "本届任期开始": "2024-03-01",
        "任期年限": "5",
    }
    row.update(overrides)
    return row


def grid(records: list[dict[str, Any]], headers: list[str] | None = None) -> list[list[Any]]:
    headers = headers or list(records[0]) if records else headers or []
    return [headers, *[[record.get(h, "") for h in headers] for record in records]]


def run_members(records, *, actor=None, fmt="book.xlsx", headers=None, **kwargs):
    data = files.BUILDERS[fmt](grid(records, headers or MEMBER_HEADERS))
    return members_import(actor=actor, stream=io.BytesIO(data), filename=fmt, **kwargs)


def run_orgs(records, *, actor=None, fmt="book.xlsx", headers=None, **kwargs):
    data = files.BUILDERS[fmt](grid(records, headers or ORG_HEADERS))
    return organizations_import(actor=actor, stream=io.BytesIO(data), filename=fmt, **kwargs)


@pytest.fixture
def township_a_admin(world):
    return world.users["township_a_admin"]
