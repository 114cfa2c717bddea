"""联系电话: a mainland mobile number or a landline with its area code."""

import re

from .text import clean_text

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Mainland area codes: three digits for Beijing (010) and the 02x cities, four for all others
# (0 then 3-9). Spelling that out is what makes "01012345678" split as 010-12345678.
_LANDLINE = re.compile(r"^(010|02\d|0[3-9]\d{2})-?(\d{7,8})(?:-(\d{1,6}))?$")


class PhoneError(ValueError):
    pass


def parse_phone(raw: object) -> str:
    """The normalised number ('13812345678' or '0871-1234567'), '' for empty, or PhoneError."""
    if isinstance(raw, float) and raw.is_integer():
        raw = str(int(raw))
    text = clean_text(raw)
    if not text:
        return ""
    compact = re.sub(r"[\s()（）]", "", text)
    if compact.startswith("+86"):
        compact = compact[3:]
    elif compact.startswith("0086"):
        compact = compact[4:]
    mobile = compact.replace("-", "")
    if _MOBILE.match(mobile):
        return mobile
    if match := _LANDLINE.match(compact):
        area, number, extension = match.groups()
        return f"{area}-{number}" + (f"-{extension}" if extension else "")
    raise PhoneError("应为11位手机号（1开头，第二位3–9）或带区号的固定电话（如 0871-1234567）")


def mask_phone(value: str | None) -> str:
    """'138****5678': the audit trail and other logs keep enough to recognise a number, not dial it."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
