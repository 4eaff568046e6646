"""Where the core meets the outside. ``embeddings/`` implements these; tests use small fakes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np


class Encoder(Protocol):
    """Turns texts into L2-normalised vectors in the shared space."""

    name: str
    dimension: int

    def encode(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        """``kind`` is "query" or "passage" (e5 prompts). Returns (n, dimension) float32, L2-normalised."""
        ...


class VectorIndex(Protocol):
    """Inner-product search over stored vectors with string ids."""

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """queries (q, d) float32 → (ids (q, k) object/str array, scores (q, k) float32), best first;
        missing slots have id "" and score -inf."""
        ...


class Tokenizer(Protocol):
    def cut(self, text: str) -> list[str]:
        """Tokens of ``text`` for lexical retrieval."""
        ...
