"""Checks of the words and of the world, for :mod:`eval.explanation_check`: stutters, English
tokens and ASCII punctuation in text a user reads; programme titles, institution names and
funding in the sample world's files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from eval.explanation_world import INTAKE, WorldFacts

__all__ = [
    "ALLOWED_LATIN",
    "EMPLOYER_FUNDED_TYPES",
    "Issue",
    "lint_text",
    "order_issues",
    "programme_issues",
    "world_issues",
]

#: Latin words that are the real names of things Chinese text uses (SYB: the 创业培训 course name)
ALLOWED_LATIN = frozenset({"SYB"})
#: training types an employer pays for by their nature
EMPLOYER_FUNDED_TYPES = frozenset({"企业新型学徒制", "岗前培训"})

_STUTTERS = (
    # a quoted course title that already says it is a course, followed by the word again
    re.compile(r"“[^”]*(?:培训|班|课程|学徒制)”(?:培训|班)"),
    # a word of two or more characters said twice in a row ("代县代县")
    re.compile(r"([\u4e00-\u9fff]{2,})\1"),
    # doubled punctuation
    re.compile(r"([；，。、：])\1"),
)
_LATIN = re.compile(r"[A-Za-z]{2,}")
_ASCII_PUNCT = re.compile(r"[,;:!?()]")


@dataclass(frozen=True, slots=True)
class Issue:
    """One inconsistency: the worker (or "" for the world), the pathway's rank (0 for the list or
    the world), a stable ``code`` and what was found."""

    worker_id: str
    rank: int
    code: str
    detail: str


def lint_text(text: str) -> list[tuple[str, str]]:
    """(code, detail) for each stutter, English token or ASCII punctuation mark in ``text``."""
    out: list[tuple[str, str]] = []
    for pattern in _STUTTERS:
        for m in pattern.finditer(text):
            out.append(("stutter", m.group(0)))
    for m in _LATIN.finditer(text):
        if m.group(0) not in ALLOWED_LATIN:
            out.append(("english_token", m.group(0)))
    for m in _ASCII_PUNCT.finditer(text):
        out.append(("ascii_punctuation", text[max(0, m.start() - 6) : m.end() + 6]))
    return out


def programme_issues(facts: WorldFacts, programme_ids: Iterable[str]) -> list[Issue]:
    """Title, institution name and funding of each programme, held against the world."""
    place = facts.intake_places
    out: list[Issue] = []
    for pid in programme_ids:
        p = facts.programmes[pid]
        m = INTAKE.match(p["title"])
        if m and (int(m.group(1)) != p["start_date"].year or int(m.group(2)) != place[pid]):
            out.append(
                Issue(
                    "",
                    0,
                    "title_intake",
                    f"{pid} “{p['title']}” starts {p['start_date']}, intake {place[pid]}",
                )
            )
        own = p["inst_county"][:4]
        foreign = _foreign_words(facts, p["inst_name"], own)
        if foreign:
            text = f"{pid} {p['inst_name']} in {own}: {'、'.join(sorted(foreign))}"
            out.append(Issue("", 0, "institution_place", text))
        if p["training_type"] in EMPLOYER_FUNDED_TYPES and (not p.get("employer_funded") or p["fee"] > 0):
            funded = "employer-funded" if p.get("employer_funded") else "not employer-funded"
            text = f"{pid} {p['training_type']} is {funded} and charges the worker {p['fee']} 元"
            out.append(Issue("", 0, "funding", text))
    return out


def _foreign_words(facts: WorldFacts, name: str, own: str) -> list[str]:
    """Place words of another city than ``own`` (4-digit code) in ``name``: county and city
    names, and place-bound shop-sign words, after the names of its own city and counties."""
    from data.synth.phrasebook import REGIONAL_BRANDS

    for word in facts.own_names(own):  # what the name says of its own place is fine
        name = name.replace(word, "\u3000")
    places = {**facts.county_short_names(), **{n[:-1]: c for c, n in facts.city_names.items()}}
    found = [w for w, c in places.items() if c != own and w in name]
    found += [b for c, bs in REGIONAL_BRANDS.items() if c != own for b in bs if b in name]
    own_brands = set(REGIONAL_BRANDS.get(own, ()))
    return sorted({w for w in found if w not in own_brands})


def order_issues(facts: WorldFacts, order_ids: Iterable[str]) -> list[Issue]:
    """Each order's employer name, held against the order's city."""
    out = []
    for oid in order_ids:
        o = facts.orders[oid]
        foreign = _foreign_words(facts, o["employer_name"], o["county"][:4])
        if foreign:
            text = f"{oid} {o['employer_name']} in {o['county']}: {'、'.join(foreign)}"
            out.append(Issue("", 0, "employer_place", text))
    return out


def world_issues(facts: WorldFacts) -> list[Issue]:
    """:func:`programme_issues` and :func:`order_issues` for every programme and open order of
    the world."""
    return programme_issues(facts, sorted(facts.programmes)) + order_issues(facts, sorted(facts.orders))
