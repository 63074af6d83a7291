"""Seeds by power (deepcolor.train.seed_plan): the rule, the TOST sample size against a
simulation, and that the presets and their committed results follow the committed plan."""
import importlib
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from deepcolor.train import seed_plan, stats

ROOT = Path(__file__).resolve().parents[1]


def test_rule_takes_five_then_the_largest_affordable_need():
    # 35 min budget at 3.8 min a seed affords 9: a test needing 9 raises the count to 9,
    # one needing 73 stays out of reach, and nothing needing more than 5 keeps 5.
    assert seed_plan.choose([3, 9, 73, None], 3.8)["seeds"] == 9
    assert seed_plan.choose([3, None], 3.2)["seeds"] == 5
    plan = seed_plan.choose([3, 23, 462], 6.5)
    assert (plan["seeds"], plan["affordable"], plan["tests_reachable"]) == (5, 5, 1)
    # a costly preset (15 min a seed) affords fewer than 5: it runs the minimum of 3
    assert seed_plan.choose([4], 15.0)["seeds"] == 3


def _tost_power(mean, sd, bound, n, sims=6000, seed=0):
    """Share of simulated per-seed samples where both one-sided t-tests reject."""
    rng = np.random.default_rng(seed)
    x = rng.normal(mean, sd, size=(sims, n))
    m, se = x.mean(axis=1), x.std(axis=1, ddof=1) / math.sqrt(n)
    crit = sps.t.ppf(0.95, n - 1)
    return float(np.mean(((m + bound) / se > crit) & ((m - bound) / se < -crit)))


def test_tost_seeds_needed_reaches_80_percent_power_in_simulation():
    mean, sd, bound = 0.02, 0.05, math.log(1.1)
    n = stats.tost_seeds_needed(mean, sd, bound)
    assert n is not None and n > 3
    assert _tost_power(mean, sd, bound, n) >= 0.77
    assert _tost_power(mean, sd, bound, n - 1) < 0.83
    assert stats.tost_seeds_needed(0.2, sd, bound) is None  # outside the margin: never


def _committed_plan():
    return json.loads((ROOT / "results" / "seed_plan.json").read_text())


@pytest.mark.parametrize("experiment", seed_plan.PLANNED)
def test_presets_and_their_results_follow_the_committed_plan(experiment):
    plan = _committed_plan()[experiment]
    # the stored decision is the rule applied to the stored pilot
    needs = list(plan["needed"].values())
    assert seed_plan.choose(needs, plan["minutes_per_seed"])["seeds"] == plan["seeds"]
    config = importlib.import_module(f"experiments.{experiment}").get_config("default")
    assert len(config.all_seeds()) == plan["seeds"]
    assert f"{plan['seeds']} seeds" in config.expected_runtime
    saved = json.loads((ROOT / "results" / experiment / "default" / "config.json").read_text())
    assert saved["config"]["seeds"] == config.all_seeds()


def test_plan_markdown_names_every_preset_and_its_cost():
    text = (ROOT / "results" / "seed_plan.md").read_text()
    for experiment, plan in _committed_plan().items():
        row = next(line for line in text.splitlines() if line.startswith(f"| {experiment} |"))
        assert f"| {plan['seeds']} | {plan['cpu_minutes']} |" in row
