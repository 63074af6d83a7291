"""The statistics behind every verdict, from scipy.stats and statsmodels (no hand-written tests).

Runs of one seed share the split, the subset and the shuffle order, so two runs are
compared PAIRED, by their per-seed differences (`paired`); `welch` only where two runs
share no seeds; `one_sample` against a value that does not depend on the seed (a
computed baseline scored on the seed-independent test split, or a claimed bound).
Ratios and similarities of positive metrics are taken on the log scale (`log_ratio`,
`equivalence`: two one-sided tests with a declared margin). Every `Test` carries its
interval, its p-value and the smallest effect it could have detected at 80% power with
the seeds it had (`detectable`), which an undecided verdict states.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import warnings
from typing import List, Optional, Sequence

import numpy as np

ALPHA = 0.05
POWER = 0.80


@dataclasses.dataclass
class Test:
    """One test's outcome. `estimate`, `low`, `high` are on `scale` ("difference",
    "log ratio" or "value"); `p` is two-sided against `null` (for an equivalence test,
    the TOST p-value against "outside the margin")."""

    name: str
    estimate: float
    low: float
    high: float
    p: float
    n: int
    null: float = 0.0
    scale: str = "difference"
    detectable: Optional[float] = None  # the smallest |effect| with 80% power, same scale
    seeds_needed: Optional[int] = None  # seeds that would find the effect seen at 80% power
    confidence: float = 1 - ALPHA

    def interval(self, digits: int = 3) -> str:
        if self.scale == "log ratio":  # shown as a ratio: exp of the log-scale interval
            return (f"{math.exp(self.estimate):.{digits}g} [{math.exp(self.low):.{digits}g}, "
                    f"{math.exp(self.high):.{digits}g}]")
        return f"{self.estimate:.{digits}g} [{self.low:.{digits}g}, {self.high:.{digits}g}]"


def _finite(values) -> np.ndarray:
    values = np.asarray(values, dtype="float64")
    return values[np.isfinite(values)]


@functools.lru_cache(maxsize=None)
def _detectable_d(n: int) -> float:
    """Smallest standardised effect a one-sample / paired t-test with n values finds with
    80% power at ALPHA, two-sided (statsmodels' power solver; the same for every n)."""
    from statsmodels.stats.power import TTestPower

    with warnings.catch_warnings():  # a solver that does not converge returns nan
        warnings.simplefilter("ignore")
        return float(TTestPower().solve_power(effect_size=None, nobs=n, alpha=ALPHA,
                                              power=POWER, alternative="two-sided"))


def seeds_needed(effect_size: float, most: int = 1000) -> Optional[int]:
    """Seeds a paired / one-sample t-test needs to find a standardised effect (mean / SD
    of the per-seed differences) with 80% power at ALPHA; None beyond `most`."""
    if not math.isfinite(effect_size) or effect_size <= 0:
        return None
    if effect_size >= 10:  # the power solver's search starts above this: 3 seeds suffice
        return 3
    from statsmodels.stats.power import TTestPower

    try:
        with warnings.catch_warnings():  # no solution is an answer too: None below
            warnings.simplefilter("ignore")
            n = TTestPower().solve_power(effect_size=effect_size, nobs=None, alpha=ALPHA,
                                         power=POWER, alternative="two-sided")
    except (ValueError, RuntimeError):
        return None
    n = float(np.ravel(n)[0])
    return max(3, math.ceil(n)) if math.isfinite(n) and n <= most else None


def _detectable(n: int, sd: float) -> Optional[float]:
    if n < 2 or not math.isfinite(sd):
        return None
    return _detectable_d(n) * sd


def _t_test(name: str, values: np.ndarray, null: float, scale: str) -> Test:
    """One-sample t-test of `values` against `null` (paired tests pass differences)."""
    from scipy import stats

    n = len(values)
    mean, sd = float(np.mean(values)), float(np.std(values, ddof=1))
    if sd == 0:  # identical per-seed values: the interval is the value itself
        p = 1.0 if mean == null else 0.0
        return Test(name, mean, mean, mean, p, n, null, scale, 0.0)
    result = stats.ttest_1samp(values, null)
    ci = result.confidence_interval(1 - ALPHA)
    return Test(name, mean, float(ci.low), float(ci.high), float(result.pvalue), n, null,
                scale, _detectable(n, sd), seeds_needed(abs(mean - null) / sd))


def paired(a: Sequence[float], b: Sequence[float]) -> Test:
    """Paired t-test on per-seed differences a - b (scipy.stats.ttest_rel's p-value)."""
    diff = np.asarray(a, dtype="float64") - np.asarray(b, dtype="float64")
    return _t_test("paired t-test on per-seed differences", _finite(diff), 0.0, "difference")


def one_sample(a: Sequence[float], value: float, what: str = "a seed-independent value") -> Test:
    """a's per-seed values against a fixed `value` (one-sample t-test)."""
    values = _finite(a)
    test = _t_test(f"one-sample t-test against {what}", values - value, 0.0, "difference")
    return test


def welch(a: Sequence[float], b: Sequence[float]) -> Test:
    """Welch's t-test, for runs that share no seeds (unpaired)."""
    from scipy import stats
    from statsmodels.stats.power import TTestIndPower

    a, b = _finite(a), _finite(b)
    result = stats.ttest_ind(a, b, equal_var=False)
    ci = result.confidence_interval(1 - ALPHA)
    sd = math.sqrt((np.var(a, ddof=1) + np.var(b, ddof=1)) / 2)
    d = TTestIndPower().solve_power(effect_size=None, nobs1=len(a), ratio=len(b) / len(a),
                                    alpha=ALPHA, power=POWER)
    return Test("Welch t-test (runs share no seeds)", float(np.mean(a) - np.mean(b)),
                float(ci.low), float(ci.high), float(result.pvalue), len(a) + len(b),
                detectable=float(d * sd))


def log_ratio(num: Sequence[float], den, null_ratio: float = 1.0) -> Test:
    """t-interval on per-seed log(num / den) (den per seed, or one seed-independent value),
    tested against log(null_ratio). Raises ValueError on values at or below 0."""
    return _t_test("t-interval on per-seed log ratios", _log_ratios(num, den),
                   math.log(null_ratio), "log ratio")


def _log_ratios(num, den) -> np.ndarray:
    """Per-seed log(num / den) on the finite seeds; ValueError on values at or below 0."""
    num = np.asarray(num, dtype="float64")
    den = np.broadcast_to(np.asarray(den, dtype="float64"), num.shape)
    keep = np.isfinite(num) & np.isfinite(den)
    if np.any(num[keep] <= 0) or np.any(den[keep] <= 0):
        raise ValueError("a ratio of values at or below 0 has no log scale")
    return np.log(num[keep]) - np.log(den[keep])


def equivalence(num: Sequence[float], den, margin: float) -> Test:
    """Two one-sided tests (statsmodels) that the per-seed log ratio lies within
    +-log(1 + margin); the interval is the matching 90% one."""
    from statsmodels.stats.weightstats import DescrStatsW

    logs = _log_ratios(num, den)
    bound, n = math.log(1 + margin), len(logs)
    mean, sd = float(np.mean(logs)), float(np.std(logs, ddof=1))
    name = f"TOST, two one-sided t-tests, margin +-{margin:.0%} (90% interval)"
    if sd == 0:
        p = 0.0 if abs(mean) < bound else 1.0
        return Test(name, mean, mean, mean, p, n, 0.0, "log ratio", 0.0,
                    confidence=1 - 2 * ALPHA)
    p, _, _ = DescrStatsW(logs).ttost_mean(-bound, bound)
    low, high = DescrStatsW(logs).tconfint_mean(alpha=2 * ALPHA)
    # The margin this test could show at 80% power when the true log ratio is 0.
    from scipy import stats

    se = sd / math.sqrt(n)
    need = (stats.t.ppf(1 - ALPHA, n - 1) + stats.t.ppf(1 - (1 - POWER) / 2, n - 1)) * se
    return Test(name, mean, float(low), float(high), float(p), n, 0.0, "log ratio",
                float(need), tost_seeds_needed(mean, sd, bound), confidence=1 - 2 * ALPHA)


def tost_seeds_needed(mean: float, sd: float, bound: float, most: int = 1000) -> Optional[int]:
    """Seeds TOST needs to show |true log ratio| < bound with 80% power, if the truth is
    `mean` with per-seed SD `sd` (noncentral t for each one-sided test, scipy.stats.nct);
    None when |mean| >= bound (no seed count shows it) or beyond `most`."""
    from scipy import stats

    if not (math.isfinite(mean) and math.isfinite(sd)) or sd <= 0 or abs(mean) >= bound:
        return None
    for n in range(3, most + 1):  # 3: the fewest seeds that decide (deciding.MIN_SEEDS)
        se, df = sd / math.sqrt(n), n - 1
        crit = stats.t.ppf(1 - ALPHA, df)
        power = (stats.nct.cdf(-crit, df, (mean - bound) / se)
                 - stats.nct.cdf(crit, df, (mean + bound) / se))
        if power >= POWER:
            return n
    return None


def holm(pvalues: Sequence[float]) -> List[float]:
    """Holm-adjusted p-values (statsmodels.stats.multitest)."""
    if len(pvalues) <= 1:  # one test: Holm leaves it as it is (and statsmodels' Holm
        return [float(p) for p in pvalues]  # runs a full gc.collect, slow in simulations)
    from statsmodels.stats.multitest import multipletests

    return [float(p) for p in multipletests(list(pvalues), alpha=ALPHA, method="holm")[1]]


def mean_interval(values: Sequence[float], log: bool = False):
    """(centre, low, high): the mean and 95% t-interval over seeds; with `log`, on the log
    scale (a geometric mean whose interval stays positive, for positive metrics)."""
    from scipy import stats

    values = _finite(values)
    if log:
        values = np.log(values)
    centre = float(np.mean(values))
    if len(values) < 2 or np.std(values) == 0:
        low = high = centre
    else:
        low, high = stats.t.interval(1 - ALPHA, len(values) - 1, loc=centre,
                                     scale=stats.sem(values))
    return tuple(float(np.exp(v)) if log else float(v) for v in (centre, low, high))
