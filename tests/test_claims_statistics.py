"""The statistics behind the verdicts (issue 18): each test agrees with scipy.stats /
statsmodels on fixed numbers, the whole procedure keeps its error rate near alpha and
has the paired t-test's power, and verdicts recomputed from per_seed.csv agree."""
import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy import stats as scipy_stats

from deepcolor.train import claims, stats

A = [0.0121, 0.0134, 0.0119, 0.0128, 0.0131]
B = [0.0140, 0.0151, 0.0133, 0.0149, 0.0150]
ROOT = Path(__file__).resolve().parents[1]


def test_paired_is_scipy_ttest_rel():
    test = stats.paired(A, B)
    ref = scipy_stats.ttest_rel(A, B)
    ci = ref.confidence_interval(0.95)
    assert test.p == pytest.approx(ref.pvalue, rel=1e-9)
    assert (test.low, test.high) == pytest.approx((ci.low, ci.high), rel=1e-9)
    assert test.estimate == pytest.approx(np.mean(np.subtract(A, B)))
    assert test.detectable > 0


def test_welch_is_scipy_unequal_variance_ttest():
    test = stats.welch(A, B[:4])
    ref = scipy_stats.ttest_ind(A, B[:4], equal_var=False)
    assert test.p == pytest.approx(ref.pvalue, rel=1e-9)


def test_one_sample_is_scipy_ttest_1samp():
    test = stats.one_sample(A, 0.0125)
    assert test.p == pytest.approx(scipy_stats.ttest_1samp(A, 0.0125).pvalue, rel=1e-9)


def test_log_ratio_interval_is_a_t_interval_of_per_seed_log_ratios():
    test = stats.log_ratio(B, A, 1.0)
    logs = np.log(B) - np.log(A)
    ref = scipy_stats.ttest_1samp(logs, 0.0)
    assert test.p == pytest.approx(ref.pvalue, rel=1e-9)
    assert math.exp(test.low) > 1  # B is above A on every seed
    with pytest.raises(ValueError, match="at or below 0"):
        stats.log_ratio([1.0, -0.1, 2.0], [1.0, 1.0, 1.0])


def test_equivalence_is_statsmodels_tost():
    from statsmodels.stats.weightstats import ttost_paired

    x = np.array(A)
    y = x * np.array([1.01, 0.99, 1.02, 0.98, 1.0])
    test = stats.equivalence(x, y, margin=0.10)
    ref_p, _, _ = ttost_paired(x, y, 1 / 1.1, 1.1, transform=np.log)  # bounds transformed too
    assert test.p == pytest.approx(ref_p, rel=1e-9)
    assert test.p < 0.05 and test.confidence == pytest.approx(0.90)


def test_holm_on_fixed_numbers():
    # sorted 0.01, 0.03, 0.04 -> 0.03, 0.06, max(0.06, 0.04) = 0.06
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])


def _simulate(effect_sd: float, n_seeds: int, trials: int, rng) -> tuple:
    """Share of trials the procedure decides / supports, and scipy's paired-t power,
    on pairs of runs whose per-seed values correlate 0.9 (runs of one seed share data)."""
    claim = claims.Better("a beats b", [("a", "b")], "mse")
    decided = supported = scipy_hits = 0
    for _ in range(trials):
        seed_effect = rng.normal(0, 1, n_seeds)  # shared by both runs of a seed
        noise = rng.normal(0, 1, (2, n_seeds))
        b = 10 + 3 * seed_effect + noise[1]
        a = 10 + 3 * seed_effect + noise[0] - effect_sd * math.sqrt(2)
        verdict = claims.decide([claim], {"a": {"mse": list(a)}, "b": {"mse": list(b)}})[0]
        decided += verdict.verdict != claims.UNDECIDED
        supported += verdict.verdict == claims.SUPPORTED
        ref = scipy_stats.ttest_rel(a, b)
        scipy_hits += ref.pvalue < 0.05 and ref.statistic < 0
    return decided / trials, supported / trials, scipy_hits / trials


def test_false_positive_rate_is_near_alpha_and_power_matches_the_paired_t_test():
    rng = np.random.default_rng(0)
    decided, _, _ = _simulate(0.0, 5, 2000, rng)
    assert 0.03 <= decided <= 0.07, decided
    _, power, scipy_power = _simulate(1.0, 5, 1000, rng)
    assert abs(power - scipy_power) <= 0.10, (power, scipy_power)
    from statsmodels.stats.power import TTestPower

    analytic = TTestPower().power(effect_size=1.0, nobs=5, alpha=0.05, alternative="two-sided")
    assert abs(power - analytic) <= 0.06, (power, analytic)  # about 0.40 at 5 seeds


