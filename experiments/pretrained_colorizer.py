"""The shipped colorizer: frozen ImageNet EfficientNet-Lite0 + U-Net decoder on real photos.

    python -m experiments.pretrained_colorizer                  # default: train, then ship
    python -m experiments.pretrained_colorizer --preset smoke   # a CPU-minute check
    python -m experiments.pretrained_colorizer --export-shipped [RESULTS_DIR]  # ship only

Beyond the five reports: their pretrained-encoder recipe (Deep Koalarization,
Baldassarre et al. 2017, sec. 3; DeOldify's ImageNet U-Net encoder) with the one
ImageNet network the suite has offline (model `effnet_unet`,
deepcolor/models/families/pretrained_colorizer.py). Only the decoder trains.

Presets:
* ``default``: the shipping recipe. The `photos` source (real photographs, split by
  photo), 128x128, a new random crop and flip of every training photo each epoch,
  Huber loss on ab / 128 (delta 1/16: L1-like for large errors, so colours are not
  pulled to gray as much as by MSE), Adam 1e-3, batch 16, seeds 0-2; the checkpoint
  with the lowest validation loss is kept (`checkpoint="best"`), evaluated, and seed 0's
  shipped.
  After its results are written, the Experiment's `ship_weights` step (`ship` below)
  writes the decoder's weights (float16) and a manifest to deepcolor/assets/
  (deepcolor/serving/pretrained.py loads them); `--export-shipped` runs that step
  alone, from a finished results folder.
* ``smoke``: the same model with a random encoder on 24 `sample` images at 32x32,
  1 epoch: a test that the whole path runs (about a minute on a CPU).

Two rows need no training (deepcolor/train/baselines.py): no colour (a = b = 0) and the
training set's mean ab. Claims: the model beats "no colour" on CIEDE2000, and keeps
at least half of the truth's colourfulness.
"""
from __future__ import annotations

import dataclasses
import json
import os
import sys

from deepcolor.errors import UsageError
from deepcolor.train import baselines, claims, rundirs, runner
from deepcolor.train.config import BackboneConfig, DataConfig, ExperimentConfig, RunConfig
from deepcolor.train.experiment import Experiment

PRESETS = {
    "default": "effnet_unet: CIFAR-10 pre-training at 64px, then photos (290 train photos, "
               "random crops) at 128px, Adam 1e-3 then 1e-4, Huber, batch 16, best validation "
               "epoch; seeds 0-2, ships seed 0's decoder (~75 min, 2-core CPU)",
    "smoke": "effnet_unet, random encoder, 24 sample images, 32px, 1 epoch (about a minute)",
}
RUN = "effnet_unet"  # the shipped run (the last of the default preset)
SEEDS, SHIPPED_SEED = [0, 1, 2], 0  # three seeds for paired intervals; seed 0 is shipped
PRETRAIN, PHOTOS = "CIFAR-10 pre-training", "photos, Adam 1e-3"
NO_COLOUR = baselines.BASELINES["no colour"]
CIFAR_IMAGES, CIFAR_EPOCHS = 20000, 3
EPOCHS, FINE_TUNE_EPOCHS = 75, 30
CLAIMS = [
    claims.Better("the model colorizes held-out photos better than leaving them gray (CIEDE2000)",
                  [(RUN, NO_COLOUR)], "ciede2000"),
    claims.Ratio("the model keeps at least half of the truth's colourfulness", RUN, RUN,
                 "colorfulness", at_least=0.5, denominator_metric="colorfulness_true"),
]


def default_runs() -> list:
    """CIFAR-10 pre-training, then photos at Adam 1e-3, then a 1e-4 fine-tune (a two-step
    learning-rate schedule through `init_from`); only the last run is shipped."""
    backbone = BackboneConfig(arch="efficientnet_lite0", weights="imagenet")
    cifar = DataConfig(source="cifar10-jpg", image_size=64, train_limit=CIFAR_IMAGES,
                       eval_limit=500, label="CIFAR-10 at 64px (pre-training)")
    photos = DataConfig(source="photos", image_size=128, augment=True,
                        label="photos (290/36/36 by photo), random crops + flips")
    common = dict(loss="huber", batch_size=16, backbone=backbone,
                  checkpoint="best")
    return [RunConfig(PRETRAIN, "effnet_unet", cifar, learning_rate=1e-3, epochs=CIFAR_EPOCHS,
                      **common),
            RunConfig(PHOTOS, "effnet_unet", photos, learning_rate=1e-3, epochs=EPOCHS,
                      init_from=PRETRAIN, **common),
            RunConfig(RUN, "effnet_unet", photos, learning_rate=1e-4, epochs=FINE_TUNE_EPOCHS,
                      init_from=PHOTOS, **common)]


