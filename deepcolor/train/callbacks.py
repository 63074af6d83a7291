"""The callbacks of every training run, chosen so that nothing is lost or re-done.

* The backup (`backup/`: the model's weights after each finished epoch and
  `training_metadata.json` naming them) is kept after training (Keras' own
  `BackupAndRestore` deletes it at the end), so a kill during evaluation or export
  resumes there instead of training again.
* Every file written for resume (backup weights and metadata, checkpoints, the history
  CSV) is written under a temporary name, flushed to disk and renamed into place, so a
  kill at any moment leaves the previous version whole. The backup keeps the weights of
  the previous epoch too: if the latest is damaged anyway (a full disk, a crash of the
  machine), `restore_point` falls back to the last good one with a one-line notice.
* No checkpoint or backup is written from an epoch whose loss is not finite: after a
  NaN, the last finite checkpoint survives and the error says where it is.
* `best.weights.h5` holds the epoch with the lowest validation loss; its best value
  is read back from the history on resume, so a resumed run picks the same epoch.
* TensorBoard logs need TensorFlow (Keras writes them with `tf.summary`): without it
  (JAX GPU machines) they are left out; the history CSV has the same curves.
"""
from __future__ import annotations

import dataclasses
import io
import json
import math
import os
import re
from typing import Optional

import keras

from deepcolor.errors import first_line
from deepcolor.train.atomic import (remove_stale_partials,  # noqa: F401  (loop uses it)
                                    write_atomically, write_text_atomically)

METADATA = "training_metadata.json"
LEGACY_WEIGHTS = "latest.weights.h5"  # what backups held before the epoch-named files
_EPOCH_WEIGHTS = re.compile(r"epoch-(\d+)\.weights\.h5$")


def _finite(logs) -> bool:
    return all(math.isfinite(float(v)) for v in (logs or {}).values()
               if isinstance(v, (int, float)) or hasattr(v, "__float__"))


def weights_problem(path: str) -> Optional[str]:
    """None if `path` is a complete HDF5 weights file (every array read back), else why not."""
    import h5py

    if not os.path.isfile(path):
        return "is missing"
    if os.path.getsize(path) == 0:
        return "is empty (0 bytes)"

    def read(name, item):
        if isinstance(item, h5py.Dataset):
            item[()]  # a truncated file fails here, not only at open

    try:
        with h5py.File(path, "r") as f:
            f.visititems(read)
    except Exception as error:  # h5py raises OSError, KeyError, RuntimeError...
        return f"is damaged ({first_line(error)})"
    return None


@dataclasses.dataclass
class RestorePoint:
    """Where a run resumes: after `epoch` finished epochs, from `weights` (None: the
    start); `notice` is a one-line message if a damaged backup was passed over."""

    epoch: int = 0
    weights: Optional[str] = None
    notice: Optional[str] = None


def _write_metadata(backup_dir: str, epoch: int, weights: str) -> None:
    write_text_atomically(os.path.join(backup_dir, METADATA),
                          json.dumps({"epoch": epoch, "batch": 0, "weights": weights}))


