"""The one place where the text of each entity is built: occupation, worker, programme, order.

Everything that embeds or lexically indexes an entity goes through these functions, so the dense
and the BM25 indexes, the API and the benchmarks all see the same text, and a change of wording is
a change in one place (the embedding cache is keyed by text hash, so it follows automatically).

Free text written by employers and workers is noisy: benefits (五险一金, 包吃住), wages, phone
numbers, head counts and company introductions say nothing about the occupation and, left in,
pull every posting towards the same few catalogue entries. :func:`strip_boilerplate` removes them
before any text is tokenised or embedded; :func:`query_text` is the entry point for a free-text
query (an order's "招聘电焊工数名，有证优先，包吃住，月薪8000" becomes "电焊工，有证").
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from matcher.types import SHORT_LEVEL_NAMES, OrderRecord, ProgrammeRecord, WorkerProfile

__all__ = [
    "clean_task_line",
    "occupation_name_text",
    "occupation_text",
    "order_text",
    "programme_text",
    "query_text",
    "split_tasks",
    "split_work_types",
    "strip_boilerplate",
    "worker_text",
]

OCCUPATION_FIELDS: tuple[str, ...] = ("name", "definition", "tasks")

# Sentences of company introduction are dropped whole; clauses with contact details likewise.
_INTRO_SENTENCE = re.compile(
    r"(本公司|我公司|公司成立|成立于|是一家|集团|总部|注册资[本金]|占地|企业文化|欢迎.{0,4}加入)"
)
_CONTACT_CLAUSE = re.compile(
    r"(联系(人|方式|电话|我们)|有意者|欢迎.{0,4}(加入|来电)|(电话|微信|手机|热线|邮箱)\s*[:：]?\s*[\dA-Za-z])"
)
# Phrases removed wherever they occur (benefits, pay, head counts, recruiting verbs, generic
# requirements). Order matters only in that longer alternatives come first.
_BOILERPLATE = re.compile(
    "|".join(
        [
            r"[五六]险一金|五险|社保|公积金",
            r"包吃包住|包吃住|管吃住|包食宿|提供食宿|免费食宿|吃住全包|包住|包吃|管吃|管住",
            r"双休|单休|做六休一|节假日[^，,。；;]*|带薪年假|年终奖|全勤奖|加班费|有加班|高温补贴",
            r"(月薪|日薪|时薪|底薪|工资|薪资|薪水|待遇|收入)[:：]?\s*(面议|从优|优厚|可观|日结|月结|周结|"
            r"\d[\d.,，kK千万元/月天小时以上左右\-~～至到 ]*)?",
            r"\d[\d.,]*\s*(元|块|k|K|千|万)([/每]?(月|天|日|小时|时))?([\-~～至到]\s*\d[\d.,]*\s*"
            r"(元|块|k|K|千|万)?([/每]?(月|天|日|小时|时))?)?",
            r"1[3-9]\d{9}|\d{3,4}-\d{7,8}",
            # recruiting verbs only where a posting starts a clause ("制订招聘计划" keeps its verb)
            r"(?:^|(?<=[，,。；;！!\s]))(高薪)?(现招聘|长期招聘|诚聘|急招|急聘|招聘|聘请|招工|招收|长期招|现招)",
            r"(若干|数|多|\d+)\s*(名|人|位)|[一二两三四五六七八九十]+名",
            r"年龄\s*\d+\s*[\-~～至到]?\s*\d*\s*岁?(以下|以上|之间)?|\d{2}\s*[\-~～至到]\s*\d{2}\s*岁",
            r"男女不限|限男性|限女性|男性优先|女性优先|身体健康|吃苦耐劳|能吃苦|责任心强|有责任心|服从安排|"
            r"踏实肯干|学历不限|经验不限|无经验可|可培训|长期稳定|工作稳定",
        ]
    )
)
_TASK_NUMBER = re.compile(r"^\s*\d+\s*[.、．)]\s*")
_SENTENCE_SPLIT = re.compile(r"(?<=[。！!？?；;\n])")
_CLAUSE_SPLIT = re.compile(r"(?<=[，,、。！!？?；;\n])")
_SPACES = re.compile(r"\s+")
_EMPTY_PUNCT = re.compile(r"([，,、；;。])\s*(?=[，,、；;。]|$)")


def _field(row: Mapping[str, Any], key: str) -> str:
    value = row.get(key)
    return "" if value is None else str(value).strip()


def split_work_types(cell: str | None) -> list[str]:
    """The 工种 names of one ``work_types`` cell (``|``-separated), stripped, without empties."""
    return [w.strip() for w in (cell or "").split("|") if w.strip()]


def clean_task_line(line: str) -> str:
    """One task line without its leading number ("3.制订工艺;" → "制订工艺")."""
    return _TASK_NUMBER.sub("", line).strip().rstrip("。;；")


def split_tasks(tasks: str | None) -> list[str]:
    """The task lines of one ``tasks`` cell (``;``-separated, numbered), cleaned, without empties."""
    return [t for t in (clean_task_line(p) for p in re.split(r"[;；]", tasks or "")) if t]


def occupation_name_text(row: Mapping[str, Any], *, use_work_types: bool = False) -> str:
    """Short text of an occupation: its name (+ its 工种 names when ``use_work_types``).

    ``row`` is a catalogue row (a mapping with the columns of ``occupations-2022.csv``).
    """
    parts = [_field(row, "name")]
    if use_work_types:
        parts.extend(split_work_types(row.get("work_types")))
    return "，".join(p for p in parts if p)


def occupation_text(
    row: Mapping[str, Any],
    *,
    fields: tuple[str, ...] = OCCUPATION_FIELDS,
    use_work_types: bool = False,
) -> str:
    """Full text of an occupation for indexing: name, then the given fields in order.

    ``fields`` may include "minor_name" (the 小类, a broader sibling group), "definition" and
    "tasks"; task numbering is removed. ``work_types`` (工种 names) is appended only when
    ``use_work_types`` — the benchmark leaves it out so its queries cannot be found verbatim.
    """
    parts: list[str] = []
    for key in fields:
        if key == "tasks":
            lines = split_tasks(row.get("tasks"))
            if lines:
                parts.append("；".join(lines) + "。")
        elif key == "minor_name":
            minor = _field(row, "minor_name")
            if minor and minor != _field(row, "name"):
                parts.append(f"属于{minor}。")
        elif key == "name":
            parts.append(_field(row, "name") + "：")
        else:
            value = _field(row, key)
            if value:
                parts.append(value)
    if use_work_types:
        work_types = split_work_types(row.get("work_types"))
        if work_types:
            parts.append("工种：" + "、".join(work_types) + "。")
    return "".join(parts)


def strip_boilerplate(text: str) -> str:
    """Free text without company introductions, benefits, pay, contacts and head counts.

    Works on whole sentences first (a sentence of company introduction is dropped, as is a
    clause with contact details), then removes boilerplate phrases inside what remains. Returns
    the original text, whitespace-normalised, if stripping would leave nothing.
    """
    text = _SPACES.sub(" ", (text or "").strip())
    kept = [s for s in _SENTENCE_SPLIT.split(text) if s.strip() and not _INTRO_SENTENCE.search(s)]
    clauses = [c for c in _CLAUSE_SPLIT.split("".join(kept)) if not _CONTACT_CLAUSE.search(c)]
    stripped = _BOILERPLATE.sub("", "".join(clauses))
    stripped = _EMPTY_PUNCT.sub("", stripped)
    stripped = re.sub(r"^[，,、；;。\s]+", "", stripped).strip()
    return stripped if re.search(r"[\w\u4e00-\u9fff]", stripped) else text


def query_text(text: str) -> str:
    """A free-text occupation query as it is tokenised and embedded: boilerplate stripped."""
    return strip_boilerplate(text)


def _occupation_label(code: str, names: Mapping[str, str] | None) -> str:
    return (names or {}).get(code, "")


def worker_text(worker: WorkerProfile, occupation_names: Mapping[str, str] | None = None) -> str:
    """Text of a worker profile: skills, work history, certificates and desired occupations.

    Personal data (id, 身份证号, phone, address) never enters the text. ``occupation_names`` maps
    occupation codes to names so that certificates and wishes read as words, not codes.
    """
    parts = [strip_boilerplate(worker.skills_text), strip_boilerplate(worker.work_history)]
    for cert in worker.certificates:
        label = _occupation_label(cert.occupation_code, occupation_names)
        if label:
            parts.append(f"持有{label}{SHORT_LEVEL_NAMES.get(cert.level, '')}证书")
    desired = [_occupation_label(c, occupation_names) for c in worker.desired_occupations]
    if any(desired):
        parts.append("想从事" + "、".join(d for d in desired if d))
    return "。".join(p for p in parts if p)


def programme_text(programme: ProgrammeRecord, occupation_names: Mapping[str, str] | None = None) -> str:
    """Text of a training programme: title, occupation (+ 工种), level, type and description."""
    parts = [programme.title]
    label = _occupation_label(programme.occupation_code, occupation_names)
    if label:
        parts.append(label)
    if programme.work_type:
        parts.append(programme.work_type)
    parts.append(f"{SHORT_LEVEL_NAMES.get(programme.level, '')}{programme.training_type}")
    if programme.certificate:
        parts.append(f"颁发{programme.certificate}")
    if programme.description:
        parts.append(strip_boilerplate(programme.description))
    return "。".join(p for p in parts if p)


def order_text(order: OrderRecord, occupation_names: Mapping[str, str] | None = None) -> str:
    """Text of an employer order: occupation (+ 工种), level, required skills and description.

    Boilerplate (benefits, pay, company introduction) is stripped: wage and place are structured
    fields scored separately, and in text they would make every order look alike.
    """
    parts: list[str] = []
    label = _occupation_label(order.occupation_code, occupation_names)
    if label:
        parts.append(label)
    if order.work_type:
        parts.append(order.work_type)
    if order.required_level is not None:
        parts.append(f"要求{SHORT_LEVEL_NAMES.get(order.required_level, '')}")
    if order.requires_certificate:
        parts.append("需持证")
    for free in (order.required_skills, order.description):
        cleaned = strip_boilerplate(free)
        if cleaned:
            parts.append(cleaned)
    return "。".join(p for p in parts if p)
