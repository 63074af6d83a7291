"""Report 004: three U-Net-like models of growing depth (no skips; skips; skips + dilation).

    python -m experiments.dilated_unet                  # default preset, offline
    python -m experiments.dilated_unet --preset paper   # report 004's settings and data

Models (deepcolor/models/families/dilated_unet.py): `unet004_model1` (2 conv + 2 transposed
conv, no skips), `unet004_model2` (3 + 3 with skips), `unet004_model3` (6 + 6 with
skips and dilated convs); Lab, L in [-1, 1] -> ab / 128, tanh. Section V: Adam 1e-3,
L2 (MSE) loss, no early stopping or schedule, seed 7; section IV: grayscale images
removed (`drop_grayscale`), 320x320.

Presets:
* ``default``: a STAND-IN: the shared real photographs (near-gray ones dropped as the
  report does; split by photo), random crops and flips, 64x64 (the smallest size at
  which model 3's dilated convs see more than a 4x4 map), batch 16, 30 epochs, Adam
  1e-3, seeds 7 to 11 (the report's seed and four more: paired tests over seeds).
* ``paper``: report 004 as written: MIRFLICKR-25K (Huiskes & Lew 2008) in
  ``$DEEPCOLOR_DATA/mirflickr25k/`` as it ships (mirflickr/im1.jpg ... im25000.jpg;
  meta/ and doc/ left out; split by content hash), grayscale images dropped and counted, 8000 training and 1000 test images (we also hold out up to 1000 for
  validation, which the report does not have), 320x320, batch 128, 120 epochs,
  Adam 1e-3, seed 7. ``$DEEPCOLOR_DATA`` defaults to ``data/``. A few hours on one
  GPU (the report used an NVIDIA L4 on Colab).

The report has no numbers: its evidence is the training-loss curves (figure 4) and
colorized samples (figures 5-8). Its claims are data (`CLAIMS`): model 3 > model 2 >
model 1 on the lowest training loss (figure 4's quantity; the report kept each model
at its lowest training loss) and on the test MSE; model 1's outputs "almost entirely
grayscale" and its failure to fit even the training data; model 3 the most vibrant;
model 3's red bias (its share of red pixels against the truth's).
"""
from __future__ import annotations

import os
import sys

from data_pipelines.paths import data_dir
from deepcolor.errors import UsageError
from deepcolor.train import claims, runner, seed_plan
from deepcolor.train.config import DataConfig, ExperimentConfig, RunConfig
from deepcolor.train.experiment import Experiment

PRESETS = {
    "default": "models 1-3 on the photos minus gray, 64px, 30 epochs, batch 16, seeds 7-11 "
               "(offline; about 30 min for the five seeds on a shared 2-core CPU)",
    "paper": "report 004: MIRFLICKR-25K minus grayscale, 8000/1000, 320px, batch 128, "
             "120 epochs, Adam 1e-3, seed 7 (needs the data; hours on a GPU)",
    "gpu": "models 1-3 on photos minus gray at the report's 320px, random crops + flips, "
           "60 epochs, batch 32, seeds 7, 8, 9 (about 5 min on one H100, estimated)",
}
MODELS = {"model 1": "unet004_model1", "model 2": "unet004_model2", "model 3": "unet004_model3"}
SEED = 7
NEAR_GRAY = 0.25  # "almost entirely grayscale": below a quarter of the truth's colourfulness
CLAIMS = [
    # Section VI / figure 4: deeper models with skips and dilation train to lower loss;
    # section V kept each model at its lowest training loss, which is what we compare.
    claims.ranking("model 3 > model 2 > model 1 (lowest training loss, figure 4's quantity)",
                   ["model 3", "model 2", "model 1"], "lowest_loss"),
    claims.ranking("model 3 > model 2 > model 1 (test MSE, ab / 128)",
                   ["model 3", "model 2", "model 1"], "mse"),
    # Section VI: "Model 1 ... outputs that were almost entirely grayscale".
    claims.Ratio("model 1's outputs are almost entirely grayscale (colourfulness below 25% "
                 "of the truth's)", "model 1", "model 1", "colorfulness", at_most=NEAR_GRAY,
                 denominator_metric="colorfulness_true"),
    # Section VI: model 1 "struggled to learn even from the training data": its lowest
    # training loss stays at least 10% above the deepest model's (our threshold).
    claims.Ratio("model 1 fails to fit even its training data (lowest training loss at least "
                 "1.1x model 3's)", "model 1", "model 3", "lowest_loss", at_least=1.1),
    # Section VI: model 3 produces "the most vibrant" colorizations.
    claims.best("model 3 is the most vibrant (highest colourfulness)", "model 3",
                ["model 2", "model 1"], "colorfulness"),
    # Section VI: model 3 shows "a tendency towards red hues": more red pixels than the truth.
    claims.Ratio("model 3 tends to favour red hues (more red pixels than the truth)",
                 "model 3", "model 3", "red_share", at_least=1.0,
                 denominator_metric="red_share_true"),
]


