"""Bulk path: the converted e5-small as one int8 ONNX graph run by onnxruntime.

``build_e5_onnx(e5_dir, target_dir)`` exports the converted model (see
:mod:`embeddings.e5_convert`) with mean pooling and L2 normalisation inside the graph, fuses the
BERT subgraphs with onnxruntime's transformer optimizer, then quantises the matrix weights to
int8 with dynamic (per-batch) activation scales. ``OnnxEncoder`` feeds it the very same
``tokenizer.json`` as the default encoder, sorts texts by length to minimise padding, and
returns what the default encoder returns, at a small quality cost measured in
``eval/bench_encoder.py`` (cosine to the float model ≈ 0.99).

Needs the ``onnx`` package at build time (export and quantisation); loading and encoding need
only ``onnxruntime`` and ``tokenizers``. Inputs are truncated at 512 tokens, as by default.
"""

from __future__ import annotations

import json
import os
import shutil
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.e5_convert import MARKER, MAX_SEQ_LENGTH, PROMPTS, is_built, staged_directory

__all__ = ["OnnxEncoder", "build_e5_onnx"]

ONNX_FILE = "model-int8.onnx"
ONNX_MARKER = "skillbridge_onnx.json"
ONNX_VERSION = 1


def build_e5_onnx(e5_dir: Path, target_dir: Path) -> Path:
    """Write ``target_dir`` (int8 ONNX graph + tokenizer) from a built e5 directory; idempotent.

    Built in a temporary sibling and renamed into place. Takes ~50 s on 2 cores (~140 s under load).
    """
    e5_dir, target_dir = Path(e5_dir), Path(target_dir)
    stamp = {
        "onnx_version": ONNX_VERSION,
        "source": json.loads((e5_dir / MARKER).read_text(encoding="utf-8")),
    }
    if is_built(target_dir, stamp, ONNX_MARKER):
        return target_dir
    if not is_built(e5_dir):
        raise FileNotFoundError(f"{e5_dir} is not a built e5 model; run build_e5_model first")
    with staged_directory(target_dir) as tmp:
        fp32 = tmp / "model-fp32.onnx"
        _export(e5_dir, fp32)
        optimised = tmp / "model-opt.onnx"
        _optimise(fp32, optimised)
        _quantise(optimised, tmp / ONNX_FILE)
        for path in (fp32, optimised):
            path.unlink()
        shutil.copy(e5_dir / "tokenizer.json", tmp / "tokenizer.json")
        (tmp / ONNX_MARKER).write_text(json.dumps(stamp, indent=2), encoding="utf-8")
    return target_dir


def _export(e5_dir: Path, out: Path) -> None:
    import torch
    from transformers import AutoModel

    class Embed(torch.nn.Module):
        """input_ids, attention_mask (b, s) int64 → (b, 384) float32 unit rows."""

        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            hidden = self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, dim=-1)

    model = AutoModel.from_pretrained(str(e5_dir), add_pooling_layer=False, local_files_only=True).eval()
    ids = torch.tensor([[0, 46692, 12, 6376, 5053, 2], [0, 46692, 12, 6376, 2, 1]])
    with warnings.catch_warnings(), torch.inference_mode():
        warnings.simplefilter("ignore")  # tracer warnings about python control flow in HF code
        torch.onnx.export(
            Embed(model),
            (ids, (ids != 1).long()),
            str(out),
            input_names=["input_ids", "attention_mask"],
            output_names=["sentence_embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}},
            opset_version=17,
            dynamo=False,
        )


def _optimise(src: Path, out: Path) -> None:
    from onnxruntime.transformers.optimizer import optimize_model

    # Fuses attention, LayerNorm and GELU into single kernels: fewer, larger ops on CPU.
    optimize_model(str(src), model_type="bert", num_heads=12, hidden_size=384).save_model_to_file(str(out))


def _quantise(src: Path, out: Path) -> None:
    import logging

    from onnx import TensorProto
    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # the quantiser logs advice at WARNING on the root
    # Fused ops live in the com.microsoft domain, which ONNX shape inference cannot type.
    quantize_dynamic(
        str(src),
        str(out),
        weight_type=QuantType.QInt8,
        extra_options={"DefaultTensorType": TensorProto.FLOAT},
    )


class OnnxEncoder:
    """``Encoder`` over the int8 graph; (n, 384) float32, L2-normalised, e5 prompts."""

    dimension = 384

    def __init__(self, model_dir: Path, name: str = "e5-small-int8", batch_size: int = 64) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        self.name = name
        self.batch_size = batch_size
        options = ort.SessionOptions()
        options.intra_op_num_threads = os.cpu_count() or 1
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self._session = ort.InferenceSession(
            str(Path(model_dir) / ONNX_FILE), options, providers=["CPUExecutionProvider"]
        )
        self._tokenizer = Tokenizer.from_file(str(Path(model_dir) / "tokenizer.json"))
        self._tokenizer.enable_truncation(MAX_SEQ_LENGTH)

    def encode(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        """``texts`` (n strings) → (n, 384) float32, L2-normalised."""
        if kind not in PROMPTS:
            raise ValueError(f"kind must be 'query' or 'passage', not {kind!r}")
        out = np.zeros((len(texts), self.dimension), np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch([PROMPTS[kind] + t for t in texts])
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")  # similar lengths share a batch
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.full((len(rows), width), 1, np.int64)  # 1 = <pad>
            mask = np.zeros((len(rows), width), np.int64)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n] = encodings[i].ids
                mask[r, :n] = 1
            out[rows] = self._session.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        return out
