"""The callbacks of every training run, chosen so that nothing is lost or re-done.

* `BackupAndRestore` keeps its backup after training (Keras deletes it at the end), so
  a kill during evaluation or export resumes there instead of training again.
* No checkpoint or backup is written from an epoch whose loss is not finite: after a
  NaN, the last finite checkpoint survives and the error says where it is.
* `best.weights.h5` holds the epoch with the lowest validation loss; its best value
  is read back from the history on resume, so a resumed run picks the same epoch.
* TensorBoard logs need TensorFlow (Keras writes them with `tf.summary`): without it
  (JAX GPU machines) they are left out; the history CSV has the same curves.
"""
from __future__ import annotations

import json
import math
import os

import keras


def _finite(logs) -> bool:
    return all(math.isfinite(float(v)) for v in (logs or {}).values()
               if isinstance(v, (int, float)) or hasattr(v, "__float__"))


def restored_epoch(backup_dir: str) -> int:
    """The number of finished epochs the backup holds (0 without one)."""
    try:
        with open(os.path.join(backup_dir, "training_metadata.json")) as f:
            return int(json.load(f)["epoch"])
    except (OSError, ValueError, KeyError):
        return 0


def truncate_history(history_path: str, finished_epochs: int) -> None:
    """Keep the history rows of the epochs the backup holds: a kill after an epoch's row
    was written but before its backup would otherwise leave that epoch logged twice."""
    frame = _history(history_path)
    if frame is None:
        return
    kept = frame[frame["epoch"] < finished_epochs]
    if len(kept) != len(frame):
        tmp = history_path + ".partial"
        kept.to_csv(tmp, index=False)
        os.replace(tmp, history_path)


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


class _FiniteBackup(keras.callbacks.BackupAndRestore):
    def on_epoch_end(self, epoch, logs=None):
        if _finite(logs):
            super().on_epoch_end(epoch, logs)


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
    tmp = path.replace(".weights.h5", ".partial.weights.h5")
    net.save_weights(tmp)
    os.replace(tmp, path)


def has_tensorflow() -> bool:
    try:
        import tensorflow  # noqa: F401
    except ImportError:
        return False
    return True


def training_callbacks(run_dir, backup_dir, history_path, last_path, best_path, net,
                       monitor: str = "val_loss", writer: bool = True) -> list:
    if not writer:  # another process (multihost's process 0) writes every file
        return [keras.callbacks.TerminateOnNaN()]
    # Order matters: the history row and the checkpoints are written before the backup
    # records the epoch as finished, so a kill in between re-does at most that epoch.
    tensorboard = ([keras.callbacks.TensorBoard(os.path.join(run_dir, "tensorboard"),
                                                write_graph=False)]
                   if has_tensorflow() else [])
    return [
        keras.callbacks.CSVLogger(history_path, append=True),
        keras.callbacks.TerminateOnNaN(),
        _FiniteCheckpoint(last_path, net),
        _BestCheckpoint(best_path, net, history_path, monitor),
        *tensorboard,
        _FiniteBackup(backup_dir, delete_checkpoint=False),
    ]
