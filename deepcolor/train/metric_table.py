"""Every metric a run reports, declared once: its direction and whether it is positive.

A claim names a metric from this table (optionally "<metric>@best" / "@last", the other
checkpoint); `claims.check` refuses any other name before training. `positive` metrics
(losses, CIEDE2000, colourfulness) are compared as ratios on the log scale;
`direction` is None where "better" has no meaning (the truth's colourfulness, an epoch).
"""
from __future__ import annotations

import dataclasses
from typing import Optional


@dataclasses.dataclass(frozen=True)
class Metric:
    direction: Optional[str]  # "lower" or "higher" is better, or None
    positive: bool
    meaning: str


LOWER, HIGHER = "lower", "higher"
METRICS = {
    "mse": Metric(LOWER, True, "mean squared error in the model's target space"),
    "l1": Metric(LOWER, True, "mean absolute error in the model's target space"),
    "test_loss": Metric(LOWER, True, "the run's loss on the test split"),
    "final_loss": Metric(LOWER, True, "training loss of the last epoch"),
    "final_val_loss": Metric(LOWER, True, "validation loss of the last epoch"),
    "lowest_loss": Metric(LOWER, True, "lowest training loss of any epoch"),
    "lowest_val_loss": Metric(LOWER, True, "lowest validation loss of any epoch"),
    "ciede2000": Metric(LOWER, True, "mean CIEDE2000 colour difference per pixel"),
    "report_mse": Metric(LOWER, True, "MSE as the report defined it"),
    "psnr": Metric(HIGHER, False, "PSNR of RGB in [0, 1], dB"),
    "ssim": Metric(HIGHER, False, "SSIM of RGB in [0, 1]"),
    "colorfulness": Metric(HIGHER, True, "colourfulness of the prediction (Hasler & Suesstrunk)"),
    "colorfulness_true": Metric(None, True, "colourfulness of the ground truth"),
    "colorfulness_gap": Metric(None, False, "prediction's colourfulness minus the truth's"),
    "red_share": Metric(None, True, "share of pixels the prediction paints red (Lab hue)"),
    "red_share_true": Metric(None, True, "share of red pixels in the ground truth"),
    "white_fraction": Metric(HIGHER, False, "share of near-white predicted pixels (report 002)"),
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
