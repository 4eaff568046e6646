"""Is a worker profile usable for matching? An empty or placeholder profile gets a request for
more information, never a score (DESIGN.md §7: "no score from empty or broken input")."""

from __future__ import annotations

import re

from matcher.types import WorkerProfile

__all__ = ["NEEDS_PROFILE_MESSAGE", "has_usable_skills_text", "is_profile_usable"]

NEEDS_PROFILE_MESSAGE = "请补充技能和求职意向"

# Placeholder answers that carry no information about skills.
_PLACEHOLDERS = frozenset(
    {
        "无",
        "暂无",
        "没有",
        "不详",
        "不清楚",
        "不知道",
        "未知",
        "空",
        "na",
        "n/a",
        "none",
        "null",
        "待定",
        "其他",
    }
)
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def has_usable_skills_text(text: str) -> bool:
    """At least two letters/CJK characters that are not a placeholder such as "无" or "暂无"."""
    cleaned = _PUNCT.sub("", text or "").lower()
    if len(cleaned) < 2:
        return False
    return cleaned not in _PLACEHOLDERS


def is_profile_usable(worker: WorkerProfile) -> bool:
    """Usable when the skills text or work history says something, or the worker named desired
    occupations, or holds a certificate (a registered skill)."""
    return (
        has_usable_skills_text(worker.skills_text)
        or has_usable_skills_text(worker.work_history)
        or any(code.strip() for code in worker.desired_occupations)
        or bool(worker.certificates)
    )
