"""Train and evaluate one RunConfig in five steps: prepare (data, embeddings, resume) ->
build -> fit -> score -> export; `train_run` calls them in turn.

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

from deepcolor.colorspaces import ColorSpace, get_colorspace
from deepcolor.errors import UsageError
from deepcolor.models import backbone as backbone_lib
from deepcolor.models import registry
import data_pipelines
from deepcolor.train import callbacks as callbacks_lib
from deepcolor.train import data as data_lib
from deepcolor.train import losses
from deepcolor.train import multihost
from deepcolor.train import rundirs
from deepcolor.train import scoring
from deepcolor.train.config import RunConfig, colorspace_of

SPLITS = data_lib.SPLITS
TRAINERS = ("supervised", "cgan")
# "best": lowest validation loss; "best_train": lowest training loss (report 004, section V).
CHECKPOINTS = ("last", "best", "best_train")


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
    for a model that can sit on several encoders (effnet_unet: `encoder_arch`) the run's
    `run.backbone.arch`; and the width of a fusion model's embedding (whatever backbone
    computed it)."""
    options = dict(run.model_options)
    parameters = inspect.signature(spec.build).parameters
    if embedding_dim and "embedding_dim" in parameters:
        options["embedding_dim"] = embedding_dim
    for key, field in (("weights", "weights"), ("encoder_arch", "arch")):
        if key in options:
            raise UsageError(f"run {run.name!r}: give the pretrained encoder as "
                             f"backbone=BackboneConfig({field}=...), not model_options")
    takes_weights = "weights" in parameters
    if takes_weights and "embedding" not in spec.extra_inputs and run.backbone is not None:
        options["weights"] = run.backbone.weights
        if "encoder_arch" in parameters:
            options["encoder_arch"] = run.backbone.arch
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
        model.compile(optimizer=optimizer(run),
                      loss=losses.by_name(run.loss), jit_compile=jit_compile)
    return model


def optimizer(run: RunConfig):
    """Adam at the run's learning rate; AdamW (decoupled weight decay, Loshchilov & Hutter
    2019) when the run sets `weight_decay`."""
    if run.weight_decay:
        return keras.optimizers.AdamW(run.learning_rate, weight_decay=run.weight_decay)
    return keras.optimizers.Adam(run.learning_rate)


@dataclasses.dataclass
class _Prepared:
    """What `prepare` hands the later steps: the run's data, batches and where it resumes."""

    spec: object
    colorspace: ColorSpace
    reports: dict
    datasets: dict
    embedder: object
    extras: dict
    restore: callbacks_lib.RestorePoint
    first_epoch: int


def _resume(run: RunConfig, run_dir: str, writer: bool, log) -> tuple:
    """Where training resumes: the backup to restore and the epochs already done.
    Every process resumes where process 0's backup says (the others have no files)."""
    restore = (callbacks_lib.restore_point(rundirs.backup_dir(run_dir)) if writer
               else callbacks_lib.RestorePoint())
    if restore.notice:
        log(f"  {restore.notice}")
    first_epoch = multihost.agree(restore.epoch)
    if writer:
        callbacks_lib.remove_stale_partials(run_dir)
        callbacks_lib.truncate_history(rundirs.history_path(run_dir), first_epoch)
    if first_epoch:
        log(f"  resuming after epoch {first_epoch} of {run.epochs}")
    return restore, first_epoch


def prepare(run: RunConfig, run_dir: str, seed: int, writer: bool, log) -> _Prepared:
    """Step 1: the run folder, the seed, the three splits (and their embeddings), the
    point to resume from, and the encoded batches from there on."""
    if writer:  # under multihost only process 0 writes files
        os.makedirs(run_dir, exist_ok=True)
    keras.utils.set_random_seed(seed)
    spec = registry.get(run.model)
    colorspace = get_colorspace(colorspace_of(run))
    splits, reports = data_lib.load_run_data(run, run_dir, seed, writer, log)
    embedder, extras = data_lib.run_embeddings(run, spec, splits, colorspace, run_dir, writer,
                                               log)
    restore, first_epoch = _resume(run, run_dir, writer, log)
    datasets = data_lib.batches(splits, colorspace, run.batch_size, seed, extras,
                                epochs=run.epochs, first_epoch=first_epoch,
                                augment_size=run.data.image_size if run.data.augment else 0,
                                shard=multihost.shard())
    return _Prepared(spec, colorspace, reports, datasets, embedder, extras, restore, first_epoch)


