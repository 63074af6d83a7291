"""Train and evaluate one RunConfig: data -> (embeddings) -> model.fit -> metrics -> export.

Everything a run writes to disk goes under its run folder (git-ignored): Keras
backups for resuming, the history CSV, TensorBoard logs, cached embeddings and
the exported models. Rerunning after a kill resumes from the last finished epoch.
"""
from __future__ import annotations

import dataclasses
import json
import os
from typing import Dict, Optional

import keras
import numpy as np
import tensorflow as tf

import data_pipelines
from deepcolor import metrics as metrics_lib
from deepcolor.colorspaces import ColorSpace, get_colorspace, to_unit_rgb
from deepcolor.config import BackboneConfig, RunConfig
from deepcolor.models import backbone as backbone_lib
from deepcolor.models import registry

SPLITS = ("train", "validation", "test")
_LOSSES = {"mse": "mse", "l1": "mae", "mae": "mae"}
TRAINERS = ("supervised", "cgan")
GRID_IMAGES = 8


@dataclasses.dataclass
class RunResult:
    """What the table, figures and later runs need from one finished run."""

    name: str
    metrics: Dict[str, float]
    history: Dict[str, list]
    run_dir: str
    export_dir: Optional[str]
    reports: Dict[str, dict]
    samples: Dict[str, np.ndarray]

    def to_json(self) -> dict:
        return {"name": self.name, "metrics": self.metrics, "history": self.history,
                "run_dir": self.run_dir, "export_dir": self.export_dir, "reports": self.reports}


def _load_splits(run: RunConfig, seed: int, as_uint8: bool = False):
    d = run.data
    out = {}
    for split in SPLITS:
        limit = d.train_limit if split == "train" else d.eval_limit
        out[split] = data_pipelines.load_images(
            d.source, split, image_size=d.image_size, resize=d.resize,
            drop_grayscale=d.drop_grayscale, limit=limit, seed=seed,
            validation_fraction=d.validation_fraction, test_fraction=d.test_fraction,
            as_uint8=as_uint8)
        if out[split][1].num_images == 0:
            raise data_pipelines.DataSourceError(
                f"{d.source} has no usable images in its {split} split")
    return out


def _embeddings(embedder, images, colorspace: ColorSpace, cache_path: str) -> np.ndarray:
    """Each image's backbone embedding, computed once and kept on disk for resumes."""
    if os.path.exists(cache_path):
        return np.load(cache_path)
    inputs = images.map(lambda image: colorspace.encode_input(to_unit_rgb(image)),
                        num_parallel_calls=tf.data.AUTOTUNE)
    emb = embedder.predict(inputs.batch(32), verbose=0).astype("float32")
    np.save(cache_path, emb)
    return emb


def _build_model(run: RunConfig, spec, strategy, jit_compile: bool):
    """The compiled model to fit: a registered model, or a cGAN around it (deepcolor.gan)."""
    if run.trainer not in TRAINERS:
        raise ValueError(f"run {run.name!r}: unknown trainer {run.trainer!r}; choose one of "
                         f"{', '.join(TRAINERS)}")
    with strategy.scope():
        if run.trainer == "cgan":
            from deepcolor import gan
            return gan.build(run, run.data.image_size, jit_compile=jit_compile)
        model = registry.build(run.model, input_size=run.data.image_size, **run.model_options)
        model.compile(optimizer=keras.optimizers.Adam(run.learning_rate),
                      loss=_LOSSES[run.loss], jit_compile=jit_compile)
    return model


def _read_history(path: str) -> Dict[str, list]:
    """The CSVLogger history, one row per epoch (a resumed epoch logged twice keeps its last row)."""
    import pandas as pd

    if not os.path.exists(path):
        return {}
    frame = pd.read_csv(path).drop_duplicates("epoch", keep="last").sort_values("epoch")
    return {k: frame[k].to_numpy() for k in frame.columns}


def _predict(model, dataset):
    """Model outputs for a dataset of (inputs, target), with inputs and targets kept."""
    xs, ys, preds = [], [], []
    for inputs, target in dataset:
        gray = inputs[0] if isinstance(inputs, tuple) else inputs
        preds.append(np.asarray(model(inputs, training=False), dtype="float32"))
        xs.append(gray.numpy())
        ys.append(target.numpy())
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(preds)


def evaluate(model, dataset, colorspace: ColorSpace) -> tuple:
    """Report-style MSE in the target space plus RGB metrics, on every image of `dataset`."""
    gray, target, pred = _predict(model, dataset)
    true_rgb = colorspace.decode(gray, target).numpy()
    pred_rgb = colorspace.decode(gray, pred).numpy()
    results = {"mse": float(np.mean((pred - target) ** 2)),
               "l1": float(np.mean(np.abs(pred - target)))}
    results.update(metrics_lib.evaluate(true_rgb, pred_rgb))
    samples = {"gray": (gray[:GRID_IMAGES] - colorspace.input_range[0])
               / (colorspace.input_range[1] - colorspace.input_range[0]),
               "truth": true_rgb[:GRID_IMAGES], "prediction": pred_rgb[:GRID_IMAGES]}
    return results, samples


