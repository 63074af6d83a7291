"""Train and evaluate one RunConfig: data -> (embeddings) -> model.fit -> metrics -> export.

Everything a run writes to disk goes under its run folder (git-ignored): Keras
backups for resuming, the history CSV, TensorBoard logs, cached embeddings and
the exported models. Rerunning after a kill resumes from the last finished epoch.
"""
from __future__ import annotations

import contextlib
import dataclasses
import inspect
import os
from typing import Dict, Optional

import keras
import numpy as np

from deepcolor import metrics as metrics_lib
from deepcolor.colorspaces import ColorSpace, get_colorspace
from deepcolor.errors import UsageError
from deepcolor.models import backbone as backbone_lib
from deepcolor.models import registry
import data_pipelines
from deepcolor.train import callbacks as callbacks_lib
from deepcolor.train import data as data_lib
from deepcolor.train import losses
from deepcolor.train import multihost
from deepcolor.train.config import RunConfig, colorspace_of

SPLITS = data_lib.SPLITS
TRAINERS = ("supervised", "cgan")
# "best": lowest validation loss; "best_train": lowest training loss (report 004, section V).
CHECKPOINTS = ("last", "best", "best_train")
GRID_IMAGES = 8
WHITE = 0.9  # an RGB pixel with every channel at least this is "white" (report 002, 4.1)


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


def model_options(run: RunConfig, spec, embedding_dim: Optional[int] = None) -> dict:
    """The builder's keyword arguments: the run's options, plus the encoder weights of
    an encoder model, which travel in `run.backbone.weights` like every backbone's, and
    the width of a fusion model's embedding (whatever backbone computed it)."""
    options = dict(run.model_options)
    parameters = inspect.signature(spec.build).parameters
    if embedding_dim and "embedding_dim" in parameters:
        options["embedding_dim"] = embedding_dim
    if "weights" in options:
        raise UsageError(f"run {run.name!r}: give pretrained weights as "
                         f"backbone=BackboneConfig(weights=...), not model_options")
    takes_weights = "weights" in parameters
    if takes_weights and "embedding" not in spec.extra_inputs and run.backbone is not None:
        options["weights"] = run.backbone.weights
    return options


def build_model(run: RunConfig, spec, strategy, jit_compile: bool,
                embedding_dim: Optional[int] = None):
    """The compiled model to fit: a registered model, or a cGAN around it (train.gan)."""
    if run.checkpoint not in CHECKPOINTS:
        raise UsageError(f"run {run.name!r}: checkpoint must be one of {', '.join(CHECKPOINTS)}, "
                         f"not {run.checkpoint!r}")
    if run.trainer not in TRAINERS:
        raise UsageError(f"run {run.name!r}: unknown trainer {run.trainer!r}; choose one of "
                         f"{', '.join(TRAINERS)}")
    with strategy.scope():
        if run.trainer == "cgan":
            from deepcolor.train import gan
            return gan.build(run, run.data.image_size, jit_compile=jit_compile)
        model = registry.build(run.model, input_size=run.data.image_size,
                               **model_options(run, spec, embedding_dim))
        model.compile(optimizer=keras.optimizers.Adam(run.learning_rate),
                      loss=losses.by_name(run.loss), jit_compile=jit_compile)
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
        xs.append(np.asarray(gray))
        ys.append(np.asarray(target))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(preds)


def evaluate(model, dataset, colorspace: ColorSpace) -> tuple:
    """Report-style MSE in the target space plus RGB metrics, on every image of `dataset`."""
    gray, target, pred = _predict(model, dataset)
    true_rgb = np.asarray(colorspace.decode(gray, target))
    pred_rgb = np.asarray(colorspace.decode(gray, pred))
    results = {"mse": float(np.mean((pred - target) ** 2)),
               "l1": float(np.mean(np.abs(pred - target)))}
    results.update(metrics_lib.evaluate(true_rgb, pred_rgb))
    results["white_fraction"] = float(np.mean(np.all(pred_rgb >= WHITE, axis=-1)))
    samples = {"gray": (gray[:GRID_IMAGES] - colorspace.input_range[0])
               / (colorspace.input_range[1] - colorspace.input_range[0]),
               "truth": true_rgb[:GRID_IMAGES], "prediction": pred_rgb[:GRID_IMAGES]}
    return results, samples


