"""Occupations recognised in a worker's own words: skills ("干过6年电焊") and wishes ("想学架子工").

The profile text is split into clauses; a clause with a wish marker yields wish codes, any other
clause skill codes (a clause that is nothing but "想去学学" turns the clause before it into a
wish). Each clause is matched against the national classification with
:class:`embeddings.occupations.OccupationMatcher` — BM25 over names and 工种, the colloquial title
lexicon (:mod:`data.lexicon`) and the catalogue text, plus the dense signals when a real encoder
is given (its vectors cached on disk) — and yields its best occupation only when that one clearly
beats the runner-up (:func:`embeddings.occupation_decision.decide`): colloquial text is ambiguous,
and a wrong skill would offer jobs the worker cannot do.

The shipped catalogue has no definitions or tasks; for it the text signals come from the derived
artefacts shipped with the product (:mod:`embeddings.occupation_artefacts`). A catalogue imported
with definitions is indexed from its own text.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import polars as pl
from sqlalchemy import select
from sqlalchemy.orm import Session

from data.db.models import Occupation
from embeddings.occupation_decision import Abstention, OccupationDecision, decide
from matcher.types import WorkerProfile

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from embeddings.occupation_artefacts import OccupationArtefacts
    from embeddings.occupations import OccupationMatcher
    from matcher.protocols import Encoder

__all__ = ["SkillRecogniser", "clear_winner", "profile_text", "split_clauses"]

log = logging.getLogger(__name__)

_CLAUSE = re.compile(r"[，,。；;！!？?\n]+")
_WISH = re.compile(r"想学|想做|想干|想当|想去|想考|想从事|希望|打算|准备学|有意|愿意学|感兴趣|听说")
_WISH_ONLY = re.compile(
    r"(也)?(想|打算|准备|希望)(去|来)?(学|试|考|做|干)?(一?学|学学|试试|看看|一下)?(吧|呢|啊)?"
)


def profile_text(w: WorkerProfile) -> str:
    """The worker's own words: skills text and work history."""
    return f"{w.skills_text}。{w.work_history}".strip("。")


def split_clauses(text: str) -> list[tuple[str, bool]]:
    """Clauses of a profile text with a flag for wishes ("想学架子工" → True)."""
    out: list[tuple[str, bool]] = []
    for raw in _CLAUSE.split(text):
        clause = raw.strip()
        if len(clause) < 2:
            continue
        wish = bool(_WISH.search(clause))
        if wish and _WISH_ONLY.fullmatch(clause) and out:
            out[-1] = (out[-1][0], True)
            continue
        out.append((clause, wish))
    return out


def clear_winner(found: Sequence[tuple[str, str, float]], margin: float) -> str | None:
    """The best code when it beats the runner-up by the margin (runner-up < margin × best)."""
    return decide(found, Abstention(margin=margin)).code


