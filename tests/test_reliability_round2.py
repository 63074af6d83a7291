"""Defects of the second reliability run (issue 19): each test failed before its fix.

N1 a damaged backup (e.g. left by a kill mid-write) made a run impossible to resume (the
kill itself: tests/test_experiment_runner.py); N9/N10 a seed beyond 2**32-1 and an
unwritable --results-dir were found only after loading data or training; N11 a killed
first unpack left its hidden partial folder forever.
"""
import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from deepcolor.train import callbacks as callbacks_lib
from deepcolor.train import runner
from tests import tiny_experiment

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _args(tmp_path, *extra):
    return ["--results-dir", str(tmp_path / "results"), "--runs-dir", str(tmp_path / "runs"),
            *extra]


def _tiny_model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(32, 4)).astype("float32"), rng.normal(size=(32, 1)).astype("float32")


def test_n1_a_damaged_backup_falls_back_to_the_last_good_one(tmp_path):
    backup = str(tmp_path / "backup")
    x, y = _data()
    model = _tiny_model()
    model.fit(x, y, epochs=3, batch_size=8, verbose=0, shuffle=False,
              callbacks=[callbacks_lib._FiniteBackup(backup, callbacks_lib.RestorePoint())])
    meta = json.loads((tmp_path / "backup" / "training_metadata.json").read_text())
    assert meta["epoch"] == 3
    assert sorted(os.listdir(backup)) == ["epoch-0002.weights.h5", "epoch-0003.weights.h5",
                                          "training_metadata.json"]
    assert callbacks_lib.restore_point(backup) == callbacks_lib.RestorePoint(
        3, os.path.join(backup, "epoch-0003.weights.h5"))

    # The latest weights cut short (what a kill mid-write left in place before the fix):
    latest = tmp_path / "backup" / meta["weights"]
    latest.write_bytes(latest.read_bytes()[:1000])
    point = callbacks_lib.restore_point(backup)
    assert (point.epoch, os.path.basename(point.weights)) == (2, "epoch-0002.weights.h5")
    assert len(point.notice.splitlines()) == 1 and "epoch-0003.weights.h5" in point.notice
    assert "previous good backup, after epoch 2" in point.notice
    assert callbacks_lib.restore_point(backup).notice is None  # recorded: said once

    # ... and training resumes there: one more epoch to reach 3.
    resumed = _tiny_model()
    history = resumed.fit(x, y, epochs=3, batch_size=8, verbose=0, shuffle=False,
                          callbacks=[callbacks_lib._FiniteBackup(backup, point)])
    assert len(history.history["loss"]) == 1
    assert callbacks_lib.restore_point(backup).epoch == 3

    # Damaged metadata: the newest whole weights file is used.
    (tmp_path / "backup" / "training_metadata.json").write_text("{\"epo")
    point = callbacks_lib.restore_point(backup)
    assert point.epoch == 3 and "training_metadata.json is damaged" in point.notice

    # Nothing whole left: back to the first epoch, said in one line, not a crash.
    for name in os.listdir(backup):
        if name.endswith(".h5"):
            (tmp_path / "backup" / name).write_bytes(b"")
    point = callbacks_lib.restore_point(backup)
    assert (point.epoch, point.weights) == (0, None)
    assert "training from the first epoch" in point.notice and len(point.notice.splitlines()) == 1


def test_n1_a_backup_of_the_earlier_layout_still_resumes(tmp_path):
    backup = tmp_path / "backup"
    backup.mkdir()
    model = _tiny_model()
    model.save_weights(str(backup / "latest.weights.h5"))
    (backup / "training_metadata.json").write_text(json.dumps({"epoch": 4, "batch": 0}))
    point = callbacks_lib.restore_point(str(backup))
    assert (point.epoch, point.notice) == (4, None)
    assert point.weights == str(backup / "latest.weights.h5")


