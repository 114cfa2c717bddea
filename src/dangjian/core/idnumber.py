"""公民身份号码 per GB 11643-1999: check digit, the 15-digit upgrade, what the number encodes,
and masking for display."""

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone

from .text import clean_text

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# Provinces, autonomous regions, municipalities, and Taiwan/Hong Kong/Macao (GB/T 2260).
PROVINCE_CODES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)
_EIGHTEEN = re.compile(r"^\d{17}[\dX]$")
_FIFTEEN = re.compile(r"^\d{15}$")
MASK = "********"


class IdNumberError(ValueError):
    """Not a valid number; the message, in Chinese, says why."""


@dataclass(frozen=True)
class IdNumber:
    value: str
    upgraded_from_15: bool = False

    @property
    def birth_date(self) -> dt.date:
        return dt.date(int(self.value[6:10]), int(self.value[10:12]), int(self.value[12:14]))

    @property
    def sex(self) -> str:
        """'M' or 'F': the 17th digit is odd for men, even for women."""
        return "M" if int(self.value[16]) % 2 else "F"


def check_char(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def upgrade_15(old: str) -> str:
    """A first-generation 15-digit number (born 19xx, no check digit) as its 18-digit form."""
    first17 = old[:6] + "19" + old[6:]
    return first17 + check_char(first17)


def _birth_date(value: str) -> dt.date:
    try:
        return dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise IdNumberError("号码中的出生日期不存在") from exc


def parse_id_number(raw: object, today: dt.date | None = None) -> IdNumber:
    """Validate and normalise a number typed by a person (spaces, a lower-case x, 15 digits)."""
    text = clean_text(raw).replace(" ", "").upper()
    if isinstance(raw, float) and raw.is_integer():
        text = str(int(raw))  # a number cell that Excel widened to a float
    if not text:
        raise IdNumberError("不能为空")
    upgraded = False
    if _FIFTEEN.match(text):
        text, upgraded = upgrade_15(text), True
    elif not _EIGHTEEN.match(text):
        if len(text) not in (15, 18):
            raise IdNumberError(f"应为18位（或旧版15位），实际{len(text)}位")
        raise IdNumberError("含有无效字符：前17位应为数字，最后一位为数字或X")
    if text[:2] not in PROVINCE_CODES:
        raise IdNumberError(f"前两位地区代码“{text[:2]}”不是有效的省级代码")
    birth = _birth_date(text)
    today = today or timezone.localdate()
    if birth > today or birth.year < 1900:
        raise IdNumberError(f"号码中的出生日期{birth:%Y-%m-%d}不合理")
    expected = check_char(text[:17])
    if text[17] != expected:
        raise IdNumberError(f"校验码错误：最后一位应为“{expected}”")
    return IdNumber(text, upgraded_from_15=upgraded)


def is_valid_id_number(raw: object) -> bool:
    try:
        parse_id_number(raw)
    except IdNumberError:
        return False
    return True


def mask_id_number(value: str | None) -> str:
    """`532927********203X`: region and the last four stay, the birth date is hidden."""
    if not value:
        return ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def build_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """A valid number for a region code, birth date and 3-digit sequence (odd: man, even: woman).

    For the demo generator and tests; the numbers are well formed, not anyone's."""
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_char(first17)
