"""`--strategy multihost` (issue 22): two JAX processes on 127.0.0.1 train one run.

One test, in a bounded time (TIMEOUT per step): a one-process reference run, and two
processes (gloo collectives over a free port, each with its own runs and results
folders, as on two machines) of the same tiny experiment and global batch. Process 0
(the coordinator and only writer) is killed mid-run: process 1 must stop with one clear
line, not hang or dump JAX's abort. Both are started again: they resume from process
0's backup at the same epoch, and the losses of every epoch and the final test metrics
equal the reference run's. Process 1 writes nothing. (Killing process 1 instead makes
process 0 fail in its next collective, also in one line: measured by hand,
results/scaling.md.)

Tolerance: relative 1e-5. The two processes sum the batch's gradients in another
order than one device does (float32 rounding, ~1e-7); the `nobn` preset's model has no
batch normalisation, whose zero-expected bias gradients Adam would amplify from
rounding noise to full steps (measured: ~1e-3 on report 001's baseline).
"""
import glob
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.test_backend_jax import _no_tensorflow_path

ROOT = Path(__file__).resolve().parents[1]
TIMEOUT = 150  # seconds for any one step below (the first epoch compiles, on 2 shared cores)
ARGS = ["-m", "tests.tiny_experiment", "--preset", "nobn", "--backend", "jax"]
RTOL = 1e-5

pytestmark = pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                                reason="jax is not installed")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(tmp_path: Path, **extra) -> dict:
    """JAX on the CPU, TensorFlow unimportable: as on a JAX GPU machine, and each start
    is faster by TensorFlow's import (TensorBoard logs are then left out)."""
    blocked = tmp_path / "no_tf"
    if not blocked.exists():
        _no_tensorflow_path(tmp_path)
    path = os.pathsep.join([str(blocked), str(ROOT)])
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu",
               DEEPCOLOR_DATA=str(tmp_path / "data"), PYTHONPATH=path)
    env.update(extra)
    return env


def _start(tmp_path: Path, name: str, args: list, env: dict, log: str = "") -> subprocess.Popen:
    """A run writing to its own folders; its output goes to files (no pipe to fill)."""
    out = open(tmp_path / f"{log or name}.out", "w")
    err = open(tmp_path / f"{log or name}.err", "w")
    return subprocess.Popen([sys.executable, *ARGS, *args,
                             "--runs-dir", str(tmp_path / f"runs-{name}"),
                             "--results-dir", str(tmp_path / f"results-{name}")],
                            cwd=ROOT, env=env, stdout=out, stderr=err)


def _pair(tmp_path: Path, attempt: str, **extra) -> list:
    """Processes 0 and 1; both write into folders named after the process, not the
    attempt, so that a rerun finds process 0's files where the first attempt left them."""
    port = _free_port()
    procs = []
    for i in (0, 1):
        env = _env(tmp_path, JAX_COORDINATOR_ADDRESS=f"127.0.0.1:{port}",
                   JAX_NUM_PROCESSES="2", JAX_PROCESS_ID=str(i),
                   DEEPCOLOR_MULTIHOST_TIMEOUT="60", **extra)
        procs.append(_start(tmp_path, f"p{i}", ["--strategy", "multihost"], env,
                            log=f"p{i}-{attempt}"))
    return procs


def _wait(procs: list, timeout: float = TIMEOUT) -> list:
    deadline = time.time() + timeout
    try:
        return [p.wait(timeout=max(1.0, deadline - time.time())) for p in procs]
    except subprocess.TimeoutExpired:
        for p in procs:
            p.kill()
        raise


def _text(path: Path) -> str:
    return path.read_text()


def _last_line(path: Path) -> str:
    lines = [line for line in _text(path).splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _loss_lines(path: Path) -> list:
    return [line for line in _text(path).splitlines() if "loss per epoch" in line]


def test_two_processes_train_like_one_write_once_and_resume_after_a_kill(tmp_path):
    reference = _start(tmp_path, "one", [], _env(tmp_path))
    first = _pair(tmp_path, "killed", TINY_EPOCH_SLEEP="3")
    try:
        # (d) kill process 0 once it has backed up an epoch
        deadline = time.time() + TIMEOUT
        pattern = str(tmp_path / "runs-p0/tiny/nobn/*/00-unet/backup/training_metadata.json")
        while not glob.glob(pattern):
            assert time.time() < deadline, _text(tmp_path / "p0-killed.err")[-3000:]
            assert first[0].poll() is None, _text(tmp_path / "p0-killed.err")[-3000:]
            assert first[1].poll() is None, _text(tmp_path / "p1-killed.err")[-3000:]
            time.sleep(0.5)
        first[0].send_signal(signal.SIGKILL)
        codes = _wait(first, 90)  # 60 s heartbeat timeout at most, here far less
    finally:
        for p in first:
            if p.poll() is None:
                p.kill()
    assert codes == [-signal.SIGKILL, 1], codes
    line = _last_line(tmp_path / "p1-killed.err")
    assert line.startswith("tests.tiny_experiment: error: process 1 of 2 stopped"), line
    assert "rerun every process's command" in line, line
    assert "Traceback" not in _text(tmp_path / "p1-killed.err")
    assert "stack trace" not in _text(tmp_path / "p1-killed.err")

    # (a) rerun: both finish, resuming where process 0's backup says
    assert _wait(_pair(tmp_path, "rerun")) == [0, 0], _text(tmp_path / "p0-rerun.err")[-3000:]
    assert _wait([reference]) == [0], _text(tmp_path / "one.err")[-3000:]
    resumed = [[line for line in _text(tmp_path / f"p{i}-rerun.out").splitlines()
                if "resuming after epoch" in line] for i in (0, 1)]
    assert resumed[0] and resumed[0] == resumed[1], resumed
    assert "process 1 of 2: training done; process 0 writes the results" in \
        _text(tmp_path / "p1-rerun.out")

    # (b) the same losses per epoch and final metrics as one process, same global batch
    def history(name):
        return pd.read_csv(glob.glob(str(tmp_path / f"runs-{name}/tiny/nobn/*/00-unet/"
                                                      "history.csv"))[0])
    two, one = history("p0"), history("one")
    assert list(two["epoch"]) == list(one["epoch"]) == [0, 1, 2, 3]
    for column in ("loss", "val_loss"):
        np.testing.assert_allclose(two[column], one[column], rtol=RTOL)
    # both processes saw the same (global) losses in the rerun
    assert _loss_lines(tmp_path / "p0-rerun.out")[0].split(":", 1)[1] == \
        _loss_lines(tmp_path / "p1-rerun.out")[0].split(":", 1)[1]

    def metrics(name):
        path = glob.glob(str(tmp_path / f"runs-{name}/tiny/nobn/*/00-unet/result.json"))[0]
        return json.loads(Path(path).read_text())["metrics"]
    m_two, m_one = metrics("p0"), metrics("one")
    assert set(m_two) == set(m_one)
    for key in m_one:
        np.testing.assert_allclose(m_two[key], m_one[key], rtol=RTOL, err_msg=key)

    # (c) only process 0 wrote files
    assert (tmp_path / "results-p0/tiny/nobn/table.md").is_file()
    assert not (tmp_path / "runs-p1").exists() and not (tmp_path / "results-p1").exists()
