"""Why does no leaderboard model beat "no colour"? An ablation on real photos.

    python -m experiments.ablation            # default preset, offline

Beyond the five reports: the leaderboard's models, trained as the reports train them
(MSE, a fixed number of epochs, no augmentation, random or no encoder), colorize held-
out photos worse than leaving them gray. This experiment changes one factor at a time,
on the same photos test split, against the two untrained baselines:

* the checkpoint: the last epoch vs the epoch best on validation (every run scores
  both: the table's columns are the last epoch, `<metric>@best` in the CSV the best);
* augmentation: random crops and flips each epoch vs the same 290 photos every epoch;
* a pretrained encoder: the shipped recipe's EfficientNet-Lite0 (ImageNet) vs the same
  network randomly initialised;
* the loss: Huber (delta 8 ab units) vs MSE on ab / 128 (MSE pulls towards the mean,
  i.e. towards gray, where colours are ambiguous);
* the amount of data: all 290 training photos vs half of them;
* muted colour (issue 24): Huber alone vs Huber plus a penalty on chroma below the
  truth's (`huber_chroma`, deepcolor/train/losses.py), at its full weight, 1/2 and 1/4.

Not measured here: a classification loss over quantised ab with class rebalancing
(Zhang et al. 2016), and model width (effnet_unet has one decoder width). Inference-time
factors (test-time flips, a chroma gain) are measured on the shipped colorizer's seeds by
`python -m benchmarks.colorizer_heldout`.

Presets:
* ``default``: photos at 64 px, 20 epochs, batch 16, Adam 1e-3, seeds 0-2; every variant
  runs on each seed with the same split, subset and order, so the claims are paired
  tests over seeds. Run time: see the table's machine line.
"""
from __future__ import annotations

import dataclasses
import sys

import numpy as np

from deepcolor.errors import UsageError
from deepcolor.train import baselines, claims, runner
from deepcolor.train.config import BackboneConfig, DataConfig, ExperimentConfig, RunConfig
from deepcolor.train.experiment import Experiment

PRESETS = {"default": "10 variants (checkpoint, augmentation, pretrained encoder, loss, data "
                      "size, chroma penalty at 3 weights) on photos at 64px, 20 epochs, 3 seeds, "
                      "+ 2 baselines (offline)"}
NO_COLOUR = baselines.BASELINES["no colour"]
REPORT_STYLE = "report-style U-Net (unet004_model1), MSE"
RECIPE = "recipe (EfficientNet-Lite0 U-Net, Huber, augmented)"
SEEDS = [0, 1, 2]
LIGHTER_CHROMA = (("1/4", 0.25), ("1/2", 0.5))  # the penalty's weight, after the full one


def variant(change: str) -> str:
    """A variant's run name: the recipe with one change."""
    return f"recipe, {change}"


def _runs() -> list:
    photos = DataConfig(source="photos", image_size=64, label="photos at 64px")
    augmented = dataclasses.replace(photos, augment=True)
    half = dataclasses.replace(augmented, train_limit=145)
    imagenet = BackboneConfig(arch="efficientnet_lite0", weights="imagenet")
    random_init = BackboneConfig(arch="efficientnet_lite0", weights=None)
    common = dict(batch_size=16, epochs=20, learning_rate=1e-3)
    return [
        RunConfig(REPORT_STYLE, "unet004_model1", photos, loss="mse", **common),
        RunConfig(f"{REPORT_STYLE}, augmented", "unet004_model1", augmented, loss="mse", **common),
        RunConfig(RECIPE, "effnet_unet", augmented, loss="huber", backbone=imagenet, **common),
        RunConfig(variant("random encoder"), "effnet_unet", augmented, loss="huber",
                  backbone=random_init, **common),
        RunConfig(variant("MSE instead of Huber"), "effnet_unet", augmented, loss="mse",
                  backbone=imagenet, **common),
        RunConfig(variant("not augmented"), "effnet_unet", photos, loss="huber",
                  backbone=imagenet, **common),
        RunConfig(variant("half the photos"), "effnet_unet", half, loss="huber",
                  backbone=imagenet, **common),
        RunConfig(variant("Huber + chroma deficit"), "effnet_unet", augmented,
                  loss="huber_chroma", backbone=imagenet, **common),
    ] + [RunConfig(variant(f"Huber + chroma deficit at {label} weight"), "effnet_unet",
                   augmented, loss=f"huber_chroma@{factor}", backbone=imagenet, **common)
         for label, factor in LIGHTER_CHROMA]