@dataclass
class SkillRecogniser:
    matcher: OccupationMatcher
    method: str
    margin: float = 0.7
    #: names what this recogniser reads (catalogue, method, margin): stored codes recognised by
    #: another fingerprint are recomputed
    fingerprint: str = ""

    @classmethod
    def build(
        cls,
        engine: Engine,
        encoder: Encoder | None,
        cache_dir: Path,
        *,
        margin: float = 0.7,
        artefacts_dir: Path | None = None,
        lexicon_path: Path | None = None,
        seeds: Path | None = None,
    ) -> SkillRecogniser:
        """From the occupation catalogue in the database. With ``encoder`` the matcher is hybrid
        (BM25 + dense) and the occupation vectors are cached under ``cache_dir``; without it, BM25.

        ``artefacts_dir`` (default: the shipped artefacts) is read when the catalogue has no
        definitions or tasks; ``lexicon_path`` defaults to the shipped lexicon; ``seeds`` (default:
        the shipped :data:`~embeddings.encoder_seed.SHIPPED_SEEDS`) holds vectors of these texts
        under the bundled model, so a new home need not encode them.
        """
        from data.lexicon import SHIPPED_LEXICON, lexicon_digest, read_lexicon
        from embeddings.cache import CachedEncoder, store_name
        from embeddings.occupations import OccupationMatcher

        with Session(engine) as session:
            rows = session.scalars(select(Occupation).order_by(Occupation.code)).all()
        frame = pl.DataFrame(
            {
                "code": [o.code for o in rows],
                "name": [o.name for o in rows],
                "definition": [o.definition or "" for o in rows],
                "tasks": [o.tasks or "" for o in rows],
                "work_types": [o.work_types or "" for o in rows],
            }
        )
        # one cache per model: switching SKILLBRIDGE_MODEL must not meet the other model's vectors
        cached = CachedEncoder(encoder, cache_dir / store_name(encoder.name)) if encoder is not None else None
        if cached is not None:
            from embeddings.encoder_seed import SHIPPED_SEEDS, apply_seed

            apply_seed(cached, (seeds or SHIPPED_SEEDS) / store_name(cached.name))
        lexicon = read_lexicon(lexicon_path or SHIPPED_LEXICON)
        artefacts = None
        if frame.height and not any(frame["definition"].to_list() + frame["tasks"].to_list()):
            artefacts = _artefacts_for(frame["code"].to_list(), encoder, artefacts_dir)
        matcher = OccupationMatcher.build(
            frame, cached, tokenizer="char", use_work_types=True, artefacts=artefacts, lexicon=lexicon
        )
        if cached is not None:
            cached.flush()
        method = "hybrid" if encoder is not None else "bm25"
        digest = hashlib.sha1(
            f"{method}|{margin}|{encoder.name if encoder else ''}|"
            f"artefacts={matcher.artefacts_digest}|lexicon={lexicon_digest(lexicon)}".encode()
        )
        for row in frame.iter_rows():
            digest.update("\x1f".join(row).encode("utf-8") + b"\x1e")
        return cls(matcher, method, margin, digest.hexdigest()[:16])

    def search(self, text: str, top: int) -> tuple[list[tuple[str, str, float]], OccupationDecision]:
        """The best ``top`` occupations for ``text`` (code, name, score) and the decision the
        recogniser would take on it (abstaining, with the reason, when none clearly wins)."""
        found = self.matcher.match([text], top=max(top, 2), method=self.method)[0]
        return found[:top], decide(found, Abstention(margin=self.margin))

    def recognise(self, texts: Sequence[str]) -> list[tuple[frozenset[str], frozenset[str]]]:
        """(skill codes, wish codes) for each profile text."""
        clauses = [split_clauses(t) for t in texts]
        flat = [c for per in clauses for c, _wish in per]
        found = self.matcher.match(flat, top=2, method=self.method) if flat else []
        out = []
        at = 0
        for per in clauses:
            skills: set[str] = set()
            wishes: set[str] = set()
            for _clause, wish in per:
                code = decide(found[at], Abstention(margin=self.margin)).code
                at += 1
                if code is not None:
                    (wishes if wish else skills).add(code)
            out.append((frozenset(skills), frozenset(wishes)))
        return out


def _artefacts_for(
    codes: list[str], encoder: Encoder | None, directory: Path | None
) -> OccupationArtefacts | None:
    """The derived artefacts for this catalogue and encoder, or None (logged) when they cannot
    serve it: missing, altered, or of other codes. Vectors of another model are dropped (the term
    statistics do not depend on the model)."""
    from embeddings.occupation_artefacts import SHIPPED_ARTEFACTS, ArtefactMismatch, load_artefacts

    where = directory or SHIPPED_ARTEFACTS
    try:
        artefacts = load_artefacts(where)
        if sorted(artefacts.codes) != sorted(codes):
            raise ArtefactMismatch(f"{where}: the artefacts' occupation codes differ from the catalogue's")
    except (FileNotFoundError, ArtefactMismatch) as exc:
        log.warning("occupation artefacts not used: %s", exc)
        return None
    if encoder is not None and artefacts.model != encoder.name:
        log.warning(
            "occupation artefacts hold %s vectors, the encoder is %s: lexical part only",
            artefacts.model,
            encoder.name,
        )
        return artefacts.lexical_only()
    return artefacts
