"""A report's claims as data, checked before training and decided by paired tests over seeds.

An experiment's config lists its claims (`ExperimentConfig.claims`); `check(claims,
config)` refuses, before any data loads, a claim naming a run or a metric that does not
exist. After the runs, `decide(claims, values)` turns each into a `Verdict`:
"supported", "contradicted", "undecided" or "not testable here". `values[run][metric]`
holds one value per seed: a list in the order of the config's seeds, or a dict
{seed: value}; a baseline scored once on the seed-independent test split is
{"all": value}. The tests (deepcolor.train.stats) are paired by seed, Holm-corrected
over every test of the report, and each verdict names its test and states what an
undecided one could have detected.

Kinds of claim (each a dataclass, so a config stays plain data saved as JSON):
* `Better`: in each pair, the first run beats the second on a metric (a ranking is its
  consecutive pairs, "X is best" is X against each other run): paired t-test;
* `Ratio`: one run's metric over another's (or another metric's) is at least / at most
  k: t-interval on per-seed log ratios;
* `Similar`: the two runs of each pair differ by at most a relative margin: TOST;
* `Matches`: a run's metric lies within a relative margin of the report's number: TOST;
* `Bound`: a run's metric is at least / at most a value: one-sample t-test;
* `NotTestable`: a claim the suite cannot test offline, with the reason.
"""
from __future__ import annotations

import dataclasses
from typing import List, Optional, Sequence, Tuple

from deepcolor.train import deciding, metric_table
from deepcolor.train.deciding import (CONTRADICTED, MIN_SEEDS, NOT_TESTABLE,  # noqa: F401
                                      SUPPORTED, UNDECIDED, Verdict)


@dataclasses.dataclass
class Better:
    """In every (a, b) of `pairs`, run a beats run b on `metric`."""

    text: str
    pairs: List[Tuple[str, str]]
    metric: str
    kind: str = "better"


@dataclasses.dataclass
class Ratio:
    """metric(numerator) / metric(denominator) is >= at_least and/or <= at_most.

    `denominator_metric` compares two metrics of runs (e.g. a run's colourfulness over
    its ground truth's); it defaults to `metric`."""

    text: str
    numerator: str
    denominator: str
    metric: str
    at_least: Optional[float] = None
    at_most: Optional[float] = None
    denominator_metric: Optional[str] = None
    kind: str = "ratio"


@dataclasses.dataclass
class Similar:
    """In every (a, b) of `pairs`, a / b lies within 1 +- `within` (equivalence margin)."""

    text: str
    pairs: List[Tuple[str, str]]
    metric: str
    within: float = 0.10
    kind: str = "similar"


@dataclasses.dataclass
class Matches:
    """run's metric lies within a factor 1 +- `within` of the report's number."""

    text: str
    run: str
    metric: str
    report_value: float
    within: float = 0.25
    kind: str = "matches"


@dataclasses.dataclass
class Bound:
    """run's metric is >= at_least and/or <= at_most."""

    text: str
    run: str
    metric: str
    at_least: Optional[float] = None
    at_most: Optional[float] = None
    kind: str = "bound"


@dataclasses.dataclass
class NotTestable:
    """A claim of the report that cannot be tested here, and why (never 'undecided')."""

    text: str
    reason: str
    kind: str = "not_testable"


def ranking(text: str, runs: Sequence[str], metric: str) -> Better:
    """Runs listed best first: each beats the next."""
    return Better(text, [(a, b) for a, b in zip(runs, runs[1:])], metric)


def best(text: str, winner: str, others: Sequence[str], metric: str) -> Better:
    return Better(text, [(winner, other) for other in others], metric)


_KINDS = {"better": Better, "ratio": Ratio, "similar": Similar, "matches": Matches,
          "bound": Bound, "not_testable": NotTestable}


def from_dict(data: dict):
    """Rebuild a claim saved with dataclasses.asdict (pairs come back as lists)."""
    data = dict(data)
    cls = _KINDS[data["kind"]]
    if "pairs" in data:
        data["pairs"] = [tuple(p) for p in data["pairs"]]
    return cls(**data)


def runs_and_metrics(claim) -> List[Tuple[str, str]]:
    """Every (run, metric) a claim reads."""
    if claim.kind in ("better", "similar"):
        return [(run, claim.metric) for pair in claim.pairs for run in pair]
    if claim.kind == "ratio":
        return [(claim.numerator, claim.metric),
                (claim.denominator, claim.denominator_metric or claim.metric)]
    if claim.kind in ("matches", "bound"):
        return [(claim.run, claim.metric)]
    return []


def check(claims: Sequence, run_names: Sequence[str], baselines: Sequence[str] = ()) -> None:
    """Raise ValueError, before training, for a claim naming an unknown run or metric, a
    metric without a direction in a `Better`, or a non-positive metric in a ratio.
    `baselines`: names of the computed baseline rows the experiment adds."""
    known = set(run_names)
    for claim in claims:
        if claim.kind not in _KINDS:
            raise ValueError(f"claim {claim.text!r}: unknown kind {claim.kind!r}")
        for run, metric in runs_and_metrics(claim):
            # a baseline row may carry a suffix (the mean colour's ab values)
            if run not in known and not any(run.startswith(b) for b in baselines):
                raise ValueError(f"claim {claim.text!r} names run {run!r}, which this preset "
                                 f"does not have (runs: {', '.join(sorted(known))})")
            info = metric_table.lookup(metric)
            if claim.kind == "better" and info.direction is None:
                raise ValueError(f"claim {claim.text!r}: metric {metric!r} has no direction")
            if claim.kind in ("ratio", "similar", "matches") and not info.positive:
                raise ValueError(f"claim {claim.text!r}: {metric!r} is not a positive metric; "
                                 f"a ratio or a relative margin needs one")


def decide(claims: Sequence, values: dict, seeds: Optional[Sequence] = None) -> List[Verdict]:
    """A verdict per claim, the tests of all claims Holm-corrected together."""
    return deciding.decide(claims, values, seeds)
