"""Normalising text typed into Excel by hand: full-width characters, stray spaces."""

import functools
import re
import unicodedata

_SPACES = re.compile(r"\s+")


# Full-width ASCII (U+FF01..U+FF5E) sits 0xFEE0 above its half-width form.
_HALF_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def to_half_width(value: str) -> str:
    """Full-width ASCII (Ａ１，ｘ) and the ideographic space become their half-width forms.

    Chinese punctuation such as 、and 。has no half-width twin and is left alone."""
    return value.translate(_HALF_WIDTH)


def clean_text(value: object) -> str:
    """Trim, convert full-width letters/digits/spaces to half-width, collapse inner spaces."""
    if value is None:
        return ""
    return _clean_str(value if isinstance(value, str) else str(value))


# An import cleans 14 cells a row, and most columns repeat a few values (sex, ethnicity,
# category, organization): cleaned once each. Bounded, so unique names and addresses only churn it.
@functools.lru_cache(maxsize=65536)
def _clean_str(text: str) -> str:
    if not text.isascii():  # plain ASCII (most codes, numbers, dates) needs no Unicode work
        text = to_half_width(unicodedata.normalize("NFC", text)).replace("\u00a0", " ")
    return _SPACES.sub(" ", text).strip()


def clean_header(value: object) -> str:
    """A header as the importer compares it: no spaces at all, half-width, no trailing `*`."""
    text = clean_text(value).replace(" ", "")
    return text.rstrip("*").strip()
