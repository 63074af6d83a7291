"""A tiny experiment module for end-to-end tests of the runner (seconds, not minutes).

Run as `python -m tests.tiny_experiment`. With TINY_EPOCH_SLEEP=S set, every epoch
takes at least S seconds, so a test can kill the process mid-run; with
TINY_PAUSE_IN_BACKUP_WRITE=N it pauses inside its Nth backup write (weights file
half written) and touches TINY_BACKUP_MARKER, so a test can kill it there.
"""
import os
import sys
import time

from deepcolor.train import claims, runner
from deepcolor.train.config import BackboneConfig, DataConfig, ExperimentConfig, RunConfig
from deepcolor.train.experiment import Experiment

PRESETS = {"default": "baseline + fusion (VGG16 backbone) on 16 sample crops, 16px (seconds)",
           "long": "baseline only, 6 epochs (for the kill-and-resume test)",
           "nobn": "report 004's model 1 only (no batch normalisation), 4 epochs (the "
                   "multihost test: its losses compare tightly across device counts)"}


def get_config(preset):
    data = DataConfig(source="sample", image_size=16, train_limit=16, eval_limit=8,
                      label="sample")
    if preset == "long":
        runs = [RunConfig("baseline", "baseline001", data, batch_size=8, epochs=6)]
    elif preset == "nobn":
        runs = [RunConfig("unet", "unet004_model1", data, batch_size=8, epochs=4)]
    else:
        runs = [RunConfig("baseline", "baseline001", data, batch_size=8, epochs=2),
                # A fusion model with its backbone: VGG16 at 32 px exports in seconds,
                # Inception-ResNet-v2 in a minute; the export path is the same.
                RunConfig("fusion", "koalarization", data, batch_size=8, epochs=2,
                          backbone=BackboneConfig(arch="vgg16", weights=None,
                                                  embedding="logits", size=32),
                          paper={"mse": 0.01})]
    found = [claims.Ratio("fusion beats the baseline", "baseline", "fusion", "mse", at_least=1.0)]
    return ExperimentConfig("tiny", preset, "001", "Tiny end-to-end experiment", runs,
                            stand_in="sample crops (test)", claims=found if preset == "default" else [])


EXPERIMENT = Experiment("tiny", "tests.tiny_experiment", "A tiny experiment.", PRESETS, get_config)


if os.environ.get("TINY_EPOCH_SLEEP"):
    # Slow every epoch down so that a test can kill the run between epochs. (Keras is
    # imported only here, so that --backend can still choose its backend.)
    import keras

    class _SlowEpochs(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            time.sleep(float(os.environ["TINY_EPOCH_SLEEP"]))

    _original_fit = keras.Model.fit

    def _slow_fit(self, *args, callbacks=None, **kwargs):
        return _original_fit(self, *args, callbacks=list(callbacks or []) + [_SlowEpochs()], **kwargs)

    keras.Model.fit = _slow_fit

if os.environ.get("TINY_NAN_AT_EPOCH"):
    import keras

    class _PoisonWeights(keras.callbacks.Callback):
        """Makes every weight NaN at the start of epoch TINY_NAN_AT_EPOCH (0-based)."""

        def on_epoch_begin(self, epoch, logs=None):
            if epoch == int(os.environ["TINY_NAN_AT_EPOCH"]):
                for variable in self.model.trainable_variables:
                    variable.assign(variable * float("nan"))

    _fit_before_poison = keras.Model.fit

    def _poisoned_fit(self, *args, callbacks=None, **kwargs):
        return _fit_before_poison(self, *args, callbacks=list(callbacks or []) + [_PoisonWeights()],
                                  **kwargs)

    keras.Model.fit = _poisoned_fit

if os.environ.get("TINY_EXPORT_SLEEP"):
    # Pause before the export (after the last epoch and the evaluation), announcing it
    # with a marker file, so that a test can kill the run there.
    from deepcolor.train import loop

    _original_export = loop._export

    def _slow_export(*args, **kwargs):
        open(os.environ["TINY_EXPORT_MARKER"], "w").close()
        time.sleep(float(os.environ["TINY_EXPORT_SLEEP"]))
        return _original_export(*args, **kwargs)

    loop._export = _slow_export


if os.environ.get("TINY_PAUSE_IN_BACKUP_WRITE"):
    # Pause in the middle of the Nth backup write (N = TINY_PAUSE_IN_BACKUP_WRITE): the
    # weights file is open and its first array written when a marker file appears, so
    # that a test can kill -9 the process right inside the write.
    import h5py
    import keras

    _writing_backup = []
    _backup_writes = []
    _original_save_weights = keras.Model.save_weights
    _original_setitem = h5py.Group.__setitem__

    def _save_weights(self, filepath, *args, **kwargs):
        inside = os.path.basename(os.path.dirname(os.path.abspath(str(filepath)))) == "backup"
        if inside:
            _backup_writes.append(filepath)
        if inside and len(_backup_writes) == int(os.environ["TINY_PAUSE_IN_BACKUP_WRITE"]):
            _writing_backup.append(filepath)
        try:
            return _original_save_weights(self, filepath, *args, **kwargs)
        finally:
            _writing_backup.clear()

    def _setitem(self, name, value):  # how Keras writes each array (saving_lib.H5Entry)
        _original_setitem(self, name, value)
        if _writing_backup:
            open(os.environ["TINY_BACKUP_MARKER"], "w").close()
            time.sleep(600)

    keras.Model.save_weights = _save_weights
    h5py.Group.__setitem__ = _setitem


if __name__ == "__main__":
    sys.exit(runner.main(EXPERIMENT))
