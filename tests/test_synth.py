"""The synthetic world: deterministic, valid against the product's reference data and loader
rules, realistic in its proportions, and loadable on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select

from data import personal
from data.db.models import Certificate, Institution, Order, Programme, SubsidyClaim, Worker
from data.db.session import session_factory
from data.occupations import shipped_catalogue
from data.regions import regions_frame
from data.synth import FILES, SynthConfig, generate, make_context, write_world
from data.synth.phrasebook import UNLAWFUL
from data.tabular import ValidationFailed
from matcher.compliance import unlawful_requirements
from matcher.types import EDUCATION_ORDER, GROUPS, INSTITUTION_KINDS, TRAINING_TYPES

REF = dt.date(2026, 12, 1)
CONFIG = SynthConfig(workers=3000, seed=7, chunk_size=1000)  # three chunks: ids must stay unique across them


@pytest.fixture(scope="module")
def world() -> dict[str, pl.DataFrame]:
    return generate(CONFIG)


@pytest.fixture(scope="module")
def codes() -> set[str]:
    return set(shipped_catalogue()["code"])


@pytest.fixture(scope="module")
def regions() -> pl.DataFrame:
    return regions_frame()


def _split_codes(series: pl.Series) -> set[str]:
    return {part.split(":")[0] for value in series.drop_nulls() for part in value.split("|")}


# --- determinism -------------------------------------------------------------------------------


def test_same_seed_gives_same_frames_and_another_seed_differs() -> None:
    small = SynthConfig(workers=400, seed=11, chunk_size=150)
    first, second = generate(small), generate(small)
    for stem in FILES:
        assert first[stem].equals(second[stem]), stem
    other = generate(SynthConfig(workers=400, seed=12, chunk_size=150))
    assert not other["workers"].equals(first["workers"])


def test_same_seed_gives_byte_identical_parquet(tmp_path: Path) -> None:
    config = SynthConfig(workers=300, seed=3, chunk_size=120)
    a = write_world(config, tmp_path / "a")
    b = write_world(config, tmp_path / "b")
    assert sorted(p.name for p in a.values()) == sorted(f"{s}.parquet" for s in FILES)
    for stem in FILES:
        assert a[stem].read_bytes() == b[stem].read_bytes(), stem
    assert pl.read_parquet(a["workers"]).height == 300


def test_world_without_workers_still_writes_every_file(tmp_path: Path) -> None:
    paths = write_world(SynthConfig(workers=0, seed=1), tmp_path)
    assert pl.read_parquet(paths["workers"]).height == 0
    assert pl.read_parquet(paths["programmes"]).height > 0


# --- validity ------------------------------------------------------------------------------------


def test_id_numbers_are_valid_unique_and_consistent(world: dict[str, pl.DataFrame]) -> None:
    w = world["workers"]
    assert w["id"].n_unique() == w.height == CONFIG.workers
    assert w["id_number"].n_unique() == w.height
    for idn, home, year, gender in w.select("id_number", "home_adcode", "birth_year", "gender").iter_rows():
        assert personal.id_number_problem(idn) is None, idn
        assert idn[:6] == home
        assert personal.id_birth_year(idn) == year
        assert personal.id_gender(idn) == gender
    assert w["phone"].str.contains(r"^1(3|5|7|8|9)\d{9}$").all()


def test_every_occupation_code_is_real(world: dict[str, pl.DataFrame], codes: set[str]) -> None:
    w, t = world["workers"], world["workers_truth"]
    used = set(world["programmes"]["occupation_code"]) | set(world["orders"]["occupation_code"])
    used |= _split_codes(w["desired_occupations"]) | _split_codes(w["certificates"])
    used |= _split_codes(w["claimed_subsidies"])
    used |= set(t["skill_codes"].explode().drop_nulls()) | set(t["interest_codes"].explode().drop_nulls())
    assert used and used <= codes


def test_every_place_is_in_shanxi(world: dict[str, pl.DataFrame], regions: pl.DataFrame) -> None:
    counties = set(regions.filter(pl.col("level") == "county")["adcode"])
    cities = set(regions.filter(pl.col("level") == "city")["adcode"])
    for stem in ("institutions", "programmes", "orders"):
        assert set(world[stem]["county"]) <= counties, stem
        assert (
            world[stem]["lat"].is_between(34.0, 41.0).all()
            and world[stem]["lon"].is_between(110.0, 115.0).all()
        )
    w = world["workers"]
    assert set(w["home_adcode"]) <= counties and set(w["current_adcode"]) <= counties
    assert set(world["institutions"]["county"].str.slice(0, 4)) == {c[:4] for c in cities}  # all 11 cities
    city_rows = w.filter(pl.col("desired_place") == "city")
    assert set(city_rows["desired_city"]) <= cities
    assert (
        w.filter(pl.col("desired_place") != "city")["desired_city"].null_count()
        == w.height - city_rows.height
    )


def test_programmes_are_consistent(world: dict[str, pl.DataFrame]) -> None:
    p = world["programmes"]
    assert (p["end_date"] >= p["start_date"]).all()
    assert (p["seats_left"] <= p["seats"]).all() and (p["seats_left"] >= 0).all()
    assert p["start_date"].is_between(REF, REF + dt.timedelta(days=190)).all()
    assert set(p["training_type"]) == set(TRAINING_TYPES)
    assert set(p["level"]) <= {0, 2, 3, 4, 5} and p["level"].is_in([5, 4, 3]).mean() > 0.6
    assert set(p["institution_id"]) <= set(world["institutions"]["id"])
    assert (p["max_age"].fill_null(99) >= p["min_age"]).all()
    assert p["min_education"].drop_nulls().is_in(EDUCATION_ORDER).all()
    assert (p["fee"] >= 0).all() and 0.15 < (p["fee"] == 0).mean() < 0.6


def test_institutions_cover_every_kind_with_a_few_abnormal(world: dict[str, pl.DataFrame]) -> None:
    inst = world["institutions"]
    assert set(inst["kind"]) == set(INSTITUTION_KINDS)
    assert inst["name"].n_unique() == inst.height
    abnormal = inst.filter((pl.col("completion_rate") > 0.98) & (pl.col("certification_rate") > 0.96))
    assert 1 <= abnormal.height <= inst.height * 0.15


def test_orders_are_consistent_and_rarely_unlawful(
    world: dict[str, pl.DataFrame], regions: pl.DataFrame
) -> None:
    o, p = world["orders"], world["programmes"]
    assert set(regions.filter(pl.col("level") == "county")["adcode"]) <= set(
        o["county"]
    )  # one near every home
    assert (o["wage_max"] >= o["wage_min"]).all() and o["wage_min"].is_between(2000, 20000).all()
    linked = o.filter(pl.col("programme_id").is_not_null()).join(
        p.select("id", "end_date", "occupation_code"), left_on="programme_id", right_on="id"
    )
    assert linked.height > 0
    assert (linked["end_date"] < linked["start_date"]).all()
    assert (linked["occupation_code"] == linked["occupation_code_right"]).all()
    texts = [f"{a} {b}" for a, b in o.select("required_skills", "description").iter_rows()]
    planted = [any(u in t for u in UNLAWFUL) for t in texts]
    flagged = [bool(unlawful_requirements(t)) for t in texts]
    assert flagged == planted  # boilerplate never trips the compliance check by accident
    assert 0 < sum(planted) <= 0.04 * len(texts)


def test_claims_are_certified_and_never_duplicate(world: dict[str, pl.DataFrame]) -> None:
    for certs, claims in world["workers"].select("certificates", "claimed_subsidies").iter_rows():
        cert_set = set((certs or "").split("|")) - {""}
        claim_list = [c for c in (claims or "").split("|") if c]
        assert set(claim_list) <= cert_set
        assert len(claim_list) == len(set(claim_list))
        for part in cert_set:
            _, level, year = part.split(":")
            assert 0 <= int(level) <= 5 and 2010 <= int(year) <= REF.year


# --- realism -------------------------------------------------------------------------------------


def test_proportions_are_plausible(world: dict[str, pl.DataFrame]) -> None:
    w = world["workers"]
    share = lambda expr: w.select(expr.fill_null(False).cast(pl.Float64).mean()).item()  # noqa: E731
    assert 0.55 < share(pl.col("gender") == "男") < 0.72
    assert 0.4 < share(pl.col("education") == "初中") < 0.6
    assert 0.05 < share(pl.col("groups").str.contains("脱贫劳动力")) < 0.25
    assert 0.35 < share(pl.col("groups").str.contains("农村转移劳动力")) < 0.7
    assert 0.8 < share(pl.col("consent_share")) < 0.95
    assert 0.08 < share(pl.col("certificates").is_not_null()) < 0.35
    assert 0.4 < share(pl.col("desired_occupations").is_null()) < 0.85
    assert 0.03 < share(pl.col("entrepreneurship")) < 0.2
    assert 0.9 < share(pl.col("skills_text") != "") <= 1.0
    assert set(w["groups"].drop_nulls().str.split("|").explode()) <= set(GROUPS)
    ages = REF.year - w["birth_year"]
    assert ages.min() >= 16 and ages.max() <= 64 and 35 < ages.mean() < 48


def test_truth_is_richer_than_the_profile(world: dict[str, pl.DataFrame]) -> None:
    w, t = world["workers"], world["workers_truth"]
    assert t["id"].equals(w["id"])
    disclosure = t["skill_disclosure"].explode().drop_nulls()
    assert set(disclosure) == {"named", "colloquial", "history", "hidden"}
    assert 0.08 < (disclosure == "hidden").mean() < 0.25
    interests = t["interest_disclosure"].explode().drop_nulls()
    assert 0.2 < (interests == "hidden").mean() < 0.5
    # Listed interests are exactly the ones a worker wrote down (plus, sometimes, their own trade).
    joined = w.select("id", "desired_occupations").join(t, on="id")
    for desired, codes_, how in joined.select(
        "desired_occupations", "interest_codes", "interest_disclosure"
    ).iter_rows():
        listed = {c for c, h in zip(codes_, how, strict=True) if h == "listed"}
        assert listed <= set((desired or "").split("|"))
    # People state round, larger reaches than they really travel.
    local = joined.filter(pl.col("true_place") == "local").join(
        w.select("id", "max_commute_km", "desired_place"), on="id"
    )
    local = local.filter(pl.col("desired_place") == "local")
    assert (local["max_commute_km"] >= local["true_max_km"]).mean() > 0.9
    assert t["earliest_start"].min() >= REF


def test_people_talk_colloquially(world: dict[str, pl.DataFrame]) -> None:
    text = " ".join(world["workers"]["skills_text"].to_list())
    for phrase in ("瓦工", "照顾过瘫痪的老人", "没啥手艺，能吃苦", "会开三轮车", "想学"):
        assert phrase in text, phrase


# --- loading ------------------------------------------------------------------------------------


def _count(engine: Engine, model: type) -> int:
    with session_factory(engine)() as s:
        return s.scalar(select(func.count()).select_from(model)) or 0


def test_small_world_loads_through_the_loader(engine: Engine) -> None:
    from data.loaders import ORDER, load_frame
    from data.reference import load_reference

    frames = generate(SynthConfig(workers=150, seed=5, institutions=12, programmes=60, orders=130))
    load_reference(engine)
    for kind in ORDER:
        load_frame(engine, kind, frames[kind], source=f"synth:{kind}", secret_key="test-secret")
    assert _count(engine, Institution) == 12
    assert _count(engine, Programme) == 60
    assert _count(engine, Order) == frames["orders"].height
    assert _count(engine, Worker) == 150
    w = frames["workers"]
    assert _count(engine, Certificate) == sum(len(c.split("|")) for c in w["certificates"].drop_nulls())
    assert _count(engine, SubsidyClaim) == sum(len(c.split("|")) for c in w["claimed_subsidies"].drop_nulls())


# --- command line -------------------------------------------------------------------------------


def test_cli_writes_the_files(tmp_path: Path) -> None:
    from api.cli import main

    result = CliRunner().invoke(
        main, ["data", "synth", "--workers", "120", "--seed", "9", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    for stem in FILES:
        assert (tmp_path / f"{stem}.parquet").exists()
    assert pl.read_parquet(tmp_path / "workers.parquet").height == 120


def test_context_uses_the_products_reference_data() -> None:
    ctx = make_context(SynthConfig(workers=1))
    assert ctx.geo.size == regions_frame().filter(pl.col("level") == "county").height
    assert len(ctx.geo.cities) == 11


# --- Shanxi-consistent names, titles and funding (issue 16) ------------------------------------


def test_numbered_titles_name_their_start_year_and_intake(world: dict[str, pl.DataFrame]) -> None:
    p = world["programmes"].with_columns(
        pl.col("title").str.extract(r"^(\d{4})年第(\d+)期", 1).cast(pl.Int32).alias("year"),
        pl.col("title").str.extract(r"^(\d{4})年第(\d+)期", 2).cast(pl.Int32).alias("intake"),
        pl.col("title").str.replace(r"^\d{4}年第\d+期", "").alias("base"),
    )
    numbered = p.filter(pl.col("year").is_not_null())
    assert 0.1 < numbered.height / p.height < 0.5
    assert (numbered["year"] == numbered["start_date"].dt.year()).all()
    for (_inst, _base, _year), group in numbered.group_by(["institution_id", "base", "year"]):
        ordered = group.sort(["start_date", "id"])
        assert ordered["intake"].to_list() == list(range(1, ordered.height + 1))
    # a numbered course's other intakes of the same year are numbered too
    same = p.join(numbered.select("institution_id", "base", "year"), on=["institution_id", "base"])
    assert same.filter(pl.col("start_date").dt.year() == pl.col("year_right"))["year"].null_count() == 0


def _foreign_place_words(name: str, city: str, regions: pl.DataFrame) -> list[str]:
    """Names of other cities' counties and cities inside ``name`` (4-digit ``city``), after the
    names of its own city and counties are taken out."""
    from data.synth.phrasebook import REGIONAL_BRANDS

    rows = regions.filter(pl.col("level").is_in(["city", "county"]))
    for own in sorted(rows.filter(pl.col("adcode").str.starts_with(city))["name"], key=len, reverse=True):
        name = name.replace(own, "　")
    found = []
    for code, place in rows.select("adcode", "name").iter_rows():
        stem = place[:-1] if len(place) > 2 else place
        if not code.startswith(city) and stem in name:
            found.append(stem)
    found += [b for c, bs in REGIONAL_BRANDS.items() if c != city for b in bs if b in name]
    return [w for w in found if w not in REGIONAL_BRANDS.get(city, ())]


def test_institution_and_employer_names_fit_their_city(
    world: dict[str, pl.DataFrame], regions: pl.DataFrame
) -> None:
    inst = world["institutions"]
    for name, county in inst.select("name", "county").iter_rows():
        assert _foreign_place_words(name, county[:4], regions) == [], name
    for name, county in world["orders"].select("employer_name", "county").iter_rows():
        assert _foreign_place_words(name, county[:4], regions) == [], name
    # the check would catch the example: a 太原 district's name in 运城市平陆县
    assert _foreign_place_words("山西晋源职业技术学院", "1408", regions) == ["晋源", "晋源"]
    # and place-bound words of their own city do appear
    assert inst["name"].str.contains("龙城|晋源|并州|河东|吕梁山|云冈|上党").any()


def test_employer_training_is_paid_by_the_employer(world: dict[str, pl.DataFrame]) -> None:
    p = world["programmes"]
    employer = p.filter(pl.col("training_type").is_in(["企业新型学徒制", "岗前培训"]))
    assert employer.height > 0
    assert employer["employer_funded"].all() and (employer["fee"] == 0).all()
    assert not p.filter(~pl.col("training_type").is_in(["企业新型学徒制", "岗前培训"]))[
        "employer_funded"
    ].any()


def test_an_employer_funded_course_that_charges_is_refused_by_the_loader(engine: Engine) -> None:
    from data.loaders import load_frame
    from data.reference import load_reference

    frames = generate(SynthConfig(workers=0, seed=5, institutions=12, programmes=30, orders=130))
    load_reference(engine)
    load_frame(engine, "institutions", frames["institutions"], source="t", secret_key="s")
    bad = frames["programmes"].with_columns(
        pl.when(pl.col("id") == "P000003")
        .then(True)
        .otherwise(pl.col("employer_funded"))
        .alias("employer_funded"),
        pl.when(pl.col("id") == "P000003").then(900).otherwise(pl.col("fee")).alias("fee"),
    )
    with pytest.raises(ValidationFailed) as info:
        load_frame(engine, "programmes", bad, source="t", secret_key="s")
    assert "用人单位出资的培训个人不交费，费用应为0元，实为900元" in str(info.value)
    assert _count(engine, Programme) == 0