def _resume(run: RunConfig, run_dir: str, backup_dir: str, writer: bool, log) -> tuple:
    """Where training resumes: the backup to restore and the epochs already done.
    Every process resumes where process 0's backup says (the others have no files)."""
    restore = (callbacks_lib.restore_point(backup_dir) if writer
               else callbacks_lib.RestorePoint())
    if restore.notice:
        log(f"  {restore.notice}")
    first_epoch = multihost.agree(restore.epoch)
    if writer:
        callbacks_lib.remove_stale_partials(run_dir)
        callbacks_lib.truncate_history(os.path.join(run_dir, "history.csv"), first_epoch)
    if first_epoch:
        log(f"  resuming after epoch {first_epoch} of {run.epochs}")
    return restore, first_epoch


def _fit(run: RunConfig, model, datasets: dict, reports: dict, callbacks: list, strategy,
         history_path: str, last: str):
    """model.fit over the epochs still to train; a non-finite loss stops the run with the
    last finite checkpoint named."""
    with strategy.scope() if multihost.active() else contextlib.nullcontext():
        fit = model.fit(datasets["train"], validation_data=datasets["validation"],
                        epochs=run.epochs, callbacks=callbacks, verbose=2,
                        steps_per_epoch=data_pipelines.steps_per_epoch(
                            reports["train"]["num_images"], run.batch_size),
                        shuffle=False)  # the stream is shuffled
    if any(not np.all(np.isfinite(v)) for v in fit.history.values()):
        saved = callbacks_lib.last_finite_epoch(history_path)
        where = (f"the last finite checkpoint (epoch {saved}) is {last}" if saved else
                 "no epoch finished with finite weights")
        raise FloatingPointError(f"run {run.name!r} stopped: loss became NaN or infinite; {where}")
    return fit


def _score(run: RunConfig, model, net, test, colorspace, history: dict, history_path: str,
           monitor: str) -> tuple:
    """Test metrics of the run's kept checkpoint (and the other's, as "<metric>@..."),
    the final and lowest losses, and the report's test loss."""
    run_dir = os.path.dirname(history_path)
    last, best = (os.path.join(run_dir, f) for f in ("checkpoint.weights.h5", "best.weights.h5"))
    # The run's checkpoint (`run.checkpoint`: the last epoch, or the one best on
    # validation) is scored and exported; the other is scored too, as "<metric>@last"
    # or "<metric>@best", on the same test images.
    use_best = run.checkpoint != "last" and os.path.exists(best)
    if use_best:
        net.load_weights(best)
    results, samples = evaluate(net, test, colorspace)
    if os.path.exists(best):
        net.load_weights(last if use_best else best)
        other, _ = evaluate(net, test, colorspace)
        results.update({f"{k}@{'last' if use_best else 'best'}": v for k, v in other.items()})
        results["best_epoch"] = callbacks_lib.best_epoch(history_path, monitor)
        net.load_weights(best if use_best else last)
    for key in ("loss", "val_loss"):
        if key in history and len(history[key]):
            results[f"final_{key}"] = float(history[key][-1])
            results[f"lowest_{key}"] = float(np.nanmin(history[key]))  # what "best" keeps
    if run.trainer == "cgan":  # the report's L_total on the test split
        results["test_loss"] = float(model.evaluate(test, verbose=0,
                                                    return_dict=True)["loss"])
    else:
        results["test_loss"] = results["l1" if run.loss in ("l1", "mae") else "mse"]
    return results, samples


