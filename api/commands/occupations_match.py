"""``skillbridge occupations match``: map free-text lines to ranked national occupation codes.

Exported as :data:`match_command`; the ``occupations`` group in ``api/commands/occupations.py``
adds it. The command is a thin shell over :class:`embeddings.occupations.OccupationMatcher`, the
same service the HTTP API uses.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

__all__ = ["match_command", "read_catalogue_file"]


def read_catalogue_file(path: Path):  # type: ignore[no-untyped-def]  # -> polars.DataFrame
    """A catalogue frame from CSV or XLSX, through the product's validating reader when present."""
    try:
        from data.occupations import read_catalogue
    except ImportError:  # the reader belongs to another area; a plain CSV read keeps this usable
        import polars as pl

        return pl.read_csv(path, infer_schema_length=0)
    return read_catalogue(path)


def _load_encoder(name: str, method: str):  # type: ignore[no-untyped-def]  # -> Encoder | None
    if method == "bm25":
        return None  # lexical only: never load a model that would not be used
    from api.settings import get_settings
    from embeddings.encoder import load_encoder

    return load_encoder(name, get_settings().model_cache_dir)


@click.command("match")
@click.option(
    "--catalogue",
    "catalogue_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Occupation catalogue (CSV or XLSX) with the columns of occupations-2022.csv.",
)
@click.option(
    "--input",
    "input_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="UTF-8 text file, one query per line (blank lines are skipped).",
)
@click.option("--top", default=10, show_default=True, type=click.IntRange(1, 1000), help="Results per query.")
@click.option(
    "--method",
    default="hybrid",
    show_default=True,
    type=click.Choice(["dense", "bm25", "hybrid"]),
    help="dense (encoder), bm25 (char n-gram BM25) or hybrid (both, fused).",
)
@click.option(
    "--use-work-types/--no-use-work-types",
    default=False,
    show_default=True,
    help="Also index the catalogue's 工种 names (work_types column).",
)
@click.option(
    "--model",
    default=None,
    help="Encoder: e5-small, use-v3, hash or a model directory (default: SKILLBRIDGE_MODEL).",
)
@click.option(
    "--lexicon/--no-lexicon",
    default=True,
    show_default=True,
    help="Also match the shipped colloquial title lexicon (data/reference/occupation_lexicon.csv).",
)
@click.option(
    "--artefacts",
    "artefacts_dir",
    default=None,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Derived artefacts standing in for definitions and tasks when the catalogue has none "
    "(default: the shipped ones).",
)
@click.option(
    "--out",
    "out_path",
    required=True,
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Output JSONL: one {query, results: [{code, name, score}]} per query.",
)
def match_command(
    catalogue_path: Path,
    input_path: Path,
    top: int,
    method: str,
    use_work_types: bool,
    model: str | None,
    lexicon: bool,
    artefacts_dir: Path | None,
    out_path: Path,
) -> None:
    """Match free-text queries (one per line) to national occupation codes."""
    from embeddings.occupations import OccupationMatcher

    queries = [
        line.strip() for line in input_path.read_text(encoding="utf-8-sig").splitlines() if line.strip()
    ]
    catalogue = read_catalogue_file(catalogue_path)
    if model is None:
        from api.settings import get_settings

        model = get_settings().model
    encoder = _load_encoder(model, method)
    artefacts = None
    if catalogue["definition"].is_null().all() and catalogue["tasks"].is_null().all():
        from embeddings.occupation_artefacts import SHIPPED_ARTEFACTS, ArtefactMismatch, load_artefacts

        try:
            artefacts = load_artefacts(artefacts_dir or SHIPPED_ARTEFACTS)
            if encoder is not None and artefacts.model != encoder.name:
                artefacts = artefacts.lexical_only()
        except ArtefactMismatch as exc:
            raise click.ClickException(f"派生数据不可用: {exc}") from None
    words = None
    if lexicon:
        from data.lexicon import shipped_lexicon

        words = shipped_lexicon()
    if artefacts is not None and sorted(artefacts.codes) != sorted(catalogue["code"].unique()):
        click.echo("提示：派生数据的职业编码与该目录不同，未使用派生数据（仅用名称与工种）", err=True)
        artefacts = None
    matcher = OccupationMatcher.build(
        catalogue, encoder, use_work_types=use_work_types, artefacts=artefacts, lexicon=words
    )
    results = matcher.match(queries, top=top, method=method) if queries else []
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", encoding="utf-8") as out:
        for query, found in zip(queries, results, strict=True):
            record = {
                "query": query,
                "results": [{"code": code, "name": name, "score": score} for code, name, score in found],
            }
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    click.echo(f"{len(queries)} queries matched against {len(matcher)} occupations ({method}) → {out_path}")
