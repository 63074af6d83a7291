"""A report's claims as data, decided by one shared module.

An experiment's config lists its claims (`ExperimentConfig.claims`); after the runs,
`decide(claims, values)` turns each into a `Verdict`: "supported", "contradicted" or
"undecided", with the numbers behind it. `values[run][metric]` is the list of that
run's results over seeds: a claim is decided by 95% confidence intervals over seeds
(Student's t), never by one run; with one seed every claim stays "undecided" and the
verdict says which way the single run points.

Kinds of claim (each a dataclass, so a config stays plain data saved as JSON):
* `Better`: in each pair, the first run beats the second on a metric (a ranking is
  its consecutive pairs, "X is best" is X against each other run);
* `Ratio`: one run's metric over another's (or another metric's) is at least / at most k;
* `Similar`: the two runs of each pair differ by at most a relative tolerance;
* `Matches`: a run's metric lies within a relative tolerance of the report's number;
* `Bound`: a run's metric is at least / at most a value.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Dict, List, Optional, Sequence, Tuple

SUPPORTED, CONTRADICTED, UNDECIDED = "supported", "contradicted", "undecided"
LOWER_IS_BETTER = {"mse", "l1", "test_loss", "final_loss", "final_val_loss", "ciede2000",
                   "colorfulness_gap_abs", "best_val_loss"}
HIGHER_IS_BETTER = {"psnr", "ssim", "colorfulness", "white_fraction"}


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
    """In every (a, b) of `pairs`, |a - b| / max(|a|, |b|) <= within (on `metric`)."""

    text: str
    pairs: List[Tuple[str, str]]
    metric: str
    within: float = 0.10
    kind: str = "similar"


@dataclasses.dataclass
class Matches:
    """run's metric lies within `within` (relative) of the report's number."""

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


def ranking(text: str, runs: Sequence[str], metric: str) -> Better:
    """Runs listed best first: each beats the next."""
    return Better(text, [(a, b) for a, b in zip(runs, runs[1:])], metric)


def best(text: str, winner: str, others: Sequence[str], metric: str) -> Better:
    return Better(text, [(winner, other) for other in others], metric)


_KINDS = {"better": Better, "ratio": Ratio, "similar": Similar, "matches": Matches,
          "bound": Bound}


def from_dict(data: dict):
    """Rebuild a claim saved with dataclasses.asdict (pairs come back as lists)."""
    data = dict(data)
    cls = _KINDS[data["kind"]]
    if "pairs" in data:
        data["pairs"] = [tuple(p) for p in data["pairs"]]
    return cls(**data)


@dataclasses.dataclass
class Interval:
    mean: float
    low: Optional[float]  # None with one value: no interval
    high: Optional[float]
    n: int

    def __str__(self) -> str:
        if self.low is None:
            return f"{self.mean:.4g} (1 seed)"
        return f"{self.mean:.4g} [{self.low:.4g}, {self.high:.4g}]"


def interval(values: Sequence[float], confidence: float = 0.95) -> Interval:
    """Mean and Student-t confidence interval over seeds."""
    values = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    if not values:
        raise ValueError("no values")
    n = len(values)
    mean = sum(values) / n
    if n < 2:
        return Interval(mean, None, None, n)
    from scipy import stats

    sd = math.sqrt(sum((v - mean) ** 2 for v in values) / (n - 1))
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * sd / math.sqrt(n)
    return Interval(mean, mean - half, mean + half, n)


@dataclasses.dataclass
class Verdict:
    text: str
    verdict: str
    evidence: str

    def line(self) -> str:
        return f"{self.verdict.upper()}: '{self.text}': {self.evidence}"


def _higher_better(metric: str) -> bool:
    metric = metric.split("@")[0]  # "psnr@best": the checkpoint best on validation
    if metric in HIGHER_IS_BETTER:
        return True
    if metric in LOWER_IS_BETTER:
        return False
    raise ValueError(f"metric {metric!r}: unknown direction; add it to claims.LOWER_IS_BETTER "
                     f"or HIGHER_IS_BETTER")


def _combine(states: List[str]) -> str:
    if states and all(s == SUPPORTED for s in states):
        return SUPPORTED
    if any(s == CONTRADICTED for s in states):
        return CONTRADICTED
    return UNDECIDED


def _better(claim: Better, get) -> Verdict:
    up = _higher_better(claim.metric)
    states, parts = [], []
    for a, b in claim.pairs:
        ia, ib = get(a, claim.metric), get(b, claim.metric)
        if ia.low is None or ib.low is None:
            ahead = (ia.mean > ib.mean) == up and ia.mean != ib.mean
            state = UNDECIDED
            note = "one seed, points " + ("the claimed way" if ahead else "the other way")
        else:
            (alo, ahi), (blo, bhi) = (ia.low, ia.high), (ib.low, ib.high)
            a_wins = alo > bhi if up else ahi < blo
            b_wins = blo > ahi if up else bhi < alo
            state = SUPPORTED if a_wins else CONTRADICTED if b_wins else UNDECIDED
            note = "separate" if state != UNDECIDED else "overlap"
        states.append(state)
        parts.append(f"{a} {ia} vs {b} {ib} ({note})")
    return Verdict(claim.text, _combine(states), f"{claim.metric}, "
                   f"{'higher' if up else 'lower'} is better: " + "; ".join(parts))


def _ratio(claim: Ratio, get) -> Verdict:
    num = get(claim.numerator, claim.metric)
    den = get(claim.denominator, claim.denominator_metric or claim.metric)
    ratio = num.mean / den.mean if den.mean else math.inf
    if num.low is None or den.low is None:
        lo = hi = None
    else:  # the ratio's range over the two intervals (conservative, both positive)
        lo = num.low / den.high if den.high > 0 else -math.inf
        hi = num.high / den.low if den.low > 0 else math.inf
    bounds = []
    if claim.at_least is not None:
        bounds.append(("at least", claim.at_least, lambda x: x >= claim.at_least))
    if claim.at_most is not None:
        bounds.append(("at most", claim.at_most, lambda x: x <= claim.at_most))
    states = []
    for _, _, ok in bounds:
        if lo is None:
            states.append(UNDECIDED)
        else:
            states.append(SUPPORTED if ok(lo) and ok(hi) else
                          CONTRADICTED if not ok(lo) and not ok(hi) else UNDECIDED)
    want = " and ".join(f"{word} {k:g}" for word, k, _ in bounds)
    span = f" [{lo:.3g}, {hi:.3g}]" if lo is not None else " (1 seed, " + (
        "meets it" if all(ok(ratio) for _, _, ok in bounds) else "misses it") + ")"
    what = (f"{claim.numerator} {claim.metric} / {claim.denominator} "
            f"{claim.denominator_metric or claim.metric}")
    return Verdict(claim.text, _combine(states),
                   f"{what} = {ratio:.3g}{span}; claimed {want} ({num} / {den})")


def _similar(claim: Similar, get) -> Verdict:
    states, parts = [], []
    for a, b in claim.pairs:
        ia, ib = get(a, claim.metric), get(b, claim.metric)
        scale = max(abs(ia.mean), abs(ib.mean)) or 1.0
        gap = abs(ia.mean - ib.mean) / scale
        if ia.low is None or ib.low is None:
            state = UNDECIDED
        else:  # the largest and smallest gap the two intervals allow
            widest = max(abs(ia.high - ib.low), abs(ib.high - ia.low)) / scale
            overlap = ia.low <= ib.high and ib.low <= ia.high
            narrowest = 0.0 if overlap else min(abs(ia.low - ib.high), abs(ib.low - ia.high)) / scale
            state = (SUPPORTED if widest <= claim.within else
                     CONTRADICTED if narrowest > claim.within else UNDECIDED)
        states.append(state)
        parts.append(f"{a} {ia} vs {b} {ib} (gap {gap:.0%})")
    return Verdict(claim.text, _combine(states),
                   f"{claim.metric}, similar = within {claim.within:.0%}: " + "; ".join(parts))


def _matches(claim: Matches, get) -> Verdict:
    ours = get(claim.run, claim.metric)
    lo_ok = claim.report_value * (1 - claim.within)
    hi_ok = claim.report_value * (1 + claim.within)
    lo_ok, hi_ok = min(lo_ok, hi_ok), max(lo_ok, hi_ok)
    if ours.low is None:
        state = UNDECIDED
    else:
        state = (SUPPORTED if lo_ok <= ours.low and ours.high <= hi_ok else
                 CONTRADICTED if ours.high < lo_ok or ours.low > hi_ok else UNDECIDED)
    return Verdict(claim.text, state,
                   f"{claim.run} {claim.metric}: report {claim.report_value:.4g}, ours {ours} "
                   f"({ours.mean / claim.report_value:.2g}x; agreement = within "
                   f"{claim.within:.0%})" if claim.report_value else f"ours {ours}")


def _bound(claim: Bound, get) -> Verdict:
    ours = get(claim.run, claim.metric)
    low = claim.at_least if claim.at_least is not None else -math.inf
    high = claim.at_most if claim.at_most is not None else math.inf
    if ours.low is None:
        state = UNDECIDED
        note = " (1 seed, " + ("meets it)" if low <= ours.mean <= high else "misses it)")
    else:
        state = (SUPPORTED if low <= ours.low and ours.high <= high else
                 CONTRADICTED if ours.high < low or ours.low > high else UNDECIDED)
        note = ""
    want = " and ".join(w for w in (f"at least {claim.at_least:g}" if claim.at_least is not None else "",
                                    f"at most {claim.at_most:g}" if claim.at_most is not None else "") if w)
    return Verdict(claim.text, state, f"{claim.run} {claim.metric} {ours}{note}; claimed {want}")


_DECIDERS = {"better": _better, "ratio": _ratio, "similar": _similar, "matches": _matches,
             "bound": _bound}


def decide(claims: Sequence, values: Dict[str, Dict[str, List[float]]]) -> List[Verdict]:
    """A verdict per claim; a claim naming a run or metric with no values is undecided."""
    def get(run: str, metric: str) -> Interval:
        if run not in values or not values[run].get(metric):
            raise KeyError(f"no {metric} for run {run!r}")
        return interval(values[run][metric])

    verdicts = []
    for claim in claims:
        try:
            verdicts.append(_DECIDERS[claim.kind](claim, get))
        except KeyError as missing:
            verdicts.append(Verdict(claim.text, UNDECIDED,
                                    f"not tested here ({str(missing).strip(chr(39))})"))
    return verdicts
