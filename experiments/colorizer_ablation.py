"""The shipped colorizer's training factors at its own scale (issue 24, point 1).

    python -m experiments.colorizer_ablation           # default preset, offline
    python -m benchmarks.colorizer_heldout --checkpoints ... --size S --out ...  # held-out

Beyond the reports. `experiments.ablation` changes one factor at a time at 64 px; this
one trains at the shipped recipe's scale (experiments/pretrained_colorizer.py) and
starts every variant from the same CIFAR-10 pre-training (the shipped recipe's first
run, identical config, so its seeds' runs can be reused), with seeds 0-2:

* control: photos at 128 px, Adam 1e-3, SHORT_EPOCHS epochs, the best validation epoch
  (the shipped runs' photo stages were best at epochs 6-14 of 75: longer training is
  the shipped recipe's 75 + 30 epochs against this control);
* more photos: `photos-plus` (data_pipelines/photos_plus.py: 60 more training photos
  from packages that are sources of neither `photos` nor the held-out set);
* a larger training resolution: 224 px instead of 128 (the model then works at 224);
* a larger encoder: EfficientNet-Lite2 (ImageNet weights from efficientnet-lite2-pytorch-
  model) instead of Lite0, with its own CIFAR-10 pre-training (the same config but the
  encoder), then the control's photo run;
* regularisation against the early overfitting: AdamW with decoupled weight decay
  WEIGHT_DECAY, and stronger crops (cached at CROP_MARGIN x the size: crops of 39% to all
  of the area, against 64% to all).

Every row is scored on the photos test split (the table); the held-out photographs
are scored by benchmarks.colorizer_heldout on each variant's checkpoints, and compared
pairwise over seeds by benchmarks.heldout_compare.
"""
from __future__ import annotations

import dataclasses
import sys

from deepcolor.errors import UsageError
from deepcolor.train import baselines, claims, runner
from deepcolor.train.config import DataConfig, ExperimentConfig, RunConfig
from deepcolor.train.experiment import Experiment
from experiments import pretrained_colorizer as shipped

PRESETS = {"default": "effnet_unet from the shipped recipe's CIFAR-10 pre-training: photos at "
                      "128px (control), + 60 photos, at 224px, on EfficientNet-Lite2; 25 epochs "
                      "each; + weight decay, + stronger crops; seeds 0-2 (about 100 min, "
                      "2-core CPU)"}
SHORT_EPOCHS = 25
CONTROL = "photos 128px, 25 epochs (control)"
MORE_PHOTOS = "photos-plus (+60 training photos) 128px"
LARGER = "photos 224px"
LITE2_PRETRAIN = "CIFAR-10 pre-training, EfficientNet-Lite2"
LITE2 = "EfficientNet-Lite2 encoder, photos 128px"
WEIGHT_DECAY, CROP_MARGIN = 0.05, 1.6
DECAY = f"control + weight decay {WEIGHT_DECAY} (AdamW)"
CROPS = f"control + stronger crops (margin {CROP_MARGIN})"
NO_COLOUR = baselines.BASELINES["no colour"]
CLAIMS = [
    claims.Better("more training photos colorize the test split better (CIEDE2000)",
                  [(MORE_PHOTOS, CONTROL)], "ciede2000"),
    claims.Better("training at 224px colorizes the test split better (CIEDE2000)",
                  [(LARGER, CONTROL)], "ciede2000"),
    claims.Better("the Lite2 encoder colorizes the test split better (CIEDE2000)",
                  [(LITE2, CONTROL)], "ciede2000"),
    claims.Better("weight decay colorizes the test split better (CIEDE2000)",
                  [(DECAY, CONTROL)], "ciede2000"),
    claims.Better("stronger crops colorize the test split better (CIEDE2000)",
                  [(CROPS, CONTROL)], "ciede2000"),
    claims.Better("the control beats no colour (CIEDE2000)", [(CONTROL, NO_COLOUR)],
                  "ciede2000"),
]


def _runs() -> list:
    pretrain = shipped.default_runs()[0]  # the shipped recipe's CIFAR-10 run, unchanged
    photos = DataConfig(source="photos", image_size=128, augment=True,
                        label="photos (290/36/36 by photo), random crops + flips")
    plus = dataclasses.replace(photos, source="photos-plus",
                               label="photos-plus (350/36/36: + 60 train photos)")
    large = dataclasses.replace(photos, image_size=224, label="photos at 224px")
    common = dict(model="effnet_unet", loss="huber", batch_size=16, learning_rate=1e-3,
                  epochs=SHORT_EPOCHS, backbone=pretrain.backbone, checkpoint="best",
                  init_from=pretrain.name)
    lite2 = dataclasses.replace(pretrain.backbone, arch="efficientnet_lite2")
    lite2_pretrain = dataclasses.replace(pretrain, name=LITE2_PRETRAIN, backbone=lite2)
    return [pretrain, RunConfig(CONTROL, data=photos, **common),
            RunConfig(MORE_PHOTOS, data=plus, **common),
            RunConfig(LARGER, data=large, **common),
            lite2_pretrain,  # the Lite2 runs come last: earlier runs' folders keep their index
            RunConfig(LITE2, data=photos, **common | dict(backbone=lite2,
                                                          init_from=LITE2_PRETRAIN)),
            RunConfig(DECAY, data=photos, weight_decay=WEIGHT_DECAY, **common),
            RunConfig(CROPS, data=dataclasses.replace(photos, crop_margin=CROP_MARGIN,
                                                      label="photos, crops 39-100% of the area"),
                      **common)]


def get_config(preset: str) -> ExperimentConfig:
    if preset != "default":
        raise UsageError(f"unknown preset {preset!r}")
    return ExperimentConfig(
        "colorizer_ablation", preset, "beyond", "The shipped colorizer's factors at its own "
        "scale", _runs(), seed=0, seeds=list(shipped.SEEDS), claims=CLAIMS,
        expected_runtime="about 100 minutes on a 2-core CPU (33 a seed), less when the "
                         "Lite0 CIFAR-10 runs are reused",
        notes=[f"The first run is {shipped.PRETRAIN!r} of experiments.pretrained_colorizer "
               f"(same config and seeds); every other run starts from its final weights.",
               "Rows are scored on the photos TEST split (36 photos, 128x128, or 224x224 "
               "for the 224px run); the held-out photographs in results/colorizer_ablation/"
               "heldout."])


def baseline_rows(config: ExperimentConfig) -> list:
    control = [run for run in config.runs if run.name == CONTROL]
    return baselines.rows(dataclasses.replace(config, runs=control))


EXPERIMENT = Experiment("colorizer_ablation", "experiments.colorizer_ablation",
                        __doc__.split("\n\n")[0], PRESETS, get_config,
                        baseline_rows=baseline_rows)

if __name__ == "__main__":
    sys.exit(runner.main(EXPERIMENT))
