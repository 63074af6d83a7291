"""How claims become verdicts: each claim is one or more tests (deepcolor.train.stats),
the p-values of every test of a report are Holm-corrected together, and a claim is
supported when all its tests go the claimed way, contradicted when any goes the other.

Which test: two runs that share seeds are paired (per-seed differences, or per-seed log
ratios); a run against a seed-independent baseline ({"all": value}) is a one-sample
test; runs that share no seeds fall back to Welch. A run or metric missing from the
values makes the claim undecided with the reason; NaN seeds are left out and named.
"""
from __future__ import annotations

import dataclasses
import math
from typing import Dict, List, Optional, Sequence

import numpy as np

from deepcolor.train import metric_table, stats

SUPPORTED, CONTRADICTED, UNDECIDED = "supported", "contradicted", "undecided"
NOT_TESTABLE = "not testable here"
MIN_SEEDS = 3  # fewer seeds decide nothing (a t-interval over 2 values is too wide to trust)
SEED_INDEPENDENT = "all"


@dataclasses.dataclass
class Verdict:
    text: str
    verdict: str
    evidence: str
    tests: List[dict] = dataclasses.field(default_factory=list)

    def line(self) -> str:
        return f"{self.verdict.upper()}: '{self.text}': {self.evidence}"


@dataclasses.dataclass
class _Step:
    """One test of a claim and the rule that turns it into a state."""

    label: str
    rule: str  # "greater", "less" (than the null) or "equivalent"
    test: Optional[stats.Test] = None
    outside: Optional[stats.Test] = None  # equivalence: the 95% interval, for "contradicted"
    margin: float = 0.0  # equivalence: log(1 + margin)
    problem: str = ""  # why there is no test
    note: str = ""
    holm_p: float = math.nan

    def state(self) -> str:
        if self.test is None:
            return UNDECIDED
        if self.rule == "equivalent":
            if self.holm_p < stats.ALPHA:
                return SUPPORTED
            out = self.outside
            beyond = out is not None and (out.low > self.margin or out.high < -self.margin)
            return CONTRADICTED if beyond else UNDECIDED
        if self.holm_p >= stats.ALPHA:
            return UNDECIDED
        above = self.test.estimate > self.test.null
        return SUPPORTED if above == (self.rule == "greater") else CONTRADICTED

    def describe(self) -> str:
        if self.test is None:
            return f"{self.label}: {self.problem}"
        t = self.test
        shown = "ratio" if t.scale == "log ratio" else t.scale  # exp of the log-scale interval
        text = (f"{self.label}: {shown} {t.interval()} ({t.name}, {t.n} seeds, "
                f"p = {t.p:.2g}, Holm p = {self.holm_p:.2g})")
        if self.state() == UNDECIDED and t.detectable is not None:
            size = (f"a ratio beyond x{math.exp(t.detectable):.3g}" if t.scale == "log ratio"
                    else f"a difference of {t.detectable:.3g}")
            text += f"; at 80% power it could have detected {size}"
            if t.seeds_needed and t.seeds_needed > t.n:
                text += f"; the effect seen would need about {t.seeds_needed} seeds"
        return text + (f" ({self.note})" if self.note else "")


def _series(values: dict, run: str, metric: str, seeds) -> Dict:
    """{seed: value} of one run's metric; KeyError naming what is missing."""
    if run not in values or metric not in values[run] or not len(values[run][metric]):
        raise KeyError(f"no {metric} for run {run!r}")
    got = values[run][metric]
    if isinstance(got, dict):
        return {k: float(v) for k, v in got.items()}
    keys = list(seeds) if seeds is not None and len(seeds) == len(got) else range(len(got))
    return {k: float(v) for k, v in zip(keys, got)}


def _aligned(a: Dict, b: Dict):
    """Per-seed arrays of a and b on their shared finite seeds (a baseline's one value
    stands for every seed), the seeds left out, and whether either is seed-independent."""
    fixed = SEED_INDEPENDENT in a or SEED_INDEPENDENT in b
    seeds = [s for s in (b if SEED_INDEPENDENT in a else a) if s != SEED_INDEPENDENT]
    pick = lambda d, s: d[SEED_INDEPENDENT] if SEED_INDEPENDENT in d else d.get(s, math.nan)  # noqa: E731
    kept = [s for s in seeds if math.isfinite(pick(a, s)) and math.isfinite(pick(b, s))]
    dropped = [s for s in seeds if s not in kept]
    return (np.array([pick(a, s) for s in kept]), np.array([pick(b, s) for s in kept]),
            dropped, fixed)


def _too_few(n: int, dropped) -> str:
    if n >= MIN_SEEDS:
        return ""
    lost = f"; NaN or missing on seeds {dropped}" if dropped else ""
    return f"{n} seed(s) with values: a decision needs at least {MIN_SEEDS}{lost}"


def _difference_step(label: str, a: Dict, b: Dict, higher_better: bool) -> _Step:
    """a beats b: paired t-test, one-sample against a baseline, Welch without shared seeds."""
    rule = "greater" if higher_better else "less"
    x, y, dropped, fixed = _aligned(a, b)
    shared = [s for s in a if s in b and s != SEED_INDEPENDENT]
    if not fixed and not shared and min(len(a), len(b)) >= MIN_SEEDS:
        return _Step(label, rule, stats.welch(list(a.values()), list(b.values())))
    if problem := _too_few(len(x), dropped):
        return _Step(label, rule, problem=problem)
    if SEED_INDEPENDENT in b:
        test = stats.one_sample(x, float(y[0]), "the seed-independent baseline")
    elif SEED_INDEPENDENT in a:  # b against a's fixed value, turned round to a - b
        t = stats.one_sample(y, float(x[0]), "the seed-independent baseline")
        test = dataclasses.replace(t, estimate=-t.estimate, low=-t.high, high=-t.low)
    else:
        test = stats.paired(x, y)
    note = f"NaN on seeds {dropped}, left out" if dropped else ""
    return _Step(label, rule, test, note=note)