def test_baseline_is_a_one_sample_test_and_nan_seeds_are_named():
    claim = claims.Better("beats gray", [("model", "baseline: no colour")], "ciede2000")
    values = {"model": {"ciede2000": {0: 9.6, 1: 9.8, 2: float("nan"), 3: 9.7, 4: 9.5}},
              "baseline: no colour": {"ciede2000": {"all": 12.2}}}
    verdict = claims.decide([claim], values)[0]
    assert verdict.verdict == claims.SUPPORTED
    assert "one-sample t-test" in verdict.evidence and "[2]" in verdict.evidence


def test_too_few_seeds_and_missing_runs_stay_undecided_with_the_reason():
    claim = claims.Better("a beats b", [("a", "b")], "mse")
    two = claims.decide([claim], {"a": {"mse": [1.0, 1.1]}, "b": {"mse": [2.0, 2.1]}})[0]
    assert two.verdict == claims.UNDECIDED and "at least 3" in two.evidence
    missing = claims.decide([claim], {"a": {"mse": [1.0, 1.1, 1.2]}})[0]
    assert missing.verdict == claims.UNDECIDED and "no mse for run 'b'" in missing.evidence
    untestable = claims.decide([claims.NotTestable("fool rate", "needs people")], {})[0]
    assert untestable.verdict == claims.NOT_TESTABLE and untestable.evidence == "needs people"


def test_undecided_verdicts_state_what_they_could_have_detected():
    claim = claims.Better("a beats b", [("a", "b")], "psnr")
    verdict = claims.decide([claim], {"a": {"psnr": [20.0, 21.5, 19.0]},
                                      "b": {"psnr": [20.2, 20.9, 19.6]}})[0]
    assert verdict.verdict == claims.UNDECIDED
    assert "at 80% power it could have detected a difference of" in verdict.evidence


def test_claims_naming_unknown_runs_or_metrics_fail_the_check():
    with pytest.raises(ValueError, match="does not have"):
        claims.check([claims.Better("x", [("a", "c")], "mse")], ["a", "b"])
    with pytest.raises(KeyError, match="unknown metric"):
        claims.check([claims.Better("x", [("a", "b")], "sharpness")], ["a", "b"])
    with pytest.raises(ValueError, match="no direction"):
        claims.check([claims.Better("x", [("a", "b")], "colorfulness_true")], ["a", "b"])
    claims.check([claims.Better("x", [("a", "baseline: no colour (a = b = 0)")], "psnr@best")],
                 ["a"], ["baseline: no colour"])


def _committed_paired_tests():
    for verdicts_path in sorted(ROOT.glob("results/*/*/verdicts.json")):
        per_seed = verdicts_path.parent / "per_seed.csv"
        if not per_seed.exists():
            continue
        for verdict in json.loads(verdicts_path.read_text()):
            for test in verdict.get("tests", []):
                if test.get("name") == "paired t-test on per-seed differences":
                    yield per_seed, test


def test_committed_paired_verdicts_recompute_with_scipy_ttest_rel():
    import pandas as pd

    checked = 0
    for per_seed, test in _committed_paired_tests():
        frame = pd.read_csv(per_seed, dtype={"seed": str})
        a_name, b_name = test["pair"].split(" vs ")
        a = frame[frame.run == a_name].set_index("seed")[test["metric"]]
        b = frame[frame.run == b_name].set_index("seed")[test["metric"]]
        both = pd.concat([a, b], axis=1, keys=["a", "b"]).dropna()
        ref = scipy_stats.ttest_rel(both["a"], both["b"])
        assert ref.pvalue == pytest.approx(test["p"], rel=1e-6, abs=1e-12), (per_seed, test)
        checked += 1
    assert checked >= 10, checked  # reports 000-004 commit their paired tests


def test_a_ratio_claim_with_a_zero_numerator_falls_back_to_differences():
    """A run that paints no red at all (red_share 0) still decides "more red than the truth"."""
    claim = claims.Ratio("more red than the truth", "m", "m", "red_share", at_least=1.0,
                         denominator_metric="red_share_true")
    values = {"m": {"red_share": [0.0, 0.001, 0.0, 0.002, 0.001],
                    "red_share_true": [0.05, 0.06, 0.05, 0.07, 0.06]}}
    verdict = claims.decide([claim], values)[0]
    assert verdict.verdict == claims.CONTRADICTED, verdict.evidence
    assert "numerator - 1 x denominator" in verdict.evidence
