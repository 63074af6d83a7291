"""Every metric a run reports, declared once: how it is computed, which way is better,
its column in the results tables, and how seeds are summarised.

ADDING A METRIC IS ONE ENTRY IN `METRICS`: scoring (a trained model's predictions,
deepcolor/train/scoring.py, and the untrained baselines, deepcolor/train/baselines.py),
the claims (which refuse any other name before training), the results tables
(deepcolor/train/results.py) and the leaderboard (experiments/leaderboard.py) all read
this table; tests/test_one_place.py adds a toy metric here and sees it everywhere.

A claim names a metric from this table (optionally "<metric>@best" / "@last", the other
checkpoint). `positive` metrics (losses, CIEDE2000, colourfulness) are compared as ratios
on the log scale; `direction` is None where "better" has no meaning (the truth's
colourfulness, an epoch). `compute(prediction, done)` returns the metric of one set of
predictions (`done`: the metrics computed before it, in table order), or None where it
does not apply (a target-space error of a baseline, which has no model output); a
metric without `compute` is written by the training loop (losses, the best epoch).
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Dict, List, Optional

import numpy as np

LOWER, HIGHER = "lower", "higher"
MEAN, MEAN_INTERVAL = "mean over seeds", "mean over seeds and its 95% interval"
WHITE = 0.9  # an RGB pixel with every channel at least this is "white" (report 002, 4.1)


@dataclasses.dataclass(frozen=True)
class Prediction:
    """One set of predictions: both as RGB in [0, 1], and the target and the model's
    output in the model's target space (None for a baseline, which has no model)."""

    true_rgb: np.ndarray
    pred_rgb: np.ndarray
    target: Optional[np.ndarray] = None
    output: Optional[np.ndarray] = None


@dataclasses.dataclass(frozen=True)
class Metric:
    direction: Optional[str]  # LOWER or HIGHER is better, or None
    positive: bool
    meaning: str
    compute: Optional[Callable[[Prediction, dict], Optional[float]]] = None
    column: Optional[str] = None  # its column in the results tables; None: per_seed.csv only
    summary: str = MEAN  # how a table summarises the seeds
    across_models: bool = False  # comparable across colour spaces: a leaderboard column


def _rgb(name: str):
    """deepcolor.metrics.<name>(truth, prediction) on RGB; imported when first used, so
    reading this table needs no Keras."""
    def compute(p: Prediction, done: dict) -> float:
        from deepcolor import metrics

        return float(getattr(metrics, name)(p.true_rgb, p.pred_rgb))
    return compute


def _rgb_of(name: str, truth: bool = False):
    """deepcolor.metrics.<name>(images) of the prediction (or of the truth)."""
    def compute(p: Prediction, done: dict) -> float:
        from deepcolor import metrics

        return float(getattr(metrics, name)(p.true_rgb if truth else p.pred_rgb))
    return compute


def _target(reduce):
    """An error of the model's output against the target in the target space."""
    def compute(p: Prediction, done: dict) -> Optional[float]:
        if p.target is None or p.output is None:
            return None
        return float(np.mean(reduce(p.output - p.target)))
    return compute


METRICS: Dict[str, Metric] = {
    "final_loss": Metric(LOWER, True, "training loss of the last epoch", column="final_loss"),
    "final_val_loss": Metric(LOWER, True, "validation loss of the last epoch",
                             column="final_val_loss"),
    "test_loss": Metric(LOWER, True, "the run's loss on the test split", column="test_loss"),
    "mse": Metric(LOWER, True, "mean squared error in the model's target space",
                  _target(np.square), column="mse", summary=MEAN_INTERVAL),
    "l1": Metric(LOWER, True, "mean absolute error in the model's target space",
                 _target(np.abs)),
    "lowest_loss": Metric(LOWER, True, "lowest training loss of any epoch"),
    "lowest_val_loss": Metric(LOWER, True, "lowest validation loss of any epoch"),
    "report_mse": Metric(LOWER, True, "MSE of ab / 128 after re-encoding both RGB images "
                         "to Lab (report 001's definition)", _rgb("lab_mse")),
    "psnr": Metric(HIGHER, False, "PSNR of RGB in [0, 1], dB", _rgb("psnr"), column="psnr",
                   summary=MEAN_INTERVAL, across_models=True),
    "ssim": Metric(HIGHER, False, "SSIM of RGB in [0, 1]", _rgb("ssim"), column="ssim",
                   across_models=True),
    "ciede2000": Metric(LOWER, True, "mean CIEDE2000 colour difference per pixel",
                        _rgb("ciede2000"), column="ciede2000", summary=MEAN_INTERVAL,
                        across_models=True),
    "colorfulness": Metric(HIGHER, True, "colourfulness of the prediction (Hasler & "
                           "Suesstrunk)", _rgb_of("colorfulness"), column="colorfulness",
                           across_models=True),
    "colorfulness_true": Metric(None, True, "colourfulness of the ground truth",
                                _rgb_of("colorfulness", truth=True)),
    "colorfulness_gap": Metric(None, False, "prediction's colourfulness minus the truth's "
                               "(negative: washed out)",
                               lambda p, done: done["colorfulness"] - done["colorfulness_true"],
                               column="colorfulness_gap", across_models=True),
    "red_share": Metric(None, True, "share of pixels the prediction paints red (Lab hue)",
                        _rgb_of("red_share")),
    "red_share_true": Metric(None, True, "share of red pixels in the ground truth",
                             _rgb_of("red_share", truth=True)),
    "white_fraction": Metric(HIGHER, False, "share of near-white predicted pixels "
                             "(report 002, 4.1)",
                             lambda p, done: float(np.mean(np.all(p.pred_rgb >= WHITE,
                                                                  axis=-1)))),
    "best_epoch": Metric(None, False, "the epoch the 'best' checkpoint comes from"),
}


def base_name(metric: str) -> str:
    """"psnr@best" -> "psnr": the other checkpoint's score of the same metric."""
    return metric.split("@")[0]


def lookup(metric: str) -> Metric:
    name = base_name(metric)
    if name not in METRICS:
        raise KeyError(f"unknown metric {metric!r}; declare it in deepcolor/train/metric_table.py "
                       f"(known: {', '.join(sorted(METRICS))})")
    return METRICS[name]


def score(prediction: Prediction) -> Dict[str, float]:
    """Every computable metric of one set of predictions, in table order."""
    done: Dict[str, float] = {}
    for name, metric in METRICS.items():
        if metric.compute is not None:
            value = metric.compute(prediction, done)
            if value is not None:
                done[name] = float(value)
    return done


def table_metrics(across_models: bool = False) -> List[str]:
    """The metrics with a table column, in table order (the leaderboard's: comparable
    across colour spaces only)."""
    return [name for name, m in METRICS.items()
            if m.column and (m.across_models or not across_models)]


def interval_metrics() -> List[str]:
    """The table metrics shown with a 95% interval over seeds."""
    return [name for name in table_metrics() if METRICS[name].summary == MEAN_INTERVAL]


def column(metric: str) -> str:
    """A metric's column heading in the results tables."""
    return METRICS[metric].column or metric


def note() -> str:
    """The line under a results table saying what each metric column holds."""
    return "; ".join(f"`{column(name)}`: {METRICS[name].meaning}" for name in table_metrics())
