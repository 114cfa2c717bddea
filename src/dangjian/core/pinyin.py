"""Search keys that let a clerk find 张建国 by typing `zhangjianguo`, `jianguo` or `zjg`."""

from functools import lru_cache
from itertools import product

from pypinyin import lazy_pinyin

# Surnames whose everyday reading differs from the character's most common one.
SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "区": "ou",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "盖": "ge",
    "乐": "yue",
    "尉": "yu",
    "繁": "po",
    "覃": "qin",
    "缪": "miao",
    "员": "yun",
    "种": "chong",
    "召": "shao",
    "翟": "zhai",
    "祭": "zhai",
    "秘": "bi",
    "卜": "bu",
    "宁": "ning",
    "华": "hua",
    "折": "she",
    "车": "che",
}


def _readings(name: str) -> list[list[str]]:
    syllables = lazy_pinyin(name, errors=lambda chars: list(chars.lower()))
    options: list[list[str]] = []
    for index, syllable in enumerate(syllables):
        choices = [syllable]
        if index == 0 and name[:1] in SURNAME_READINGS and SURNAME_READINGS[name[0]] != syllable:
            choices.insert(0, SURNAME_READINGS[name[0]])
        if "v" in syllable:  # ü: people type both lv and lu
            choices.append(syllable.replace("v", "u"))
        options.append(choices)
    return options


# Rosters repeat names (and imports re-read them); pypinyin's lookup is the costly part.
@lru_cache(maxsize=65536)
def search_keys(name: str) -> tuple[str, str]:
    """(full pinyin, initials), each a space-separated list of the plausible readings."""
    name = name.replace(" ", "").replace("·", "")
    combos = list(product(*_readings(name)))[:8]
    full = dict.fromkeys("".join(combo) for combo in combos)
    initials = dict.fromkeys("".join(syllable[0] for syllable in combo if syllable) for combo in combos)
    return " ".join(full), " ".join(initials)
