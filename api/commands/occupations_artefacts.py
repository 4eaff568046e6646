"""``skillbridge occupations build-artefacts``: derive the shipped occupation artefacts from a full
catalogue (the book's definitions and tasks), as :mod:`embeddings.occupation_artefacts` describes.

Exported as :data:`build_artefacts_command`; the ``occupations`` group adds it.
"""

from __future__ import annotations

from pathlib import Path

import click

__all__ = ["build_artefacts_command", "build_seed_command"]


@click.command("build-artefacts")
@click.option(
    "--catalogue",
    "catalogue_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Full occupation catalogue (CSV or XLSX) with definitions and tasks.",
)
@click.option(
    "--out",
    "out_dir",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Artefact directory (default: the shipped data/reference/occupation-artefacts).",
)
@click.option("--model", default=None, help="Encoder for the dense vectors (default: SKILLBRIDGE_MODEL).")
@click.option(
    "--fields",
    default="name,definition,tasks",
    show_default=True,
    help="Catalogue columns of the occupation text, comma-separated, name first.",
)
@click.option("--lexical-only", is_flag=True, help="Term statistics only: no encoder, no dense vectors.")
@click.option(
    "--embedding-cache",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Embedding cache directory to read and fill (default: none).",
)
def build_artefacts_command(
    catalogue_path: Path,
    out_dir: Path | None,
    model: str | None,
    fields: str,
    lexical_only: bool,
    embedding_cache: Path | None,
) -> None:
    """Derive dense vectors and term statistics of every occupation (no sentence of the book)."""
    from api.settings import get_settings
    from data.occupations import read_catalogue
    from data.tabular import ValidationFailed
    from embeddings.occupation_artefacts import SHIPPED_ARTEFACTS, build_artefacts, file_sha256

    chosen = tuple(f.strip() for f in fields.split(",") if f.strip())
    if not chosen or chosen[0] != "name":
        raise click.UsageError("--fields 必须以 name 开头，如 name,definition,tasks")
    try:
        catalogue = read_catalogue(catalogue_path)
    except ValidationFailed as exc:
        raise click.ClickException(str(exc)) from None
    if catalogue["definition"].is_null().all() and catalogue["tasks"].is_null().all():
        raise click.ClickException(f"{catalogue_path}: 目录没有职业定义和主要工作任务，无法生成派生数据")
    encoder = None
    if not lexical_only:
        from embeddings.cache import CachedEncoder, store_name
        from embeddings.encoder import load_encoder

        settings = get_settings()
        base = load_encoder(model or settings.model, settings.model_cache_dir)
        encoder = CachedEncoder(base, embedding_cache / store_name(base.name) if embedding_cache else None)
    target = out_dir or SHIPPED_ARTEFACTS
    manifest = build_artefacts(
        catalogue,
        encoder,
        target,
        source_sha256=file_sha256(catalogue_path),
        source_name=catalogue_path.name,
        fields=chosen,
    )
    if encoder is not None and embedding_cache is not None:
        encoder.flush()
    size = sum(p.stat().st_size for p in target.iterdir())
    click.echo(
        f"{target}: {manifest['count']} 个职业，模型 {manifest['model'] or '无（仅词项统计）'}，"
        f"维度 {manifest['dimension']}，共 {size / 1e6:.1f} MB"
    )


@click.command("build-seed")
@click.option(
    "--out",
    "out_dir",
    default=None,
    type=click.Path(file_okay=False, path_type=Path),
    help="Seed directory (default: the shipped data/reference/encoder-seed/<model>).",
)
@click.option("--model", default=None, help="Encoder (default: SKILLBRIDGE_MODEL).")
def build_seed_command(out_dir: Path | None, model: str | None) -> None:
    """Encode what a new home's occupation recogniser encodes (names, 工种, lexicon titles) and
    write it as the shipped seed (see embeddings.encoder_seed)."""
    import tempfile

    from api.services.recommend.skills import SkillRecogniser
    from api.settings import get_settings
    from data.db.session import connected, upgrade
    from data.lexicon import SHIPPED_LEXICON, lexicon_digest, read_lexicon
    from data.occupations import SHIPPED_CATALOGUE
    from data.reference import load_reference
    from embeddings.cache import store_name
    from embeddings.encoder import load_encoder
    from embeddings.encoder_seed import SHIPPED_SEEDS, RecordingEncoder, write_seed
    from embeddings.occupation_artefacts import file_sha256

    settings = get_settings()
    recorded = RecordingEncoder(load_encoder(model or settings.model, settings.model_cache_dir))
    with tempfile.TemporaryDirectory() as tmp, connected(f"sqlite:///{Path(tmp) / 'seed.db'}") as engine:
        upgrade(engine)
        load_reference(engine)
        # an empty seed directory: every text is encoded (and recorded)
        SkillRecogniser.build(engine, recorded, Path(tmp) / "cache", seeds=Path(tmp) / "no-seed")
    target = out_dir or SHIPPED_SEEDS / store_name(recorded.name)
    digests = {
        "catalogue_sha256": file_sha256(SHIPPED_CATALOGUE),
        "lexicon": lexicon_digest(read_lexicon(SHIPPED_LEXICON)),
    }
    manifest = write_seed(recorded, target, digests=digests)
    size = sum(p.stat().st_size for p in target.iterdir())
    count, name = manifest["count"], manifest["model"]
    click.echo(f"{target}: {count} 条文本的向量，模型 {name}，共 {size / 1e6:.1f} MB")