def test_n1_history_is_written_as_keras_writes_it_and_leftovers_of_killed_writes_go(tmp_path):
    x, y = _data()
    keras.utils.set_random_seed(0)
    ours = str(tmp_path / "ours.csv")
    _tiny_model().fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False,
                      validation_data=(x, y), callbacks=[callbacks_lib._History(ours)])
    keras.utils.set_random_seed(0)
    theirs = str(tmp_path / "keras.csv")
    _tiny_model().fit(x, y, epochs=2, batch_size=8, verbose=0, shuffle=False,
                      validation_data=(x, y),
                      callbacks=[keras.callbacks.CSVLogger(theirs, append=True)])
    assert open(ours).read() == open(theirs).read()
    # A temporary file of a dead process is removed, one of a live process kept.
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    (tmp_path / f".partial-{dead}.epoch-0001.weights.h5").write_bytes(b"x")
    (tmp_path / f".partial-{os.getpid()}.history.csv").write_bytes(b"x")
    callbacks_lib.remove_stale_partials(str(tmp_path))
    assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == [
        f".partial-{os.getpid()}.history.csv"]


@pytest.mark.parametrize("seeds", ["4294967296", "0,4294967296", "99999999999999999999"])
def test_n9_a_seed_beyond_32_bits_is_misuse_before_anything_runs(tmp_path, capsys, seeds):
    assert runner.main(tiny_experiment.EXPERIMENT, _args(tmp_path, "--seeds", seeds)) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "4294967295" in err, err
    assert not (tmp_path / "runs").exists()  # no empty run folder left behind


def test_n9_the_largest_seed_is_accepted_by_the_parser():
    from deepcolor.train import args as args_lib

    parsed = args_lib.parser(tiny_experiment.EXPERIMENT).parse_args(["--seeds", "0,4294967295"])
    assert parsed.seeds == [0, 2**32 - 1]


@pytest.mark.parametrize("where", ["a file", "inside a file"])
def test_n10_an_unusable_results_dir_is_refused_before_training(tmp_path, capsys, where):
    (tmp_path / "taken").write_text("not a folder")
    results = tmp_path / "taken" if where == "a file" else tmp_path / "taken" / "results"
    argv = ["--results-dir", str(results), "--runs-dir", str(tmp_path / "runs"),
            "--preset", "long", "--epochs", "1"]
    assert runner.main(tiny_experiment.EXPERIMENT, argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--results-dir" in err and "taken" in err, err
    assert not (tmp_path / "runs").exists()  # refused before any training
    assert (tmp_path / "taken").read_text() == "not a folder"


def test_n10_a_read_only_results_dir_is_refused_before_training(tmp_path, capsys, monkeypatch):
    # As root every folder is writable; the check writes a probe file, so make it fail.
    import tempfile

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied", kwargs.get("dir"))

    monkeypatch.setattr(tempfile, "mkstemp", read_only)
    argv = _args(tmp_path, "--preset", "long", "--epochs", "1")
    assert runner.main(tiny_experiment.EXPERIMENT, argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "not writable" in err, err
    assert not (tmp_path / "runs").exists()


def _dead_pid() -> int:
    return int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                              capture_output=True, text=True).stdout)


def test_n11_partial_folders_of_killed_unpacks_are_cleaned_up(tmp_path):
    import tarfile

    from data_pipelines import archive

    (tmp_path / "src" / "inner").mkdir(parents=True)
    (tmp_path / "src" / "inner" / "a.txt").write_text("a")
    tar = tmp_path / "data.tar"
    with tarfile.open(tar, "w") as out:
        out.add(tmp_path / "src" / "inner", arcname="inner")
    data = tmp_path / "data"
    data.mkdir()
    stale = data / f".cifar10-jpg.partial-{_dead_pid()}"    # a kill -9 mid-unpack
    (stale / "inner").mkdir(parents=True)
    (stale / "inner" / "big.bin").write_bytes(b"x" * 1000)
    live = data / ".cifar10-jpg.partial-1"                  # pid 1 lives: another unpack
    live.mkdir()
    other = data / ".photos.partial-999999999"              # another dataset's: not ours
    other.mkdir()
    target = archive.extract_once("cifar10-jpg", tar, data / "cifar10-jpg", "hint", "inner")
    assert (target / "a.txt").read_text() == "a"
    assert not stale.exists() and live.is_dir() and other.is_dir()
    # Also when the folder is already there (the kill was in an earlier, lost race).
    stale.mkdir()
    archive.extract_once("cifar10-jpg", tar, data / "cifar10-jpg", "hint", "inner")
    assert not stale.exists() and live.is_dir()
