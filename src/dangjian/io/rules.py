"""The columns of the two import files (`import-formats.md`) and how each cell is read.

Every parser takes the raw cell and returns the stored value or raises CellError with a
Chinese message; nothing is guessed."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from dangjian.core.dates import DateParseError, parse_date
from dangjian.core.idnumber import IdNumber, IdNumberError, parse_id_number
from dangjian.core.phone import PhoneError, parse_phone
from dangjian.core.text import clean_header, clean_text
from dangjian.members.choices import EDUCATION_ALIASES, ETHNIC_GROUPS, Category, Education, Sex
from dangjian.orgs.choices import OrgKind, Sector
from dangjian.orgs.rules import TERM_YEARS_ALLOWED


class CellError(ValueError):
    """A cell that cannot be read; the message says what is wrong, in Chinese."""


@dataclass(frozen=True)
class ColumnSpec:
    field: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False

    @property
    def accepted(self) -> tuple[str, ...]:
        return (self.header, *self.aliases)


ORG_COLUMNS = (
    ColumnSpec("code", "组织代码", ("党组织代码", "组织编码"), required=True),
    ColumnSpec("name", "组织名称", ("党组织名称", "名称"), required=True),
    ColumnSpec("parent_code", "上级组织代码", ("上级党组织代码",)),
    ColumnSpec("kind", "组织类别", ("党组织类别",), required=True),
    ColumnSpec("sector", "单位属性", ("所在单位属性", "领域"), required=True),
    ColumnSpec("established_on", "成立日期"),
    ColumnSpec("term_started_on", "本届任期开始", ("换届日期",)),
    ColumnSpec("term_years", "任期年限"),
)

MEMBER_COLUMNS = (
    ColumnSpec("name", "姓名", required=True),
    ColumnSpec("sex", "性别"),
    ColumnSpec("ethnicity", "民族"),
    ColumnSpec("id_number", "公民身份号码", ("身份证号", "身份证号码"), required=True),
    ColumnSpec("birth_date", "出生日期"),
    ColumnSpec("education", "学历"),
    ColumnSpec("category", "人员类别", ("党员类别",), required=True),
    ColumnSpec("org_code", "所在党组织代码", ("所在党支部代码",)),
    ColumnSpec("org_name", "所在党组织", ("所在党支部",)),
    ColumnSpec("joined_on", "入党日期", required=True),
    ColumnSpec("converted_on", "转正日期"),
    ColumnSpec("phone", "联系电话", ("手机号码",)),
    ColumnSpec("job", "工作岗位"),
    ColumnSpec("address", "家庭住址"),
)
# At least one of these two identifies the member's organization.
MEMBER_ORG_FIELDS = ("org_code", "org_name")


def header_map(columns: tuple[ColumnSpec, ...]) -> dict[str, str]:
    return {clean_header(text): spec.field for spec in columns for text in spec.accepted}


def spec_for(columns: tuple[ColumnSpec, ...], field_name: str) -> ColumnSpec:
    return next(spec for spec in columns if spec.field == field_name)


def display(value: Any) -> str:
    """A cell as the user typed it, for the `value` of a reported problem."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def text(value: Any, max_length: int | None = None) -> str:
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a number cell such as a house number or a code typed as digits
    result = clean_text(value)
    if max_length is not None and len(result) > max_length:
        raise CellError(f"过长：最多{max_length}个字，实际{len(result)}个字")
    return result


def date_value(value: Any) -> tuple[dt.date | None, bool]:
    """(date, known only to the month)."""
    try:
        parsed = parse_date(value)
    except DateParseError as exc:
        raise CellError(str(exc)) from exc
    if parsed is None:
        return None, False
    return parsed.value, parsed.month_precision


def choice(value: Any, labels: dict[str, str], what: str) -> str:
    """The stored value for a Chinese label; also accepts the stored value itself."""
    label = text(value).replace(" ", "")
    if label in labels:
        return labels[label]
    if label in labels.values():
        return label
    raise CellError(f"不是有效的{what}，可选：{'、'.join(labels)}")


# --- organizations -------------------------------------------------------------------------

ORG_CODE = re.compile(r"^[A-Za-z0-9]{1,32}$")
KIND_LABELS = {label: value for value, label in OrgKind.choices}
SECTOR_LABELS = {label: value for value, label in Sector.choices}


def org_code(value: Any) -> str:
    code = text(value).replace(" ", "")
    if not ORG_CODE.match(code):
        raise CellError("组织代码应为1至32位字母或数字")
    return code


def term_years(value: Any) -> int | None:
    raw = text(value).removesuffix("年")
    if not raw:
        return None
    try:
        years = float(raw)
    except ValueError:
        years = 0.0
    if years not in TERM_YEARS_ALLOWED:
        raise CellError("任期年限应为3或5")
    return int(years)


# --- members -------------------------------------------------------------------------------

SEX_LABELS = {label: value for value, label in Sex.choices}
CATEGORY_LABELS = {label: value for value, label in Category.choices}
EDUCATION_LABELS = {label: value for value, label in Education.choices} | {
    alias: dict((label, value) for value, label in Education.choices)[target]
    for alias, target in EDUCATION_ALIASES.items()
}


def sex(value: Any) -> str:
    return choice(value, SEX_LABELS, "性别") if text(value) else ""


def ethnicity(value: Any) -> str:
    name = text(value).replace(" ", "")
    if not name:
        return ""
    if name in ETHNIC_GROUPS:
        return name
    # Rosters often drop the 族: 汉 is 汉族, 蒙古 is 蒙古族.
    if f"{name}族" in ETHNIC_GROUPS:
        return f"{name}族"
    raise CellError("不是56个民族之一（如“汉族”“彝族”）")


def education(value: Any) -> str:
    return choice(value, EDUCATION_LABELS, "学历") if text(value) else ""


def category(value: Any) -> str:
    return choice(value, CATEGORY_LABELS, "人员类别")


def id_number(value: Any, today: dt.date) -> IdNumber:
    try:
        return parse_id_number(value, today=today)
    except IdNumberError as exc:
        raise CellError(f"公民身份号码有误：{exc}") from exc


def phone(value: Any) -> str:
    try:
        return parse_phone(value)
    except PhoneError as exc:
        raise CellError(str(exc)) from exc
