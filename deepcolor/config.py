"""A report is data: an experiment is a config that the one runner executes.

An `ExperimentConfig` holds one or more `RunConfig`s (one model trained on one
dataset each); every field is plain data so the resolved config is saved as JSON
beside the results it produced.
"""
from __future__ import annotations

import dataclasses
import json
from typing import Dict, List, Optional


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


@dataclasses.dataclass
class BackboneConfig:
    """The frozen embedding network of a fusion model (deepcolor.models.backbone)."""

    arch: str = "inception_resnet_v2"
    weights: Optional[str] = "imagenet"
    embedding: str = "pooled"
    size: Optional[int] = None


@dataclasses.dataclass
class RunConfig:
    """One model trained on one dataset: one row of an experiment's table.

    `paper` holds the report's own numbers for this row, keyed by our metric names
    (e.g. {"mse": 0.0105}); the table puts each beside ours.

    `trainer`: "supervised" (model.fit on `loss`) or "cgan" (deepcolor.gan: `model`
    is the generator, `trainer_options` may set discriminator, l1_weight, epsilon,
    d_learning_rate). `init_from`: the name of an EARLIER run of the same experiment
    whose final weights initialise this run's model (a cGAN's generator).
    """

    name: str
    model: str
    data: DataConfig = dataclasses.field(default_factory=DataConfig)
    model_options: Dict = dataclasses.field(default_factory=dict)
    colorspace: Optional[Dict] = None
    backbone: Optional[BackboneConfig] = None
    loss: str = "mse"
    learning_rate: float = 1e-3
    batch_size: int = 32
    epochs: int = 10
    paper: Dict[str, float] = dataclasses.field(default_factory=dict)
    trainer: str = "supervised"
    trainer_options: Dict = dataclasses.field(default_factory=dict)
    init_from: Optional[str] = None


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

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)


def replace_in_runs(config: ExperimentConfig, **changes) -> ExperimentConfig:
    """Apply command-line overrides (epochs, source, backbone weights, ...) to every run."""
    runs = []
    for run in config.runs:
        run = dataclasses.replace(run, data=dataclasses.replace(run.data))
        if changes.get("epochs") is not None:
            run.epochs = changes["epochs"]
        if changes.get("batch_size") is not None:
            run.batch_size = changes["batch_size"]
        if changes.get("source") is not None:
            run.data.source = changes["source"]
        if changes.get("backbone_weights") is not None and run.backbone is not None:
            run.backbone = dataclasses.replace(run.backbone, weights=changes["backbone_weights"])
        runs.append(run)
    return dataclasses.replace(config, runs=runs)