def _ratio_step(label: str, a: Dict, b: Dict, rule: str, null: float) -> _Step:
    x, y, dropped, _ = _aligned(a, b)
    if problem := _too_few(len(x), dropped):
        return _Step(label, rule, problem=problem)
    try:
        return _Step(label, rule, stats.log_ratio(x, y, null))
    except ValueError as err:
        if np.all(y > 0) and np.all(x >= 0):  # a zero numerator: num / den >= k is
            test = stats.paired(x, null * y)   # num - k den >= 0, tested as differences
            return _Step(label, rule, dataclasses.replace(
                test, name=f"paired t-test on per-seed numerator - {null:g} x denominator "
                           f"(a zero rules out the log scale)"))
        return _Step(label, rule, problem=str(err))


def _equivalence_step(label: str, a: Dict, b: Dict, margin: float) -> _Step:
    x, y, dropped, _ = _aligned(a, b)
    if problem := _too_few(len(x), dropped):
        return _Step(label, "equivalent", problem=problem)
    try:
        return _Step(label, "equivalent", stats.equivalence(x, y, margin),
                     outside=stats.log_ratio(x, y), margin=math.log(1 + margin))
    except ValueError as err:
        return _Step(label, "equivalent", problem=str(err))


def _steps(claim, get) -> List[_Step]:
    """The tests one claim stands on."""
    if claim.kind == "better":
        up = metric_table.lookup(claim.metric).direction == metric_table.HIGHER
        return [_difference_step(f"{a} vs {b}", get(a, claim.metric), get(b, claim.metric), up)
                for a, b in claim.pairs]
    if claim.kind == "similar":
        return [_equivalence_step(f"{a} / {b}", get(a, claim.metric), get(b, claim.metric),
                                  claim.within) for a, b in claim.pairs]
    if claim.kind == "ratio":
        num = get(claim.numerator, claim.metric)
        den = get(claim.denominator, claim.denominator_metric or claim.metric)
        label = (f"{claim.numerator} {claim.metric} / {claim.denominator} "
                 f"{claim.denominator_metric or claim.metric}")
        bounds = [("greater", claim.at_least), ("less", claim.at_most)]
        return [_ratio_step(f"{label} vs {k:g}", num, den, rule, k)
                for rule, k in bounds if k is not None]
    if claim.kind == "matches":
        ours = get(claim.run, claim.metric)
        return [_equivalence_step(f"{claim.run} {claim.metric} / report's {claim.report_value:.4g}",
                                  ours, {SEED_INDEPENDENT: claim.report_value}, claim.within)]
    if claim.kind == "bound":
        ours = get(claim.run, claim.metric)
        bounds = [("greater", claim.at_least), ("less", claim.at_most)]
        return [_difference_step(f"{claim.run} {claim.metric} vs {k:g}", ours,
                                 {SEED_INDEPENDENT: k}, rule == "greater")
                for rule, k in bounds if k is not None]
    raise ValueError(f"unknown claim kind {claim.kind!r}")


def _combine(states: List[str]) -> str:
    if states and all(s == SUPPORTED for s in states):
        return SUPPORTED
    return CONTRADICTED if CONTRADICTED in states else UNDECIDED


def decide(claims: Sequence, values: dict, seeds: Optional[Sequence] = None) -> List[Verdict]:
    """A verdict per claim; the p-values of all claims' tests are Holm-corrected together."""
    get = lambda run, metric: _series(values, run, metric, seeds)  # noqa: E731
    planned = []
    for claim in claims:
        if claim.kind == "not_testable":
            planned.append((claim, None, claim.reason))
            continue
        try:
            planned.append((claim, _steps(claim, get), ""))
        except KeyError as missing:
            planned.append((claim, [], f"not tested here ({str(missing).strip(chr(39))})"))
    tested = [s for _, steps, _ in planned for s in steps or [] if s.test is not None]
    for step, p in zip(tested, stats.holm([s.test.p for s in tested])):
        step.holm_p = p
    verdicts = []
    for claim, steps, reason in planned:
        if steps is None:
            verdicts.append(Verdict(claim.text, NOT_TESTABLE, reason))
        elif not steps:
            verdicts.append(Verdict(claim.text, UNDECIDED, reason))
        else:
            verdicts.append(Verdict(claim.text, _combine([s.state() for s in steps]),
                                    "; ".join(s.describe() for s in steps),
                                    [_record(claim, s) for s in steps]))
    return verdicts


def _record(claim, step: _Step) -> dict:
    """A test as JSON, so anyone can recompute it from per_seed.csv."""
    out = {"pair": step.label, "rule": step.rule, "state": step.state(),
           "metric": getattr(claim, "metric", None)}
    if step.test is not None:
        out.update(dataclasses.asdict(step.test), holm_p=step.holm_p)
    else:
        out["problem"] = step.problem
    return out
