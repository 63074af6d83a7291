"""The colour spaces and metrics under Keras's JAX backend, with TensorFlow absent.

GPU machines have JAX and no TensorFlow (issue 11). This reruns
tests/test_colorspaces.py and tests/test_metrics.py in a subprocess with
KERAS_BACKEND=jax and a stub `tensorflow` package first on PYTHONPATH whose import
raises ImportError, so any TensorFlow use left in those modules fails there. Skipped
when jax is not installed.
"""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BACKEND_NEUTRAL_TESTS = ["tests/test_colorspaces.py", "tests/test_metrics.py"]


def _no_tensorflow_path(tmp_path: Path) -> Path:
    """A directory holding a `tensorflow` package that refuses to import."""
    stub = tmp_path / "no_tf" / "tensorflow"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text(
        'raise ImportError("tensorflow is blocked in this test (JAX-only machine)")\n')
    return stub.parent


def _run_under_jax(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, KERAS_BACKEND="jax", JAX_PLATFORMS="cpu",
               PYTHONPATH=os.pathsep.join([str(_no_tensorflow_path(tmp_path)), str(ROOT)]))
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=900)


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_tensorflow_is_really_blocked(tmp_path):
    """The stub works: without it this whole check would prove nothing."""
    result = _run_under_jax(tmp_path, "-c", "import tensorflow")
    assert result.returncode != 0 and "blocked" in result.stderr


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_colorspaces_and_metrics_pass_under_jax_without_tensorflow(tmp_path):
    result = _run_under_jax(tmp_path, "-m", "pytest", *BACKEND_NEUTRAL_TESTS, "-q", "-rs",
                            "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    # The backend really was JAX: the jax.jit test ran rather than skipped.
    assert "jax.jit applies under the JAX backend" not in result.stdout


# --- issue 11, item 1: the cGAN trainer's JAX train/test steps (TF-only tests skip there).
@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_gan_trainer_passes_under_jax_without_tensorflow(tmp_path):
    result = _run_under_jax(tmp_path, "-m", "pytest", "tests/test_gan.py", "-q", "-rs",
                            "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "passed" in result.stdout and " failed" not in result.stdout
