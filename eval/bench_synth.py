"""Benchmark of the synthetic-world generator: wall time and peak memory of generating and
writing a world to Parquet.

    python -m eval.bench_synth --workers 1000000 [--runs 1] [--out DIR] [--json FILE]

Each run happens in a fresh child process so that its peak RSS (``resource.getrusage``,
``ru_maxrss`` of the child) is the run's own, not the benchmark driver's.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import platform
import resource
import shutil
import tempfile
import time
from pathlib import Path


def _one_run(workers: int, seed: int, out: str, queue: mp.Queue) -> None:  # type: ignore[type-arg]
    from data.synth import SynthConfig, write_world

    start = time.perf_counter()
    paths = write_world(SynthConfig(workers=workers, seed=seed), out)
    wall = time.perf_counter() - start
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    sizes = {name: p.stat().st_size for name, p in paths.items()}
    queue.put({"wall_s": round(wall, 2), "peak_rss_mib": round(rss_kib / 1024, 1), "bytes": sizes})


def run(workers: int, seed: int, runs: int, out: Path | None) -> dict:
    """Run the benchmark ``runs`` times; returns the settings and each run's figures."""
    ctx = mp.get_context("spawn")
    results = []
    for i in range(runs):
        target = out or Path(tempfile.mkdtemp(prefix="bench_synth_"))
        queue: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
        proc = ctx.Process(target=_one_run, args=(workers, seed, str(target), queue))
        proc.start()
        result = queue.get()
        proc.join()
        result["run"] = i + 1
        results.append(result)
        print(f"run {i + 1}: {result['wall_s']} s, peak RSS {result['peak_rss_mib']} MiB", flush=True)
        if out is None:
            shutil.rmtree(target, ignore_errors=True)
    return {
        "workers": workers,
        "seed": seed,
        "machine": {
            "python": platform.python_version(),
            "cpu_count": mp.cpu_count(),
            "platform": platform.platform(),
        },
        "runs": results,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=20240204)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument(
        "--out", type=Path, default=None, help="keep the files here (default: a temp dir, removed)"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures as JSON")
    args = parser.parse_args(argv)
    report = run(args.workers, args.seed, args.runs, args.out)
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
