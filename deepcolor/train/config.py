"""A report is data: an experiment is a config that the one runner executes.

An `ExperimentConfig` holds one or more `RunConfig`s (one model trained on one
dataset each) and the report's claims (deepcolor.train.claims); every field is plain
data so the resolved config is saved as JSON beside the results it produced.
"""
from __future__ import annotations

import dataclasses
import json
from typing import Dict, List, Optional

from data_pipelines.augment import MARGIN


@dataclasses.dataclass
class DataConfig:
    """Where images come from and how they are prepared (see data_pipelines.load_images)."""

    source: str = "sample"
    image_size: int = 64
    resize: str = "squash"
    drop_grayscale: bool = False
    train_limit: Optional[int] = None
    eval_limit: Optional[int] = None
    validation_fraction: float = 0.1
    test_fraction: float = 0.1
    label: str = ""
    augment: bool = False  # random crops and flips of the training split, new each epoch
    crop_margin: float = MARGIN  # with augment: crops of 1/margin^2 to all of the cached area


@dataclasses.dataclass
class BackboneConfig:
    """A run's pretrained network: the frozen embedding of a fusion model
    (deepcolor.models.backbone) or the encoder of an encoder model (report 003's
    DenseNet121 / MobileNet). `weights` is the ONE field that carries a run's
    pretrained weights: "imagenet", a local file, a TF Hub handle, or None (random).
    """

    arch: str = "inception_resnet_v2"
    weights: Optional[str] = "imagenet"
    embedding: str = "pooled"
    size: Optional[int] = None


@dataclasses.dataclass
class RunConfig:
    """One model trained on one dataset: one row of an experiment's table.

    `paper` holds the report's own numbers for this row, keyed by our metric names
    (e.g. {"mse": 0.0105}); the table puts each beside ours.

    `checkpoint`: "last" (a fixed number of epochs, what reports 000-003 did), "best" (the
    epoch with the lowest validation loss) or "best_train" (the lowest training loss, what
    report 004 kept, section V); the other is scored too ("<metric>@best" / "<metric>@last").

    `trainer`: "supervised" (model.fit on `loss`) or "cgan" (deepcolor.train.gan: `model`
    is the generator, `trainer_options` may set discriminator, l1_weight, epsilon,
    d_learning_rate). `init_from`: the name of an EARLIER run of the same experiment
    whose final weights initialise this run's model (a cGAN's generator).
    """

    name: str
    model: str
    data: DataConfig = dataclasses.field(default_factory=DataConfig)
    model_options: Dict = dataclasses.field(default_factory=dict)
    colorspace: Optional[Dict] = None  # None: the registered model's (see colorspace_of)
    backbone: Optional[BackboneConfig] = None
    loss: str = "mse"
    learning_rate: float = 1e-3
    weight_decay: float = 0.0  # > 0: AdamW's decoupled weight decay instead of Adam
    batch_size: int = 32
    epochs: int = 10
    paper: Dict[str, float] = dataclasses.field(default_factory=dict)
    trainer: str = "supervised"
    trainer_options: Dict = dataclasses.field(default_factory=dict)
    init_from: Optional[str] = None
    checkpoint: str = "last"  # scored and exported: "last", "best" (validation), "best_train"


@dataclasses.dataclass
class ExperimentConfig:
    """A report's experiment at one preset."""

    experiment: str
    preset: str
    report: str
    title: str
    runs: List[RunConfig]
    seed: int = 0
    stand_in: str = ""
    expected_runtime: str = ""
    notes: List[str] = dataclasses.field(default_factory=list)
    claims: List = dataclasses.field(default_factory=list)  # deepcolor.train.claims kinds
    seeds: Optional[List[int]] = None  # every run repeats once per seed; None: [seed]
    data_checks: List[dict] = dataclasses.field(default_factory=list)  # train.datacheck

    def all_seeds(self) -> List[int]:
        return list(self.seeds) if self.seeds else [self.seed]

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)


def colorspace_of(run: RunConfig) -> dict:
    """The run's colour space: its own field, else its registered model's."""
    if run.colorspace is not None:
        return dict(run.colorspace)
    from deepcolor.models import registry

    return dict(registry.get(run.model).colorspace)


def replace_in_runs(config: ExperimentConfig, **changes) -> ExperimentConfig:
    """Apply command-line overrides (epochs, batch size, source, backbone weights, seeds).

    `--data` replaces each run's data label and the preset's stand-in note too, so a
    table never names data the run did not use. `--backbone-weights` reaches every run
    that has a pretrained network, fusion embedding or encoder alike.
    """
    runs = []
    stand_in = config.stand_in
    for run in config.runs:
        run = dataclasses.replace(run, data=dataclasses.replace(run.data))
        if changes.get("epochs") is not None:
            run.epochs = changes["epochs"]
        if changes.get("batch_size") is not None:
            run.batch_size = changes["batch_size"]
        if changes.get("source") is not None:
            run.data.source = run.data.label = changes["source"]
            stand_in = f"{changes['source']} (given by --data) in place of the preset's data"
        if changes.get("backbone_weights") is not None and run.backbone is not None:
            weights = None if changes["backbone_weights"] == "none" else changes["backbone_weights"]
            run.backbone = dataclasses.replace(run.backbone, weights=weights)
        runs.append(run)
    seeds = changes.get("seeds") or config.seeds
    return dataclasses.replace(config, runs=runs, stand_in=stand_in, seeds=seeds)