def train_run(run: RunConfig, run_dir: str, *, seed: int = 0, strategy=None,
              jit_compile: bool = False, export: bool = True, log=print,
              init_weights: Optional[str] = None,
              provenance: Optional[dict] = None) -> RunResult:
    """Train `run` in `run_dir` (resuming if it was interrupted), evaluate it on the test split.

    `init_weights`: a weights file (an earlier run's checkpoint, see `run.init_from`)
    loaded into the model before training; for a cGAN, into its generator.
    """
    from deepcolor.train import runtime

    writer = multihost.is_writer()  # under multihost only process 0 writes files
    if writer:
        os.makedirs(run_dir, exist_ok=True)
    strategy = strategy or runtime.make_strategy("default")
    keras.utils.set_random_seed(seed)
    spec = registry.get(run.model)
    colorspace = get_colorspace(colorspace_of(run))

    splits, reports = data_lib.load_run_data(run, run_dir, seed, writer, log)
    embedder, extras = data_lib.run_embeddings(run, spec, splits, colorspace, run_dir, writer,
                                               log)

    backup_dir = os.path.join(run_dir, "backup")
    restore, first_epoch = _resume(run, run_dir, backup_dir, writer, log)
    datasets = data_lib.batches(splits, colorspace, run.batch_size, seed, extras,
                                epochs=run.epochs, first_epoch=first_epoch,
                                augment_size=run.data.image_size if run.data.augment else 0,
                                shard=multihost.shard())

    width = int(extras["train"].shape[-1]) if extras["train"] is not None else None
    model = build_model(run, spec, strategy, jit_compile, embedding_dim=width)
    net = model.generator if run.trainer == "cgan" else model  # what is evaluated and exported
    if init_weights:
        multihost.load_from_writer(net, init_weights)
        log(f"  initialised {net.name} from {init_weights}")
    history_path = os.path.join(run_dir, "history.csv")
    last, best = (os.path.join(run_dir, f) for f in ("checkpoint.weights.h5", "best.weights.h5"))
    monitor = "loss" if run.checkpoint == "best_train" else "val_loss"
    callbacks = callbacks_lib.training_callbacks(run_dir, backup_dir, history_path, last, best,
                                                 net, monitor, writer=writer, restore=restore)
    if multihost.active():
        callbacks = multihost.take_over_restore(callbacks, first_epoch)
    fit = _fit(run, model, datasets, reports, callbacks, strategy, history_path, last)
    if multihost.active():
        log(f"  {multihost.describe()}: loss per epoch {[float(v) for v in fit.history['loss']]}")
        if not writer:  # process 0 evaluates and exports, from its own files
            return RunResult(run.name, {}, dict(fit.history), run_dir, None, reports, {})
        multihost.make_local(model)  # evaluate without the others

    history = _read_history(history_path)
    results, samples = _score(run, model, net, datasets["test"], colorspace, history,
                              history_path, monitor)

    export_dir = None
    if export:
        export_dir = _export(net, embedder, colorspace, run, run_dir, log=log,
                             provenance=provenance)
    return RunResult(run.name, results, {k: np.asarray(v).tolist() for k, v in history.items()},
                     run_dir, export_dir, reports, samples)


def _export(model, embedder, colorspace, run: RunConfig, run_dir: str, log=print,
            provenance: Optional[dict] = None) -> str:
    """A .keras file (any backend) and, under TensorFlow, a SavedModel (uint8 in, uint8
    out, any size), with the backbone inside; logs what was written and skipped.
    `provenance` (experiment, preset, stand-in) travels in the metadata, so `deepcolor
    colorize` can warn about a smoke-scale model wherever it is copied."""
    from deepcolor.serving import export as export_lib

    single = backbone_lib.attach(model, embedder) if embedder is not None else model
    keras_file = os.path.join(run_dir, "model.keras")
    export_lib.save_keras_with_metadata(single, colorspace, keras_file, run.data.image_size,
                                        provenance=provenance)
    written = [f"{keras_file} (+ .json metadata)"]
    if keras.backend.backend() != "tensorflow":
        log(f"  export: wrote {written[0]}; skipped the SavedModel: a TensorFlow format, "
            f"and the Keras backend is {keras.backend.backend()}")
        return keras_file
    saved = os.path.join(run_dir, "saved_model")
    export_lib.export_saved_model(single, colorspace, saved, run.data.image_size,
                                  provenance=provenance)
    log(f"  export: wrote {saved}/ (SavedModel) and {written[0]}")
    return saved
