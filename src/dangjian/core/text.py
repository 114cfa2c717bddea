"""Normalising text typed into Excel by hand: full-width characters, stray spaces."""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def to_half_width(value: str) -> str:
    """Full-width ASCII (Ａ１，ｘ) and the ideographic space become their half-width forms.

    Chinese punctuation such as 、and 。has no half-width twin and is left alone."""
    out = []
    for char in value:
        code = ord(char)
        if code == 0x3000:
            out.append(" ")
        elif 0xFF01 <= code <= 0xFF5E:
            out.append(chr(code - 0xFEE0))
        else:
            out.append(char)
    return "".join(out)


def clean_text(value: object) -> str:
    """Trim, convert full-width letters/digits/spaces to half-width, collapse inner spaces."""
    if value is None:
        return ""
    text = unicodedata.normalize("NFC", str(value))
    text = to_half_width(text).replace("\u00a0", " ")
    return _SPACES.sub(" ", text).strip()


def clean_header(value: object) -> str:
    """A header as the importer compares it: no spaces at all, half-width, no trailing `*`."""
    text = clean_text(value).replace(" ", "")
    return text.rstrip("*").strip()
