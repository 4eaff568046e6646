"""A linear query adapter on frozen embeddings: the cheapest form of domain fine-tuning.

``q' = normalise(q + q·W)`` with ``W`` (d, d) trained by softmax cross-entropy over *all*
catalogue documents (the catalogue is small enough for a full softmax), with an L2 penalty that
keeps ``W`` near zero, i.e. the adapted space near e5's own. Only query vectors change, so the
catalogue index needs no re-encoding. It is fitted on a training half of a benchmark's queries
and reported on the other half (:func:`eval.occupation_tasks.split_half`); whether it transfers
to other query styles is measured on the realistic set.
"""

from __future__ import annotations

import numpy as np

__all__ = ["apply_adapter", "fit_query_adapter"]


def fit_query_adapter(
    queries: np.ndarray,
    positives: np.ndarray,
    documents: np.ndarray,
    *,
    temperature: float = 0.02,
    l2: float = 1e-2,
    epochs: int = 400,
    lr: float = 1e-3,
    seed: int = 0,
) -> np.ndarray:
    """Fit W (d, d) float32 from queries (m, d), their gold document rows (m,) int, documents (n, d)."""
    import torch

    torch.manual_seed(seed)
    q = torch.as_tensor(np.asarray(queries, dtype=np.float32))
    d = torch.as_tensor(np.asarray(documents, dtype=np.float32))
    y = torch.as_tensor(np.asarray(positives, dtype=np.int64))
    weight = torch.zeros((q.shape[1], q.shape[1]), requires_grad=True)
    optimiser = torch.optim.Adam([weight], lr=lr)
    for _ in range(epochs):
        adapted = q + q @ weight
        adapted = adapted / adapted.norm(dim=1, keepdim=True)
        loss = torch.nn.functional.cross_entropy(adapted @ d.T / temperature, y) + l2 * (weight**2).sum()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    return weight.detach().numpy().astype(np.float32)


def apply_adapter(queries: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """(q, d) float32 query vectors → adapted, L2-normalised (q, d) float32."""
    adapted = queries + queries @ weight
    return (adapted / np.linalg.norm(adapted, axis=1, keepdims=True)).astype(np.float32)