def restore_point(backup_dir: str) -> RestorePoint:
    """The last good backup in `backup_dir`: the one its metadata names if it is whole,
    else the newest other one that is (with a notice), else the start (with a notice)."""
    remove_stale_partials(backup_dir)
    if not os.path.isdir(backup_dir):
        return RestorePoint()
    names = os.listdir(backup_dir)
    meta_path = os.path.join(backup_dir, METADATA)
    damaged = None
    try:
        with open(meta_path) as f:
            meta = json.load(f)
        epoch, weights = int(meta["epoch"]), str(meta.get("weights", LEGACY_WEIGHTS))
        if os.path.basename(weights) != weights:
            raise ValueError(f"unexpected weights name {weights!r}")
        problem = weights_problem(os.path.join(backup_dir, weights))
        if problem is None:
            return RestorePoint(epoch, os.path.join(backup_dir, weights))
        what, damaged = f"{weights} {problem}", weights
    except FileNotFoundError:
        if not any(_EPOCH_WEIGHTS.match(n) or n == LEGACY_WEIGHTS for n in names):
            return RestorePoint()  # no backup yet
        what = f"{METADATA} is missing"
    except (OSError, ValueError, KeyError, TypeError) as error:
        what = f"{METADATA} is damaged ({first_line(error)})"
    where = f"the backup in {backup_dir}"
    candidates = sorted(((int(m.group(1)), n) for n in names
                         if (m := _EPOCH_WEIGHTS.match(n)) and n != damaged), reverse=True)
    for epoch, name in candidates:
        if weights_problem(os.path.join(backup_dir, name)) is None:
            _write_metadata(backup_dir, epoch, name)
            _remove(backup_dir, damaged)
            return RestorePoint(epoch, os.path.join(backup_dir, name),
                                f"note: {where} is unusable: {what}; resuming from the "
                                f"previous good backup, after epoch {epoch}")
    _remove(backup_dir, damaged)
    _remove(backup_dir, METADATA)
    return RestorePoint(0, None, f"note: {where} is unusable: {what}, and no earlier backup "
                                 f"is whole; training from the first epoch")


def _remove(folder: str, name: Optional[str]) -> None:
    if name:
        try:
            os.remove(os.path.join(folder, name))
        except OSError:
            pass


def truncate_history(history_path: str, finished_epochs: int) -> None:
    """Keep the history rows of the epochs the backup holds: a kill after an epoch's row
    was written but before its backup would otherwise leave that epoch logged twice."""
    frame = _history(history_path)
    if frame is None:
        return
    kept = frame[frame["epoch"] < finished_epochs]
    if len(kept) != len(frame):
        write_atomically(history_path, lambda tmp: kept.to_csv(tmp, index=False))


def _history(path: str):
    import pandas as pd

    if not os.path.exists(path) or os.path.getsize(path) == 0:
        return None
    return pd.read_csv(path).drop_duplicates("epoch", keep="last").sort_values("epoch")


def last_finite_epoch(history_path: str) -> int:
    """1-based number of the last epoch with a finite loss (0 if none)."""
    frame = _history(history_path)
    if frame is None or "loss" not in frame:
        return 0
    finite = frame[frame["loss"].map(lambda v: math.isfinite(float(v)))]
    return int(finite["epoch"].max()) + 1 if len(finite) else 0


def best_epoch(history_path: str, monitor: str = "val_loss") -> int:
    """1-based number of the epoch with the lowest finite `monitor` loss (0 if none)."""
    frame = _history(history_path)
    if frame is None or monitor not in frame:
        return 0
    finite = frame[frame[monitor].map(lambda v: math.isfinite(float(v)))]
    return int(finite.loc[finite[monitor].idxmin(), "epoch"]) + 1 if len(finite) else 0


class _History(keras.callbacks.CSVLogger):
    """Keras' CSVLogger (same columns and numbers), but each epoch rewrites the file
    atomically instead of appending: a kill mid-write never leaves half a row."""

    def __init__(self, filename: str):
        super().__init__(filename, append=True)

    def on_train_begin(self, logs=None):
        self._before = ""
        if os.path.exists(self.filename):
            with open(self.filename, newline="") as f:
                self._before = f.read()
        self.append_header = not self._before.strip()
        self.csv_file, self.writer, self.keys = io.StringIO(), None, None

    def on_epoch_end(self, epoch, logs=None):
        super().on_epoch_end(epoch, logs)
        write_text_atomically(self.filename, self._before + self.csv_file.getvalue())

    def on_train_end(self, logs=None):
        self.writer = None


