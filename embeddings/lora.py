"""The ``e5-small-occ`` model: e5-small with a committed low-rank adapter merged into its weights.

The adapter (``embeddings/adapters/e5-small-occ.npz``, about 2.4 MB) is the output of
:mod:`eval.finetune_occupations`: for each adapted linear layer ``name`` of the
``XLMRobertaModel`` it holds ``{name}.lora_a`` (r, in) and ``{name}.lora_b`` (out, r), the latter
already multiplied by the LoRA scale, both float16. Merging adds ``lora_b @ lora_a`` (computed in
float32) to ``{name}.weight``. The merged model has the architecture, tokenizer, prompts and speed
of e5-small; only the weights of the 12 encoder layers differ.

:func:`build_adapted_model` copies the converted e5-small directory, merges the adapter into its
``model.safetensors`` and publishes the result atomically (:func:`staged_directory`), stamped
with both the base build and the adapter's SHA-256, so a changed adapter rebuilds the model.
Needs numpy and safetensors only, no torch.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np

from embeddings.e5_convert import MARKER, build_e5_model, is_built, staged_directory

__all__ = ["ADAPTER_PATH", "adapted_model_name", "build_adapted_model", "merge_adapter"]

ADAPTER_PATH = Path(__file__).parent / "adapters" / "e5-small-occ.npz"
ADAPTER_MARKER = "skillbridge_adapter.json"


def adapted_model_name(model_dir: Path, name: str = "e5-small-occ") -> str:
    """The encoder name of a built adapted model: ``name@`` + the adapter digest's first 12 hex.

    Embedding caches and stored indexes are keyed by encoder name, so a retrained adapter must
    not share a name with the old one: its vectors would be mixed with the old model's.
    """
    stamp = json.loads((Path(model_dir) / ADAPTER_MARKER).read_text(encoding="utf-8"))
    return f"{name}@{stamp['adapter_sha256'][:12]}"


def merge_adapter(weights: dict[str, np.ndarray], adapter: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Return ``weights`` with every adapted ``{name}.weight`` replaced by ``W + B @ A`` (float32).

    Raises ``ValueError`` naming the layer when the adapter does not fit the weights (a missing
    layer, a shape mismatch, or an ``a`` without its ``b``).
    """
    names = sorted({key.rsplit(".", 1)[0] for key in adapter})
    merged = dict(weights)
    for name in names:
        a_key, b_key, w_key = f"{name}.lora_a", f"{name}.lora_b", f"{name}.weight"
        if a_key not in adapter or b_key not in adapter:
            raise ValueError(f"adapter layer {name!r}: needs both lora_a and lora_b")
        if w_key not in weights:
            raise ValueError(f"adapter layer {name!r}: the model has no weight {w_key!r}")
        a = adapter[a_key].astype(np.float32)
        b = adapter[b_key].astype(np.float32)
        w = weights[w_key]
        if a.ndim != 2 or b.ndim != 2 or (b.shape[0], a.shape[1]) != w.shape or b.shape[1] != a.shape[0]:
            raise ValueError(
                f"adapter layer {name!r}: lora_b {b.shape} @ lora_a {a.shape} does not fit weight {w.shape}"
            )
        merged[w_key] = (w.astype(np.float32) + b @ a).astype(np.float32)
    return merged


def build_adapted_model(cache_dir: Path, adapter: Path = ADAPTER_PATH, name: str = "e5-small-occ") -> Path:
    """Build (once) ``cache_dir/name``: the converted e5-small with ``adapter`` merged. Returns it."""
    from safetensors.numpy import load_file, save_file

    base = build_e5_model(Path(cache_dir) / "e5-small")
    target = Path(cache_dir) / name
    stamp = {
        "base": json.loads((base / MARKER).read_text(encoding="utf-8")),
        "adapter": adapter.name,
        "adapter_sha256": hashlib.sha256(adapter.read_bytes()).hexdigest(),
    }
    if is_built(target, stamp, ADAPTER_MARKER):
        return target
    with np.load(adapter) as npz:
        arrays = {key: npz[key] for key in npz.files}
    with staged_directory(target) as tmp:
        shutil.copytree(
            base, tmp, dirs_exist_ok=True, ignore=shutil.ignore_patterns("model.safetensors", MARKER)
        )
        merged = merge_adapter(load_file(str(base / "model.safetensors")), arrays)
        save_file(merged, str(tmp / "model.safetensors"), metadata={"format": "pt"})
        (tmp / ADAPTER_MARKER).write_text(json.dumps(stamp, indent=2), encoding="utf-8")
    return target