def train_run(run: RunConfig, run_dir: str, *, seed: int = 0, strategy=None,
              jit_compile: bool = False, export: bool = True, log=print,
              init_weights: Optional[str] = None) -> RunResult:
    """Train `run` in `run_dir` (resuming if it was interrupted), evaluate it on the test split.

    `init_weights`: a weights file (an earlier run's checkpoint, see `run.init_from`)
    loaded into the model before training; for a cGAN, into its generator.
    """
    os.makedirs(run_dir, exist_ok=True)
    strategy = strategy or tf.distribute.get_strategy()
    keras.utils.set_random_seed(seed)
    spec = registry.get(run.model)
    colorspace = get_colorspace(run.colorspace or spec.colorspace)

    splits = _load_splits(run, seed, as_uint8=True)  # encode_batches converts whole batches
    reports = {s: dataclasses.asdict(r) for s, (_, r) in splits.items()}
    for split, (_, report) in splits.items():
        log(f"  {split}: {report.num_images} images from {report.description}")
        if report.skipped:
            log(f"  {split}: skipped {len(report.skipped)} bad files (listed in {run_dir}/skipped.json)")
    with open(os.path.join(run_dir, "skipped.json"), "w") as f:
        json.dump({s: r["skipped"] for s, r in reports.items()}, f, indent=1)

    embedder, extras = None, {s: None for s in SPLITS}
    if "embedding" in spec.extra_inputs:
        bb = run.backbone or BackboneConfig()
        embedder = backbone_lib.build_embedder(run.data.image_size, arch=bb.arch, weights=bb.weights,
                                               embedding=bb.embedding, backbone_size=bb.size)
        for split, (images, _) in splits.items():
            emb = _embeddings(embedder, images, colorspace, os.path.join(run_dir, f"embeddings_{split}.npy"))
            extras[split] = tf.data.Dataset.from_tensor_slices(emb)
        log(f"  backbone {bb.arch} ({bb.weights or 'random init'}), {bb.embedding} embedding: "
            f"computed once per image, reused every epoch")

    datasets = {s: data_pipelines.encode_batches(images, colorspace, run.batch_size,
                                                 shuffle=(s == "train"), seed=seed,
                                                 extras=extras[s])
                for s, (images, _) in splits.items()}

    model = _build_model(run, spec, strategy, jit_compile)
    net = model.generator if run.trainer == "cgan" else model  # what is evaluated and exported
    if init_weights:
        net.load_weights(init_weights)
        log(f"  initialised {net.name} from {init_weights}")
    history_path = os.path.join(run_dir, "history.csv")
    callbacks = [
        keras.callbacks.BackupAndRestore(os.path.join(run_dir, "backup")),
        keras.callbacks.CSVLogger(history_path, append=True),
        keras.callbacks.TerminateOnNaN(),
        keras.callbacks.ModelCheckpoint(os.path.join(run_dir, "checkpoint.weights.h5"),
                                        save_weights_only=True),
        keras.callbacks.TensorBoard(os.path.join(run_dir, "tensorboard"), write_graph=False),
    ]
    fit = model.fit(datasets["train"], validation_data=datasets["validation"], epochs=run.epochs,
                    callbacks=callbacks, verbose=2, shuffle=False)  # tf.data shuffles
    if any(np.isnan(v).any() for v in fit.history.values()):
        raise FloatingPointError(f"run {run.name!r} stopped: loss became NaN")

    history = _read_history(history_path)
    results, samples = evaluate(net, datasets["test"], colorspace)
    for key in ("loss", "val_loss"):
        if key in history and len(history[key]):
            results[f"final_{key}"] = float(history[key][-1])
    if run.trainer == "cgan":  # the report's L_total on the test split
        results["test_loss"] = float(model.evaluate(datasets["test"], verbose=0,
                                                    return_dict=True)["loss"])
    else:
        results["test_loss"] = results["l1" if _LOSSES[run.loss] == "mae" else "mse"]

    export_dir = None
    if export:
        export_dir = _export(net, embedder, colorspace, run, run_dir)
    return RunResult(run.name, results, {k: np.asarray(v).tolist() for k, v in history.items()},
                     run_dir, export_dir, reports, samples)


def _export(model, embedder, colorspace, run: RunConfig, run_dir: str) -> str:
    """SavedModel (uint8 in, uint8 out, any size) and a .keras file, with the backbone inside."""
    from deepcolor import export as export_lib

    single = backbone_lib.attach(model, embedder) if embedder is not None else model
    saved = os.path.join(run_dir, "saved_model")
    export_lib.export_saved_model(single, colorspace, saved, run.data.image_size)
    export_lib.save_keras_with_metadata(single, colorspace, os.path.join(run_dir, "model.keras"),
                                        run.data.image_size)
    return saved
