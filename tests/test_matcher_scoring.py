"""Unit tests: each feature, the weights and their configuration files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from data.ranking_config import RankingConfigError, load_ranking_weights
from matcher.features import (
    FEATURES,
    allowance_value,
    distance_value,
    net_cost_value,
    occupation_value,
    occupation_values,
    priority_value,
    semantic_value,
    timing_value,
    wage_value,
)
from matcher.scoring import RankingWeights, contributions, score_matrix


def test_semantic_clips_to_unit_interval():
    assert semantic_value(np.array([-0.3, 0.4, 1.2])).tolist() == [0.0, 0.4, 1.0]


def test_occupation_match_levels():
    known = ["6-29-01-01", "4-01-02-02"]
    assert occupation_value("6-29-01-01", known) == 1.0
    assert occupation_value("6-29-01-03", known) == 0.6  # same minor group
    assert occupation_value("6-29-02-01", known) == 0.3  # same middle group
    assert occupation_value("2-01-01-00", known) == 0.0
    assert occupation_value("6-29-01-01", []) == 0.0
    assert occupation_values(["6-29-01-03", "2-01-01-00"], known).tolist() == [0.6, 0.0]


def test_distance_prefers_home():
    v = distance_value(np.array([0.0, 10.0, 30.0]), 10.0)
    assert v.tolist() == pytest.approx([1.0, 0.5, 0.25])


def test_timing_decays_and_ignores_negative():
    assert float(timing_value(0, 30)) == 1.0
    assert float(timing_value(30, 30)) == pytest.approx(math.exp(-1))
    assert float(timing_value(-5, 30)) == 1.0


def test_wage_uplift():
    assert float(wage_value(6000, 8000, 5000)) == pytest.approx(0.4)
    assert float(wage_value(3000, 3000, 6000)) == pytest.approx(-0.5)
    assert float(wage_value(6000, 8000, None)) == 0.0
    assert float(wage_value(60000, 80000, 1000)) == 1.0


def test_net_cost_is_a_penalty():
    assert float(net_cost_value(0, 2000)) == 0.0
    assert float(net_cost_value(1000, 2000)) == -0.5
    assert float(net_cost_value(9000, 2000)) == -1.0


def test_allowance_and_priority():
    assert float(allowance_value(500, 1000)) == 0.5
    assert float(allowance_value(5000, 1000)) == 1.0
    assert float(priority_value(2, 4)) == 0.5
    assert float(priority_value(-1, 4)) == 0.0


def test_contributions_sum_to_score():
    w = RankingWeights()
    row = np.linspace(0.1, 0.9, len(FEATURES))
    c = contributions(row, w, "train_then_job")
    assert set(c) == {*FEATURES, "kind_bonus"}
    assert sum(c.values()) == pytest.approx(float(score_matrix(row[None, :], w, "train_then_job")[0]))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(semantic=-1.0), "must be ≥ 0"),
        (dict(distance=float("nan")), "finite"),
        (dict(kind_bonus={"jobs": 1.0}), "unknown pathway kind"),
        (dict(distance_scale_km=0.0), "positive"),
        (dict(train_min_semantic=2.0), "train_min_semantic"),
        (dict(gap_free_days=30.0, gap_full_days=30.0), "gap_free_days < gap_full_days"),
        (dict(subsidised_within=-1), "subsidised_within must be an integer"),
        (dict(priority_groups="脱贫劳动力"), "priority_groups must be a list"),
    ],
)
def test_weights_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        RankingWeights(**kwargs)


def test_shipped_configs_load():
    default = load_ranking_weights(None)
    assert default == load_ranking_weights("9999")  # a city without a file gets the defaults
    taiyuan = load_ranking_weights("1401")
    assert taiyuan.distance != default.distance
    assert taiyuan.semantic == default.semantic
    assert "1401.toml" in taiyuan.source
    load_ranking_weights("1411")


def _write(tmp: Path, city: str, text: str) -> Path:
    (tmp / "default.toml").write_text((Path(__file__).parents[1] / "data/ranking/default.toml").read_text())
    (tmp / f"{city}.toml").write_text(text, encoding="utf-8")
    return tmp


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[weights]\nsemantc = 1.0\n", r"unknown key weights\.semantc"),
        ("[weight]\nsemantic = 1.0\n", r"unknown section \[weight\]"),
        ("[weights]\nsemantic = -0.5\n", "must be ≥ 0"),
        ("[weights]\nsemantic = 'high'\n", "must be a number"),
        ("[weights\n", "not valid TOML"),
        ("[scales]\ndistance_km = 0\n", "positive"),
        ("[subsidised_first]\ngroups = '脱贫劳动力'\n", r"subsidised_first\.groups must be a list of names"),
        ("[subsidised_first]\nwithin = 2.5\n", "subsidised_within must be an integer"),
        ("[thresholds]\ngap_full_days = 7\n", "gap_free_days < gap_full_days"),
    ],
)
def test_config_errors_name_file_and_key(tmp_path, text, message):
    _write(tmp_path, "1499", text)
    with pytest.raises(RankingConfigError, match=message) as info:
        load_ranking_weights("1499", tmp_path)
    assert "1499.toml" in str(info.value)


def test_missing_defaults_is_an_error(tmp_path):
    with pytest.raises(RankingConfigError, match="defaults not found"):
        load_ranking_weights("1401", tmp_path)


def test_built_in_defaults_equal_the_shipped_default_file():
    import dataclasses

    shipped = load_ranking_weights(None)
    assert dataclasses.replace(shipped, source=RankingWeights().source) == RankingWeights()


def test_gap_penalty_is_free_then_linear_then_full():
    from matcher.features import gap_value

    assert gap_value(np.array([0, 14, 67, 120, 400]), 14, 120).tolist() == [0.0, 0.0, -0.5, -1.0, -1.0]


def test_a_city_sets_its_own_gap_thresholds_and_priority_rule(tmp_path):
    _write(
        tmp_path,
        "1499",
        "[thresholds]\ngap_free_days = 30\ngap_full_days = 60\n"
        "[weights]\ngap = 0.8\n"
        '[subsidised_first]\ngroups = ["脱贫劳动力"]\nwithin = 3\n',
    )
    city = load_ranking_weights("1499", tmp_path)
    assert (city.gap_free_days, city.gap_full_days, city.gap) == (30.0, 60.0, 0.8)
    assert (city.priority_groups, city.subsidised_within) == (frozenset({"脱贫劳动力"}), 3)
    default = load_ranking_weights(None)
    assert (default.gap_free_days, default.gap_full_days, default.gap) == (14.0, 120.0, 0.3)
    assert default.priority_groups == {"脱贫劳动力", "防返贫监测对象", "就业困难人员", "零就业家庭成员"}
    assert default.subsidised_within == 5
