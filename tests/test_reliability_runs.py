"""Runner defects of the reliability run (issue 15): each test failed on 6d2c264.

D2 --data keeps the preset's data label; D5 a half-written results folder counts as
finished; D6/D7 a zero or negative --batch-size / --epochs ends in a traceback after the
data loaded (or an empty history) and leaves an orphan run folder; D11 a NaN loss
overwrites the last good checkpoint.
"""
import os
import subprocess
import sys

import h5py
import numpy as np
import pytest

from deepcolor.train import runner
from deepcolor.train.config import replace_in_runs
from experiments import dilated_unet
from tests import tiny_experiment

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _args(tmp_path, *extra):
    return ["--results-dir", str(tmp_path / "results"), "--runs-dir", str(tmp_path / "runs"),
            *extra]


def test_d2_data_override_relabels_the_runs_and_the_stand_in_note():
    config = replace_in_runs(dilated_unet.get_config("default"), source="folder:/my/photos")
    assert {run.data.label for run in config.runs} == {"folder:/my/photos"}
    assert "CIFAR" not in config.stand_in and "folder:/my/photos" in config.stand_in


@pytest.mark.parametrize("option, value", [("--batch-size", "0"), ("--batch-size", "-3"),
                                           ("--epochs", "0"), ("--epochs", "-1"),
                                           ("--epochs", "two"), ("--seeds", "1,1")])
def test_d6_d7_bad_numbers_are_one_line_before_anything_runs(tmp_path, capsys, option, value):
    assert runner.main(tiny_experiment.EXPERIMENT, _args(tmp_path, option, value)) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and option in err, err
    assert not (tmp_path / "runs").exists()  # no orphan run folder


def test_d5_a_kill_while_writing_results_is_redone_in_place(tmp_path, monkeypatch):
    from deepcolor.train import figures

    def killed(*args, **kwargs):
        raise KeyboardInterrupt  # stands for a kill after the tables, before the figures

    argv = _args(tmp_path, "--preset", "long", "--epochs", "1")
    with monkeypatch.context() as patch:
        patch.setattr(figures, "plot_sample_grid", killed)
        assert runner.main(tiny_experiment.EXPERIMENT, argv) == 130
    final = tmp_path / "results" / "tiny" / "long"
    assert not final.exists()  # only the staging folder was written
    assert runner.main(tiny_experiment.EXPERIMENT, argv) == 0
    assert (final / "samples_00.png").is_file() and (final / "table.md").is_file()
    assert sorted(p.name for p in final.parent.iterdir()) == ["long"]  # no sibling, no leftovers


def test_d11_nan_keeps_the_last_finite_checkpoint_and_says_where(tmp_path):
    cmd = [sys.executable, "-m", "tests.tiny_experiment", "--preset", "long", "--epochs", "4",
           *_args(tmp_path)]
    env = {**os.environ, "TINY_NAN_AT_EPOCH": "2", "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    message = done.stderr.strip().splitlines()[-1]
    assert "NaN" in message and "epoch 2" in message and "checkpoint.weights.h5" in message, message
    checkpoint = message.split(" is ")[-1].split(" (")[0].strip()
    with h5py.File(checkpoint) as f:
        arrays = []
        f.visititems(lambda name, obj: arrays.append(obj[()]) if isinstance(obj, h5py.Dataset) else None)
    assert arrays and all(np.all(np.isfinite(a)) for a in arrays)
    backup = list((tmp_path / "runs").glob("tiny/long/*/00-baseline/backup/training_metadata.json"))
    assert backup and '"epoch": 2' in backup[0].read_text()  # a rerun starts at epoch 3
