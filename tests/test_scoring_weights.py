"""RankingWeights' bounds, best score and match scale, pinned as literals.

Written for the mutants that survived in matcher/scoring.py (eval/results/mutation.md): the
validation's edges (the smallest allowed value of each bound is accepted, the first refused one
is refused), the best score worked out by hand from the default weights, and the 0–100 match.
"""

from __future__ import annotations

import numpy as np
import pytest

from matcher.features import FEATURES
from matcher.scoring import RankingWeights, contributions

# Default weights (matcher/scoring.py, data/ranking/default.toml), best pathway of each kind:
#   job            1 + 1 + 0.8 + 0.3 + 0.5 + 0.2             + 0.3 = 4.1
#   train_then_job 1 + 1 + 0.8 + 0.3 + 0.5 + 0.3 + 0.4 + 0.2 + 0.2 = 4.7
#   train          1 + 1 + 0.8 + 0.3 + 0.3 + 0.4             + 0.0 = 3.8
#   start_up       1 + 1 + 0.8 + 0.3 + 0.3 + 0.4             + 0.1 = 3.9
DEFAULT_BEST = 4.7


def test_default_best_score_is_the_best_train_then_job():
    assert RankingWeights().best_score == pytest.approx(DEFAULT_BEST)


def test_best_score_is_the_largest_kind_not_the_first():
    # with job's bonus raised to 2.0, job is best: 3.8 + 2.0 = 5.8
    w = RankingWeights(kind_bonus={"job": 2.0, "train_then_job": 0.2, "train": 0.0, "start_up": 0.1})
    assert w.best_score == pytest.approx(5.8)


def test_match_is_a_share_of_the_best_score_clipped_to_0_100():
    w = RankingWeights()
    assert w.match(4.7) == 100
    assert w.match(2.35) == 50
    assert w.match(0.47) == 10
    assert w.match(0.0) == 0
    assert w.match(-1.0) == 0
    assert w.match(9.4) == 100
    assert w.points(0.47) == pytest.approx(10.0)
    assert w.points(-0.94) == pytest.approx(-20.0)


def test_a_kind_missing_from_kind_bonus_gets_zero():
    w = RankingWeights(kind_bonus={"job": 0.5})
    assert dict(w.kind_bonus) == {"job": 0.5, "train_then_job": 0.0, "train": 0.0, "start_up": 0.0}
    assert w.bonus("train") == 0.0


def test_contributions_carry_the_kind_bonus():
    row = np.zeros(len(FEATURES))
    assert contributions(row, RankingWeights(), "job")["kind_bonus"] == 0.3
    assert contributions(row, RankingWeights(), "start_up")["kind_bonus"] == 0.1


def test_vector_is_read_only_and_in_feature_order():
    w = RankingWeights()
    assert w.vector.tolist() == [1.0, 1.0, 0.8, 0.3, 0.5, 0.6, 0.3, 0.4, 0.2, 0.3]
    with pytest.raises(ValueError):
        w.vector[0] = 5.0


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(semantic=0.0),  # a weight may be 0
        dict(subsidised_within=0),  # 0: no 应培尽培 guarantee
        dict(train_semantic_top=0),
        dict(gap_free_days=0.0, gap_full_days=1.0),  # free days may be 0
        dict(train_min_semantic=-1.0),
        dict(train_min_semantic=1.0),
        dict(distance_scale_km=0.5),  # any positive scale, below 1 too
        dict(priority_cap=0.5),
    ],
)
def test_edge_values_are_accepted(kwargs):
    w = RankingWeights(**kwargs)
    for name, value in kwargs.items():
        assert getattr(w, name) == value


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(semantic=True), "weight 'semantic' must be a finite number"),
        (dict(semantic="1"), "weight 'semantic' must be a finite number"),
        (dict(wage=float("inf")), "weight 'wage' must be a finite number"),
        (dict(gap=-0.01), "weight 'gap' must be ≥ 0"),
        (dict(kind_bonus={"job": True}), "kind_bonus 'job' must be a finite number"),
        (dict(kind_bonus={"job": float("nan")}), "kind_bonus 'job' must be a finite number"),
        (dict(kind_bonus={"job": "0.3"}), "kind_bonus 'job' must be a finite number"),
        (dict(timing_scale_days=-1.0), "scale 'timing_scale_days' must be a positive number"),
        (dict(cost_scale_yuan=float("nan")), "scale 'cost_scale_yuan' must be a positive number"),
        (dict(allowance_scale_yuan="1000"), "scale 'allowance_scale_yuan' must be a positive number"),
        (dict(priority_cap=0.0), "scale 'priority_cap' must be a positive number"),
        (dict(train_semantic_top=True), "train_semantic_top must be an integer ≥ 0"),
        (dict(train_semantic_top=2.0), "train_semantic_top must be an integer ≥ 0"),
        (dict(train_semantic_top=-1), "train_semantic_top must be an integer ≥ 0"),
        (dict(gap_free_days=True), "gap_free_days must be a finite number"),
        (dict(gap_full_days=float("inf")), "gap_full_days must be a finite number"),
        (dict(gap_free_days=-1.0), "0 ≤ gap_free_days < gap_full_days, got -1.0 and 120.0"),
        (dict(gap_free_days=121.0), "0 ≤ gap_free_days < gap_full_days, got 121.0 and 120.0"),
        (dict(priority_groups=["脱贫劳动力", ""]), "priority_groups must be a list of group names"),
        (dict(priority_groups=[1]), "priority_groups must be a list of group names"),
        (dict(train_min_semantic=-1.01), "train_min_semantic must be in"),
        (dict(train_min_semantic=1.01), "train_min_semantic must be in"),
    ],
)
def test_bad_values_are_refused_by_name(kwargs, message):
    with pytest.raises(ValueError) as info:
        RankingWeights(**kwargs)
    assert message in str(info.value)
    assert str(info.value).startswith("built-in defaults: ")


def test_weights_that_no_pathway_can_score_with_are_refused():
    zero = {name: 0.0 for name in FEATURES}
    with pytest.raises(ValueError, match="no pathway can score above 0"):
        RankingWeights(**zero, kind_bonus={"job": 0.0, "train_then_job": 0.0, "train": 0.0, "start_up": 0.0})
    # one positive bonus is enough
    only = RankingWeights(**zero, kind_bonus={"start_up": 0.1})
    assert only.best_score == pytest.approx(0.1)


def test_priority_groups_become_a_frozenset():
    w = RankingWeights(priority_groups=["脱贫劳动力", "就业困难人员"])
    assert w.priority_groups == frozenset({"脱贫劳动力", "就业困难人员"})
    assert isinstance(w.priority_groups, frozenset)


def test_field_names_are_the_constructor_fields():
    names = RankingWeights.field_names()
    assert names[:3] == ("semantic", "occupation", "distance")
    assert "_vector" not in names and "_best" not in names
    assert names[-1] == "source"


def test_integer_weights_give_a_float_vector():
    # validation accepts ints; the vector is float64 whatever the config's number type
    w = RankingWeights(semantic=1, occupation=2, distance=1, timing=0, wage=0, net_cost=1, allowance=0,
                       institution=0, priority=0, gap=0)  # fmt: skip
    assert w.vector.dtype == np.float64
    assert w.vector.tolist() == [1.0, 2.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]