class _FiniteBackup(keras.callbacks.Callback):
    """Keras' BackupAndRestore, made safe against a kill mid-write: after each finite
    epoch E the weights go to `epoch-E.weights.h5` (written atomically), then the
    metadata naming them is replaced atomically (the commit), then older weights files
    are deleted, the previous epoch's kept as the fallback. `restore`: where to resume
    (`restore_point`, decided before the data stream was built for that epoch)."""

    def __init__(self, backup_dir: str, restore: RestorePoint):
        super().__init__()
        self.backup_dir, self.restore = backup_dir, restore

    def on_train_begin(self, logs=None):
        if self.restore.weights:
            optimizer = getattr(self.model, "optimizer", None)
            if optimizer is not None and not optimizer.built:
                optimizer.build(self.model.trainable_variables)  # its slots are saved too
            self.model.load_weights(self.restore.weights)
        if self.restore.epoch:
            self.model._initial_epoch = self.restore.epoch

    def on_epoch_end(self, epoch, logs=None):
        if not _finite(logs):
            return
        os.makedirs(self.backup_dir, exist_ok=True)
        finished = epoch + 1
        name = f"epoch-{finished:04d}.weights.h5"
        write_atomically(os.path.join(self.backup_dir, name),
                         lambda tmp: self.model.save_weights(tmp))
        _write_metadata(self.backup_dir, finished, name)
        for other in os.listdir(self.backup_dir):
            match = _EPOCH_WEIGHTS.match(other)
            if (match and int(match.group(1)) < finished - 1) or other == LEGACY_WEIGHTS:
                _remove(self.backup_dir, other)


class _FiniteCheckpoint(keras.callbacks.Callback):
    """The model's weights after each finite epoch (what `init_from` and export use)."""

    def __init__(self, path: str, net):
        super().__init__()
        self.path, self.net = path, net

    def on_epoch_end(self, epoch, logs=None):
        if _finite(logs):
            _save_atomically(self.net, self.path)


class _BestCheckpoint(keras.callbacks.Callback):
    """The weights of the epoch with the lowest `monitor` loss so far (history included):
    validation loss, or training loss where a report kept that (report 004, section V)."""

    def __init__(self, path: str, net, history_path: str, monitor: str = "val_loss"):
        super().__init__()
        self.path, self.net, self.history_path, self.monitor = path, net, history_path, monitor

    def on_train_begin(self, logs=None):
        frame = _history(self.history_path)
        values = [] if frame is None or self.monitor not in frame else [
            float(v) for v in frame[self.monitor] if math.isfinite(float(v))]
        self.best = min(values) if values and os.path.exists(self.path) else math.inf

    def on_epoch_end(self, epoch, logs=None):
        value = float((logs or {}).get(self.monitor, math.nan))
        if _finite(logs) and math.isfinite(value) and value < self.best:
            self.best = value
            _save_atomically(self.net, self.path)


def _save_atomically(net, path: str) -> None:
    write_atomically(path, lambda tmp: net.save_weights(tmp))


def has_tensorflow() -> bool:
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return False
    return True


def training_callbacks(run_dir, backup_dir, history_path, last_path, best_path, net,
                       monitor: str = "val_loss", writer: bool = True,
                       restore: Optional[RestorePoint] = None) -> list:
    """`monitor`: the loss the "best" checkpoint keeps; `writer`: False in every
    multihost process but 0 (it writes nothing); `restore`: the backup to resume from
    (default: `restore_point(backup_dir)`)."""
    if not writer:  # another process (multihost's process 0) writes every file
        return [keras.callbacks.TerminateOnNaN()]
    # Order matters: the history row and the checkpoints are written before the backup
    # records the epoch as finished, so a kill in between re-does at most that epoch.
    tensorboard = ([keras.callbacks.TensorBoard(os.path.join(run_dir, "tensorboard"),
                                                write_graph=False)]
                   if has_tensorflow() else [])
    return [
        _History(history_path),
        keras.callbacks.TerminateOnNaN(),
        _FiniteCheckpoint(last_path, net),
        _BestCheckpoint(best_path, net, history_path, monitor),
        *tensorboard,
        _FiniteBackup(backup_dir, restore or restore_point(backup_dir)),
    ]