def get_config(preset: str) -> ExperimentConfig:
    if preset == "default":
        return ExperimentConfig(
            "pretrained_colorizer", preset, "beyond", "Shipped colorizer: EfficientNet-Lite0 "
            "encoder + U-Net decoder on real photos", default_runs(), seed=SHIPPED_SEED,
            seeds=SEEDS, claims=CLAIMS,
            expected_runtime="about 75 minutes on a shared 2-core CPU (25 a seed)",
            notes=[f"Three runs in sequence, each starting from the previous one's final "
                   f"weights: {PRETRAIN} (its row is scored on 500 CIFAR-10 test images at "
                   f"64px), {PHOTOS}, and {RUN}, the shipped one.",
                   "Photo rows and baselines are on the photos TEST split (36 photos, "
                   "squashed to 128x128); each run keeps its epoch of lowest validation loss.",
                   f"Seeds {SEEDS}: the verdicts are paired over seeds; seed {SHIPPED_SEED}'s "
                   f"kept weights are the shipped ones."])
    if preset == "smoke":
        data = DataConfig(source="sample", image_size=32, train_limit=24, eval_limit=8,
                          label="sample (smoke)")
        run = RunConfig(RUN, "effnet_unet", data, loss="huber", batch_size=8, epochs=1,
                        backbone=BackboneConfig(arch="efficientnet_lite0", weights=None),
                        checkpoint="best")
        return ExperimentConfig(
            "pretrained_colorizer", preset, "beyond", "Shipped colorizer (smoke)", [run],
            seed=0, claims=CLAIMS, stand_in="24 synthetic images, random encoder",
            expected_runtime="about a minute on a CPU")
    raise UsageError(f"unknown preset {preset!r}")


def baseline_rows(config: ExperimentConfig) -> list:
    """No colour and mean colour (deepcolor.train.baselines) on the shipped run's data."""
    shipped = [run for run in config.runs if run.name == RUN]
    return baselines.rows(dataclasses.replace(config, runs=shipped))


def checkpoint_of(results_dir: str) -> str:
    """The kept weights of the shipped run (SHIPPED_SEED), from its results folder's
    config.json: the run folder and checkpoint names are deepcolor.train.rundirs'."""
    with open(os.path.join(results_dir, "config.json")) as f:
        saved = json.load(f)
    runs, config = saved["config"]["runs"], saved["config"]
    index = [run["name"] for run in runs].index(RUN)
    seeds = config.get("seeds") or [config["seed"]]
    folder = rundirs.run_folder(saved["run_folder"], index, RUN, SHIPPED_SEED, len(seeds) > 1)
    kept = rundirs.kept_checkpoint(folder, runs[index]["checkpoint"])
    if not os.path.exists(kept):
        raise UsageError(f"no checkpoint of {results_dir}: {kept} is missing")
    return kept


def ship(results_dir: str, config=None) -> str:
    """Write deepcolor/assets/ (decoder weights + manifest) from a finished default run:
    the Experiment's `ship_weights` step, and `--export-shipped`."""
    from deepcolor.serving import pretrained

    if config is not None and config.preset != "default":
        return "(only the default preset is shipped)"
    return pretrained.export_shipped(checkpoint_of(results_dir), results_dir, run_name=RUN,
                                     seed=SHIPPED_SEED)


EXPERIMENT = Experiment("pretrained_colorizer", "experiments.pretrained_colorizer",
                        __doc__.split("\n\n")[0], PRESETS, get_config,
                        baseline_rows=baseline_rows, ship_weights=ship)

if __name__ == "__main__":
    if sys.argv[1:2] == ["--export-shipped"]:
        from deepcolor.serving import quiet

        folder = sys.argv[2] if len(sys.argv) > 2 else os.path.join("results", EXPERIMENT.name,
                                                                      "default")
        quiet.import_tensorflow()  # no C++ start-up lines before ours
        try:
            print(ship(folder))
        except (UsageError, OSError) as err:
            sys.exit(f"experiments.pretrained_colorizer: error: {err}")
        sys.exit(0)
    sys.exit(runner.main(EXPERIMENT))
