"""Ranking weights per city from TOML: ``data/ranking/default.toml`` overlaid with
``data/ranking/<city>.toml`` when it exists. Errors name the file and the key."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from matcher.features import FEATURES
from matcher.scoring import KINDS, RankingWeights

__all__ = ["RANKING_DIR", "RankingConfigError", "load_ranking_weights"]

RANKING_DIR = Path(__file__).resolve().parent / "ranking"

# TOML section -> {key: RankingWeights field}
_SECTIONS: dict[str, dict[str, str]] = {
    "weights": {f: f for f in FEATURES},
    "kind_bonus": {k: k for k in KINDS},
    "scales": {
        "distance_km": "distance_scale_km",
        "timing_days": "timing_scale_days",
        "cost_yuan": "cost_scale_yuan",
        "allowance_yuan": "allowance_scale_yuan",
        "priority_cap": "priority_cap",
    },
    "thresholds": {
        "train_min_semantic": "train_min_semantic",
        "train_semantic_top": "train_semantic_top",
        "gap_free_days": "gap_free_days",
        "gap_full_days": "gap_full_days",
    },
    "subsidised_first": {"groups": "priority_groups", "within": "subsidised_within"},
}


_INTEGER_FIELDS = frozenset({"train_semantic_top", "subsidised_within"})
#: keys whose value is a list of names rather than a number
_LIST_FIELDS = frozenset({"priority_groups"})


class RankingConfigError(ValueError):
    """A ranking configuration file is missing, malformed or holds an invalid value."""


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise RankingConfigError(f"{path}: not valid TOML: {exc}") from exc


def _check(path: Path, doc: dict[str, Any]) -> None:
    for section, body in doc.items():
        if section not in _SECTIONS:
            raise RankingConfigError(f"{path}: unknown section [{section}]; known: {sorted(_SECTIONS)}")
        if not isinstance(body, dict):
            raise RankingConfigError(f"{path}: [{section}] must be a table")
        for key, value in body.items():
            if key not in _SECTIONS[section]:
                raise RankingConfigError(
                    f"{path}: unknown key {section}.{key}; known: {sorted(_SECTIONS[section])}"
                )
            if _SECTIONS[section][key] in _LIST_FIELDS:
                if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
                    raise RankingConfigError(
                        f"{path}: {section}.{key} must be a list of names, got {value!r}"
                    )
            elif isinstance(value, bool) or not isinstance(value, int | float):
                raise RankingConfigError(f"{path}: {section}.{key} must be a number, got {value!r}")


def load_ranking_weights(city_code: str | None = None, directory: Path | None = None) -> RankingWeights:
    """Weights for ``city_code`` (e.g. "1401"): the defaults with the city's overrides applied.

    A city without its own file gets the defaults. Raises :class:`RankingConfigError`.
    """
    root = directory or RANKING_DIR
    default = root / "default.toml"
    if not default.is_file():
        raise RankingConfigError(f"{default}: ranking defaults not found")
    merged: dict[str, dict[str, Any]] = {s: {} for s in _SECTIONS}
    sources = [default]
    city_file = root / f"{city_code}.toml" if city_code else None
    if city_file is not None and city_file.is_file():
        sources.append(city_file)
    for path in sources:
        doc = _read(path)
        _check(path, doc)
        for section, body in doc.items():
            merged[section].update(body)
    kwargs: dict[str, Any] = {}
    for section, mapping in _SECTIONS.items():
        for key, field_name in mapping.items():
            if key in merged[section] and section != "kind_bonus":
                value = merged[section][key]
                if field_name in _LIST_FIELDS:
                    kwargs[field_name] = frozenset(value)
                elif field_name in _INTEGER_FIELDS:
                    kwargs[field_name] = value
                else:
                    kwargs[field_name] = float(value)
    kwargs["kind_bonus"] = {k: float(v) for k, v in merged["kind_bonus"].items()}
    source = " + ".join(str(p.name) for p in sources)
    try:
        return RankingWeights(**kwargs, source=f"ranking config {source}")
    except ValueError as exc:
        raise RankingConfigError(str(exc)) from exc
