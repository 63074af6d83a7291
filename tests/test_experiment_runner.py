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
    from deepcolor.serving.export import load_for_inference
    keras_path = os.path.join(config["run_folder"], run_dir, "model.keras")
    local = load_for_inference(keras_path)(image)
    assert np.abs(served.astype(int) - np.asarray(local).astype(int)).max() <= 1


def test_a_finished_training_prints_the_colorize_command(tmp_path, capsys):
    argv = _args(tmp_path, "--preset", "long", "--epochs", "1")
    assert runner.main(tiny_experiment.EXPERIMENT, argv) == 0
    lines = [l for l in capsys.readouterr().out.splitlines() if "deepcolor colorize" in l]
    assert len(lines) == 1 and "--model" in lines[0]
    folder = lines[0].split("--model ")[1].strip()
    assert os.path.isfile(os.path.join(folder, "model.keras"))


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


def _run_until(cmd, env, ready, deadline_s=240):
    """Start `cmd`, SIGKILL it as soon as `ready()` holds; True if it did."""
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    deadline = time.time() + deadline_s
    try:
        while time.time() < deadline and proc.poll() is None:
            if ready():
                return True
            time.sleep(0.1)
        return False
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()


def _outcome(tmp):
    """(history rows, test metrics) of the finished tiny 'long' run under `tmp`."""
    history = next((tmp / "runs").glob("tiny/long/*/00-baseline/history.csv"))
    rows = [(int(r["epoch"]), r["loss"], r["val_loss"]) for r in csv.DictReader(open(history))]
    result = next((tmp / "runs").glob("tiny/long/*/00-baseline/result.json"))
    metrics = json.loads(result.read_text())["metrics"]
    return rows, {k: metrics[k] for k in ("mse", "psnr", "final_loss")}


def _long_cmd(tmp):
    return [sys.executable, "-m", "tests.tiny_experiment", "--preset", "long", *_args(tmp)]


_QUIET = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


@pytest.fixture(scope="module")
def uninterrupted_long_run(tmp_path_factory):
    """(history rows, test metrics) of the tiny 'long' run, never interrupted."""
    clean = tmp_path_factory.mktemp("clean")
    subprocess.run(_long_cmd(clean), cwd=REPO, env=_QUIET, check=True, stdout=subprocess.DEVNULL)
    rows, metrics = _outcome(clean)
    assert [r[0] for r in rows] == list(range(6))
    return rows, metrics


def test_killed_runs_resume_to_the_same_numbers(tmp_path, uninterrupted_long_run):
    """kill -9 mid-training, and again after the last epoch (before the export): the
    reruns retrain no finished epoch and end with the numbers of an uninterrupted run."""
    base_env, cmd = _QUIET, _long_cmd
    expected_rows, expected = uninterrupted_long_run

    killed = tmp_path / "killed"
    # 1. Mid-training: once two epochs are in the backup.
    slow = {**base_env, "TINY_EPOCH_SLEEP": "1.0"}
    backups = lambda: [json.loads(p.read_text())["epoch"] for p in  # noqa: E731
                       (killed / "runs").glob("tiny/long/*/00-baseline/backup/training_metadata.json")]
    assert _run_until(cmd(killed), slow, lambda: any(e >= 2 for e in backups())), "never reached epoch 2"
    # 2. The rerun trains the rest, then is killed after its last epoch, before the export.
    marker = tmp_path / "exporting"
    pause = {**base_env, "TINY_EXPORT_SLEEP": "60", "TINY_EXPORT_MARKER": str(marker)}
    assert _run_until(cmd(killed), pause, marker.exists), "never reached the export"
    history = next((killed / "runs").glob("tiny/long/*/00-baseline/history.csv"))
    trained = history.read_text()
    # 3. The last rerun only evaluates and exports: no epoch is trained again.
    subprocess.run(cmd(killed), cwd=REPO, env=base_env, check=True, stdout=subprocess.DEVNULL)
    assert history.read_text() == trained
    rows, got = _outcome(killed)
    assert rows == expected_rows  # every epoch once, each with the uninterrupted loss
    assert got == expected
    assert (killed / "results" / "tiny" / "long" / "table.md").is_file()
    assert not list((killed / "results" / "tiny").glob("*.partial"))


def test_a_kill_inside_a_backup_write_resumes_to_the_same_numbers(tmp_path,
                                                                   uninterrupted_long_run):
    """kill -9 while the backup of epoch 2 is being written (its weights file open and
    half written): the rerun resumes from the last complete backup (epoch 1), with no
    manual clean-up, and ends with the numbers of an uninterrupted run (issue 19, N1)."""
    expected_rows, expected = uninterrupted_long_run
    killed, marker = tmp_path / "killed", tmp_path / "inside-backup-write"
    pause = {**_QUIET, "TINY_PAUSE_IN_BACKUP_WRITE": "2", "TINY_BACKUP_MARKER": str(marker)}
    assert _run_until(_long_cmd(killed), pause, marker.exists), "never reached the backup write"
    done = subprocess.run(_long_cmd(killed), cwd=REPO, env=_QUIET, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "resuming after epoch 1 of 6" in done.stdout
    rows, got = _outcome(killed)
    assert rows == expected_rows  # every epoch once, each with the uninterrupted loss
    assert got == expected
    backup = next((killed / "runs").glob("tiny/long/*/00-baseline/backup"))
    assert not [p.name for p in backup.iterdir() if "partial" in p.name]


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