def _runs(data: DataConfig, batch_size: int, epochs: int) -> list:
    # Section V: the model with the lowest training loss was kept ("best_train").
    return [RunConfig(name, model, data, learning_rate=1e-3, loss="mse", batch_size=batch_size,
                      epochs=epochs, checkpoint="best_train") for name, model in MODELS.items()]


def get_config(preset: str) -> ExperimentConfig:
    if preset == "default":
        # 64 px, not CIFAR's 32: at 32 px model 3's deepest dilated conv sees a 4x4 map,
        # so dilation could not matter; photos (real detail at 64 px) minus gray.
        data = DataConfig(source="photos", image_size=64, drop_grayscale=True, augment=True,
                          label="photos minus gray at 64px (stand-in for MIRFLICKR-25K)")
        return ExperimentConfig(
            "dilated_unet", preset, "004", "Report 004: models 1-3 (depth, skips, dilation)",
            _runs(data, 16, 30), seed=SEED, seeds=seed_plan.seeds("dilated_unet", first=SEED),
            claims=CLAIMS,
            stand_in="photos minus gray (290 training photos, split by photo, random crops "
                     "and flips) at 64x64 for MIRFLICKR-25K's 8000 at 320x320; 30 epochs, "
                     "batch 16 instead of 120 epochs, batch 128",
            expected_runtime=seed_plan.expected_runtime("dilated_unet"),
            notes=["A CPU-scale run; the report shows curves and pictures, no numbers.",
                   "Scored at the epoch of lowest training loss, as the report kept its "
                   "models (section V: checkpoint 'best_train'); the last epoch is scored "
                   "too (<metric>@last)."])
    if preset == "gpu":
        data = DataConfig(source="photos", image_size=320, drop_grayscale=True, augment=True,
                          label="photos minus gray at 320px (stand-in for MIRFLICKR-25K)")
        return ExperimentConfig(
            "dilated_unet", preset, "004", "Report 004: models 1-3 (depth, skips, dilation)",
            _runs(data, 32, 60), seed=SEED, seeds=[7, 8, 9], claims=CLAIMS,
            stand_in="photos (290 train photos, split by photo) for MIRFLICKR-25K's 8000, at the "
                     "report's 320 px; 60 epochs of random crops, batch 32",
            expected_runtime="about 5 minutes on one H100 (estimated)",
            notes=["Sized for one prepared GPU call (benchmarks/gpu_run.sh) under KERAS_BACKEND=jax; its run time is estimated from measured img/s, not yet run: no GPU was lent when it was written."])
    if preset == "paper":
        data = DataConfig(source=f"mirflickr25k:{os.path.join(data_dir(), 'mirflickr25k')}",
                          image_size=320, drop_grayscale=True, train_limit=8000,
                          eval_limit=1000, validation_fraction=0.05, test_fraction=0.05,
                          label="MIRFLICKR-25K minus grayscale (8000/1000)")
        return ExperimentConfig(
            "dilated_unet", preset, "004", "Report 004: models 1-3 (depth, skips, dilation)",
            _runs(data, 128, 120), seed=SEED, seeds=[7, 8, 9], claims=CLAIMS,
            expected_runtime="a few hours on one GPU (each of 3 seeds)")
    raise UsageError(f"unknown preset {preset!r}")


EXPERIMENT = Experiment("dilated_unet", "experiments.dilated_unet", __doc__.split("\n\n")[0],
                        PRESETS, get_config)

if __name__ == "__main__":
    sys.exit(runner.main(EXPERIMENT))