def _claims() -> list:
    """The questions, as claims: paired tests over the seeds."""
    return [
        claims.Better("the report-style model beats no colour (CIEDE2000)",
                      [(REPORT_STYLE, NO_COLOUR)], "ciede2000"),
        claims.Better("the shipped recipe beats no colour (CIEDE2000)", [(RECIPE, NO_COLOUR)],
                      "ciede2000"),
        claims.Better("the pretrained encoder helps", [(RECIPE, variant("random encoder"))],
                      "ciede2000"),
        claims.Better("Huber beats MSE", [(RECIPE, variant("MSE instead of Huber"))], "ciede2000"),
        claims.Better("augmentation helps", [(RECIPE, variant("not augmented"))], "ciede2000"),
        claims.Better("more data helps", [(RECIPE, variant("half the photos"))], "ciede2000"),
        claims.Better("the chroma-deficit penalty gives livelier colour (colourfulness)",
                      [(variant("Huber + chroma deficit"), RECIPE)], "colorfulness"),
        claims.Better("the chroma-deficit penalty colorizes better (CIEDE2000)",
                      [(variant("Huber + chroma deficit"), RECIPE)], "ciede2000"),
    ] + [claim for label, _ in LIGHTER_CHROMA for claim in (
        claims.Better(f"the penalty at {label} weight gives livelier colour (colourfulness)",
                      [(variant(f"Huber + chroma deficit at {label} weight"), RECIPE)],
                      "colorfulness"),
        claims.Better(f"the penalty at {label} weight colorizes better (CIEDE2000)",
                      [(variant(f"Huber + chroma deficit at {label} weight"), RECIPE)],
                      "ciede2000"))]


def get_config(preset: str) -> ExperimentConfig:
    if preset != "default":
        raise UsageError(f"unknown preset {preset!r}")
    return ExperimentConfig(
        "ablation", preset, "beyond", "Ablation: what moves a colorizer past 'no colour'",
        _runs(), claims=_claims(), seeds=SEEDS,
        stand_in="photos at 64 px (our question, not a report's)",
        expected_runtime="about 20-40 minutes on a 2-core CPU (10 runs x 3 seeds, 0.7-1.6 min "
                         "each: measured 16 min for 8 runs on a quiet CPU)",
        notes=["Ranked by CIEDE2000 (lower is better) against the two baselines, on the photos "
               "test split (36 photos).",
               "Each row is its last epoch, mean over seeds; `ciede2000@best` etc. in "
               "table.csv / the runs' result.json score the epoch best on validation (the "
               "checkpoint factor)."])


def observations(results, config) -> list:
    """Each variant's CIEDE2000 at its last and its best-on-validation epoch, and the gap
    to no colour (means over seeds)."""
    gray = next(row for row in baselines.rows(config) if row["run"] == NO_COLOUR)
    lines = []
    for run in config.runs:
        per_seed = results.get(run.name) or []
        if not per_seed:
            continue
        m = {key: float(np.mean([r.metrics.get(key, np.nan) for r in per_seed]))
             for key in ("ciede2000", "ciede2000@best", "colorfulness", "colorfulness_true")}
        best = m["ciede2000@best"]
        lines.append(f"{run.name}: CIEDE2000 {m['ciede2000']:.2f} last epoch"
                     + (f", {best:.2f} at the best-on-validation epoch" if np.isfinite(best)
                        else "")
                     + f" (no colour {gray['ciede2000']:.2f}); colourfulness "
                       f"{m['colorfulness']:.1f} of the truth's {m['colorfulness_true']:.1f}")
    return lines


EXPERIMENT = Experiment("ablation", "experiments.ablation", __doc__.split("\n\n")[0], PRESETS,
                        get_config, baseline_rows=baselines.rows, observations=observations)

if __name__ == "__main__":
    sys.exit(runner.main(EXPERIMENT))