def build(run: RunConfig, prepared: _Prepared, strategy, jit_compile: bool,
          init_weights: Optional[str], log) -> tuple:
    """Step 2: (the model to fit, the network evaluated and exported: a cGAN's generator),
    started from `init_weights` if given."""
    train_extra = prepared.extras["train"]
    width = int(train_extra.shape[-1]) if train_extra is not None else None
    model = build_model(run, prepared.spec, strategy, jit_compile, embedding_dim=width)
    net = model.generator if run.trainer == "cgan" else model
    if init_weights:
        multihost.load_from_writer(net, init_weights)
        log(f"  initialised {net.name} from {init_weights}")
    return model, net


def _monitor(run: RunConfig) -> str:
    return "loss" if run.checkpoint == "best_train" else "val_loss"


def fit(run: RunConfig, run_dir: str, prepared: _Prepared, model, net, strategy,
        writer: bool, log):
    """Step 3: model.fit over the epochs still to train, saving checkpoints and backups;
    a non-finite loss stops the run with the last finite checkpoint named. Under
    multihost, process 0 then takes the model for itself (it alone scores and exports)."""
    last, best = rundirs.checkpoints(run_dir)
    history_path = rundirs.history_path(run_dir)
    callbacks = callbacks_lib.training_callbacks(
        run_dir, rundirs.backup_dir(run_dir), history_path, last, best, net, _monitor(run),
        writer=writer, restore=prepared.restore)
    if multihost.active():
        callbacks = multihost.take_over_restore(callbacks, prepared.first_epoch)
    with strategy.scope() if multihost.active() else contextlib.nullcontext():
        fitted = model.fit(prepared.datasets["train"],
                           validation_data=prepared.datasets["validation"],
                           epochs=run.epochs, callbacks=callbacks, verbose=2,
                           steps_per_epoch=data_pipelines.steps_per_epoch(
                               prepared.reports["train"]["num_images"], run.batch_size),
                           shuffle=False)  # the stream is shuffled
    if any(not np.all(np.isfinite(v)) for v in fitted.history.values()):
        saved = callbacks_lib.last_finite_epoch(history_path)
        where = (f"the last finite checkpoint (epoch {saved}) is {last}" if saved else
                 "no epoch finished with finite weights")
        raise FloatingPointError(f"run {run.name!r} stopped: loss became NaN or infinite; {where}")
    if multihost.active():
        log(f"  {multihost.describe()}: loss per epoch "
            f"{[float(v) for v in fitted.history['loss']]}")
        if writer:
            multihost.make_local(model)  # evaluate without the others
    return fitted


def score(run: RunConfig, run_dir: str, model, net, test, colorspace) -> tuple:
    """Step 4: (test metrics, sample images, history) of the run's kept checkpoint
    (`run.checkpoint`: the last epoch, or the one best on validation). The other
    checkpoint is scored too, as "<metric>@last" or "<metric>@best", on the same test
    images; then the final and lowest losses and the report's test loss are added."""
    history_path = rundirs.history_path(run_dir)
    history = scoring.read_history(history_path)
    last, best = rundirs.checkpoints(run_dir)
    use_best = run.checkpoint != "last" and os.path.exists(best)
    if use_best:
        net.load_weights(best)
    results, samples = scoring.evaluate(net, test, colorspace)
    if os.path.exists(best):
        net.load_weights(last if use_best else best)
        other, _ = scoring.evaluate(net, test, colorspace)
        results.update({f"{k}@{'last' if use_best else 'best'}": v for k, v in other.items()})
        results["best_epoch"] = callbacks_lib.best_epoch(history_path, _monitor(run))
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
    return results, samples, history


def train_run(run: RunConfig, run_dir: str, *, seed: int = 0, strategy=None,
              jit_compile: bool = False, export: bool = True, log=print,
              init_weights: Optional[str] = None,
              provenance: Optional[dict] = None) -> RunResult:
    """Train `run` in `run_dir` (resuming if it was interrupted), evaluate it on the test
    split, export it: prepare, build, fit, score, export.

    `init_weights`: a weights file (an earlier run's checkpoint, see `run.init_from`)
    loaded into the model before training; for a cGAN, into its generator.
    """
    from deepcolor.train import runtime

    writer = multihost.is_writer()
    strategy = strategy or runtime.make_strategy("default")
    prepared = prepare(run, run_dir, seed, writer, log)
    model, net = build(run, prepared, strategy, jit_compile, init_weights, log)
    fitted = fit(run, run_dir, prepared, model, net, strategy, writer, log)
    if not writer:  # process 0 evaluates and exports, from its own files
        return RunResult(run.name, {}, dict(fitted.history), run_dir, None, prepared.reports, {})
    results, samples, history = score(run, run_dir, model, net, prepared.datasets["test"],
                                      prepared.colorspace)
    export_dir = (_export(net, prepared.embedder, prepared.colorspace, run, run_dir, log=log,
                          provenance=provenance) if export else None)
    return RunResult(run.name, results, {k: np.asarray(v).tolist() for k, v in history.items()},
                     run_dir, export_dir, prepared.reports, samples)


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
