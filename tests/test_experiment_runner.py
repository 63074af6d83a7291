"""End to end: an experiment writes every artefact, resumes after a kill, and refuses misuse."""
import csv
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from deepcolor.train import rundirs, runner
from tests import tiny_experiment

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _args(tmp_path, *extra):
    return ["--results-dir", str(tmp_path / "results"), "--runs-dir", str(tmp_path / "runs"),
            *extra]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("tiny")
    status = runner.main(tiny_experiment.EXPERIMENT, _args(tmp_path))
    return tmp_path, status


def test_run_writes_every_artefact(finished_run):
    tmp_path, status = finished_run
    assert status == 0
    out = tmp_path / "results" / "tiny" / "default"
    for name in ("config.json", "table.md", "table.csv", "loss_curves.png", "samples_00.png",
                 "history_00.csv", "history_01.csv"):
        assert (out / name).is_file(), name
    config = json.loads((out / "config.json").read_text())
    assert config["environment"]["versions"]["tensorflow"]
    assert config["config"]["runs"][1]["model"] == "koalarization"
    table = (out / "table.md").read_text()
    assert "STAND-IN" in table and "RANDOM init" in table and "mse (report)" in table
    run_root = config["run_folder"]
    assert os.path.exists(os.path.join(run_root, rundirs.DONE))
    with open(out / "table.csv") as f:
        rows = list(csv.DictReader(f))
    assert [r["run"] for r in rows] == ["baseline", "fusion"]
    assert 0 < float(rows[1]["mse (ours)"]) < 1 and float(rows[1]["psnr"]) > 5
    exported = [os.path.join(run_root, d, "saved_model") for d in sorted(os.listdir(run_root))
                if os.path.isdir(os.path.join(run_root, d))]
    assert len(exported) == 2 and all(os.path.isdir(p) for p in exported)


def test_saved_model_in_new_process_matches_keras(finished_run):
    """The exported fusion model (backbone inside) colorizes any size with plain TensorFlow."""
    tmp_path, _ = finished_run
    config = json.loads((tmp_path / "results" / "tiny" / "default" / "config.json").read_text())
    run_dir = sorted(d for d in os.listdir(config["run_folder"]) if d.startswith("01-"))[0]
    saved = os.path.join(config["run_folder"], run_dir, "saved_model")
    image = (np.random.default_rng(0).uniform(0, 255, (1, 45, 61, 3))).astype("uint8")
    np.save(tmp_path / "image.npy", image)
    code = ("import numpy as np, tensorflow as tf\n"
            f"m = tf.saved_model.load({saved!r})\n"
            f"out = m.signatures['serving_default'](images=tf.constant(np.load({str(tmp_path / 'image.npy')!r})))\n"
            f"np.save({str(tmp_path / 'out.npy')!r}, out['colorized'].numpy())\n")
    subprocess.run([sys.executable, "-c", code], check=True, cwd=tmp_path,
                   env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    served = np.load(tmp_path / "out.npy")
    assert served.shape == (1, 45, 61, 3) and served.dtype == np.uint8
    from deepcolor.export import load_for_inference
    keras_path = os.path.join(config["run_folder"], run_dir, "model.keras")
    local = load_for_inference(keras_path)(image)
    assert np.abs(served.astype(int) - np.asarray(local).astype(int)).max() <= 1


def test_second_run_does_not_overwrite(tmp_path, capsys):
    argv = _args(tmp_path, "--preset", "long", "--epochs", "1")
    assert runner.main(tiny_experiment.EXPERIMENT, argv) == 0
    before = (tmp_path / "results" / "tiny" / "long" / "table.md").read_text()
    assert runner.main(tiny_experiment.EXPERIMENT, argv) == 0
    assert "holds an earlier run's results" in capsys.readouterr().out
    assert (tmp_path / "results" / "tiny" / "long" / "table.md").read_text() == before
    assert len(list((tmp_path / "results" / "tiny").iterdir())) == 2
    # The finished run folder was not reused either: each run trained in its own.
    assert len(list((tmp_path / "runs" / "tiny" / "long").iterdir())) == 2


def test_killed_run_resumes_without_losing_epochs(tmp_path):
    cmd = [sys.executable, "-m", "tests.tiny_experiment", "--preset", "long", *_args(tmp_path)]
    env = {**os.environ, "TINY_EPOCH_SLEEP": "1.5", "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    history = None
    deadline = time.time() + 240
    try:
        while time.time() < deadline:
            found = list((tmp_path / "runs").glob("tiny/long/*/00-baseline/history.csv"))
            if found and len(found[0].read_text().strip().splitlines()) >= 3:  # header + 2 epochs
                history = found[0]
                break
            time.sleep(0.2)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    assert history is not None, "the run never finished two epochs"
    before = list(csv.DictReader(open(history)))
    assert 2 <= len(before) < 6
    env.pop("TINY_EPOCH_SLEEP")
    subprocess.run(cmd, cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)
    after = list(csv.DictReader(open(history)))
    epochs = [int(r["epoch"]) for r in after]
    # Every epoch once: the restart continued after the last finished epoch, not from 0.
    assert epochs == list(range(6)), epochs
    assert after[0]["loss"] == before[0]["loss"]


@pytest.mark.parametrize("argv, message, status", [
    (["--preset", "nope"], "unknown preset 'nope'", 2),
    (["--data", "folder:/no/such/folder"], "/no/such/folder", 1),
    (["--data", "tfds:cifar10"], "folder:", 1),
])
def test_misuse_is_one_line(tmp_path, capsys, argv, message, status, monkeypatch):
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path / "tfds"))
    assert runner.main(tiny_experiment.EXPERIMENT, _args(tmp_path, *argv)) == status
    err = capsys.readouterr().err.strip()
    assert message in err and len(err.splitlines()) == 1, err
