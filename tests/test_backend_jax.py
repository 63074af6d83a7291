"""The suite under Keras's JAX backend, with TensorFlow absent.

GPU machines have JAX and no TensorFlow (issue 11). This reruns the backend-neutral
test files (colour spaces, metrics, the numpy data path, the experiment configs) in a
subprocess with KERAS_BACKEND=jax and a stub `tensorflow` package first on PYTHONPATH
whose import raises ImportError, so any TensorFlow use left in those modules fails
there; and trains a tiny experiment end to end that way. The registry's model checks
run there too, at their cheapest: every registered model built once at the smallest
size. Skipped when jax is not installed.
"""
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# The registry checks that share one small build per model (tests/test_models_registry.py):
# about 1.5 CPU-minutes under JAX; the report-size, round-trip, mixed-precision and
# training checks stay on the TensorFlow run of the suite.
REGISTRY_CHECKS = "every_family or output_shape_and_range or keras_layers_only"
BACKEND_NEUTRAL_TESTS = ["tests/test_colorspaces.py", "tests/test_metrics.py",
                         "tests/test_data_pipelines_arrays.py", "tests/test_experiment_configs.py"]
needs_jax = pytest.mark.skipif(importlib.util.find_spec("jax") is None,
                               reason="jax is not installed")


def _no_tensorflow_path(tmp_path: Path) -> Path:
    """A directory holding a `tensorflow` package that refuses to import."""
    stub = tmp_path / "no_tf" / "tensorflow"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text(
        # ModuleNotFoundError, as on a real JAX-only machine: pytest 9's importorskip
        # skips only on that (a plain ImportError now fails the test).
        'raise ModuleNotFoundError("tensorflow is blocked in this test (JAX-only machine)",'
        ' name="tensorflow")\n')
    return stub.parent


def _run_under_jax(tmp_path: Path, *args: str, backend: str = "jax") -> subprocess.CompletedProcess:
    env = dict(os.environ, KERAS_BACKEND=backend, JAX_PLATFORMS="cpu",
               DEEPCOLOR_DATA=str(tmp_path / "data"),
               PYTHONPATH=os.pathsep.join([str(_no_tensorflow_path(tmp_path)), str(ROOT)]))
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=900)


@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_tensorflow_is_really_blocked(tmp_path):
    """The stub works: without it this whole check would prove nothing."""
    result = _run_under_jax(tmp_path, "-c", "import tensorflow")
    assert result.returncode != 0 and "blocked" in result.stderr


@needs_jax
def test_backend_neutral_tests_pass_under_jax_without_tensorflow(tmp_path):
    result = _run_under_jax(tmp_path, "-m", "pytest", *BACKEND_NEUTRAL_TESTS, "-q", "-rs",
                            "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    # The backend really was JAX: the jax.jit test ran rather than skipped.
    assert "jax.jit applies under the JAX backend" not in result.stdout


@needs_jax
def test_tiny_experiment_trains_under_jax_without_tensorflow(tmp_path):
    """`--backend jax` (over KERAS_BACKEND=tensorflow, which would fail here): data,
    training, evaluation, results and the .keras export, TensorFlow never imported."""
    result = _run_under_jax(
        tmp_path, "-m", "tests.tiny_experiment", "--backend", "jax", "--preset", "long",
        "--epochs", "2", "--results-dir", str(tmp_path / "results"),
        "--runs-dir", str(tmp_path / "runs"), backend="tensorflow")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "Keras backend jax" in result.stdout
    out = tmp_path / "results" / "tiny" / "long"
    for name in ("table.md", "table.csv", "history_00.csv", "loss_curves.png",
                 "samples_00.png"):
        assert (out / name).is_file(), name
    exported = [line for line in result.stdout.splitlines() if "export:" in line]
    assert len(exported) == 1 and "model.keras" in exported[0]
    assert "skipped the SavedModel" in exported[0]
    run_dir = next((tmp_path / "runs").glob("tiny/long/*/00-baseline"))
    assert (run_dir / "model.keras").is_file() and (run_dir / "model.keras.json").is_file()


def test_backend_flag_is_parsed_before_keras_is_imported():
    code = ("import sys\n"
            "from experiments import dilated_unet\n"
            "from deepcolor.train import args\n"
            "args.parser(dilated_unet.EXPERIMENT).parse_args(['--backend', 'jax'])\n"
            "assert 'keras' not in sys.modules, 'keras was imported before parsing'\n")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=300)


def test_backend_flag_refuses_a_keras_already_running_another_backend(capsys):
    import keras

    from deepcolor.train import runner
    from tests import tiny_experiment

    # Both backends are installed by the test extra (jax) and the package (tensorflow).
    other = "jax" if keras.backend.backend() != "jax" else "tensorflow"
    assert runner.main(tiny_experiment.EXPERIMENT, ["--backend", other]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "already imported with the" in error


# --- issue 11, item 1: the cGAN trainer's JAX train/test steps (TF-only tests skip there).
@pytest.mark.skipif(importlib.util.find_spec("jax") is None, reason="jax is not installed")
def test_gan_trainer_passes_under_jax_without_tensorflow(tmp_path):
    result = _run_under_jax(tmp_path, "-m", "pytest", "tests/test_gan.py", "-q", "-rs",
                            "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "passed" in result.stdout and " failed" not in result.stdout


@needs_jax
def test_an_experiment_module_runs_under_jax_without_tensorflow(tmp_path):
    """`KERAS_BACKEND=jax python -m experiments.pretrained_colorizer --preset smoke`, with
    TensorFlow unimportable: training, baselines, claims, table, history and figures."""
    result = _run_under_jax(tmp_path, "-m", "experiments.pretrained_colorizer", "--preset",
                            "smoke", "--results-dir", str(tmp_path / "results"),
                            "--runs-dir", str(tmp_path / "runs"))
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    out = tmp_path / "results" / "pretrained_colorizer" / "smoke"
    for name in ("table.md", "table.csv", "history_00.csv", "loss_curves.png",
                 "samples_00.png", "verdicts.json"):
        assert (out / name).is_file(), name
    table = (out / "table.md").read_text()
    assert "Keras backend jax" in table and "baseline: no colour" in table


@needs_jax
def test_every_registered_model_builds_and_runs_under_jax_without_tensorflow(tmp_path):
    """Issue 20: the registry's model checks under JAX: each model built at the smallest
    size, its output shape and range on a forward pass, Keras layers only."""
    from deepcolor import models

    result = _run_under_jax(tmp_path, "-m", "pytest", "tests/test_models_registry.py", "-q",
                            "-rs", "-p", "no:cacheprovider", "-k", REGISTRY_CHECKS)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    summary = result.stdout.strip().splitlines()[-1]
    assert f"{2 * len(models.names()) + 1} passed" in summary and "skipped" not in summary
