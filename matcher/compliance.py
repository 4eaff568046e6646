"""Unlawful requirements in employer postings (gender, ethnicity, and the like).

Such requirements are flagged for the counselor and the employer, and never applied: no worker
is ever excluded or ranked down because of them (就业促进法 第三章 公平就业).
"""

from __future__ import annotations

import re

_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "性别限制",
        re.compile(
            r"(限|仅限|只招|只要|要求|需|男性优先|女性优先|不招|不要)\s*(男|女)|(男|女)性?\s*(优先|为主|即可|限定)"
        ),
    ),
    ("民族限制", re.compile(r"(限|仅限|只招|只要|要求|不招|不要)\s*[\u4e00-\u9fff]{0,3}族|汉族|少数民族")),
    ("婚育限制", re.compile(r"(未婚|已婚已育|未育|不得怀孕)")),
    ("地域歧视", re.compile(r"(不招|不要|谢绝)\s*[\u4e00-\u9fff]{1,4}人")),
)


def unlawful_requirements(text: str) -> tuple[str, ...]:
    """Names of the unlawful requirement kinds found in a posting's text, sorted; () if none."""
    if not text:
        return ()
    return tuple(sorted({name for name, pattern in _RULES if pattern.search(text)}))
