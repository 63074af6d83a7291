"""`--strategy multihost`'s pieces that need no second process (issue 22): each
process's rows of a global batch on both data paths, and how processes are told to
join. The two-process runs are in tests/test_multihost.py."""
import numpy as np
import pytest

from data_pipelines.array_batches import encode_batches
from data_pipelines.rules import process_rows
from deepcolor.errors import UsageError
from deepcolor.train import multihost

IMAGES = np.arange(19 * 2 * 2 * 3, dtype=np.int64).reshape(19, 2, 2, 3).astype(np.uint8)
IMAGES[:, 0, 0, 0] = np.arange(19)  # image i is recognisable by its first value


def split_channels(rgb):
    """A stand-in colour-space encode: (first channel, the other two)."""
    return rgb[..., :1], rgb[..., 1:]


def ids(batch) -> list:
    model_input, _ = batch
    return [int(v) for v in np.asarray(model_input)[:, 0, 0, 0]]


def test_process_rows_splits_a_global_batch_in_process_order():
    assert process_rows(8, (0, 2, 2)) == slice(0, 4)
    assert process_rows(8, (1, 2, 2)) == slice(4, 8)
    assert process_rows(8, (1, 2, 4)) == slice(4, 8)  # 2 devices per process
    # a last, partial batch of 3 over 2 devices: 1 row each, the third dropped
    assert process_rows(3, (0, 2, 2)) == slice(0, 1)
    assert process_rows(3, (1, 2, 2)) == slice(1, 2)
    with pytest.raises(ValueError):
        process_rows(8, (2, 2, 2))


def _check_shards(whole, parts):
    """Side by side, the processes' batches are the global batches (each cut to a
    multiple of the 2 devices)."""
    assert len(parts[0]) == len(parts[1]) == len(whole)
    for full, first, second in zip(whole, *parts):
        kept = len(full) // 2 * 2
        assert first + second == full[:kept] and len(first) == len(second)


def test_numpy_batches_hold_this_process_rows():
    def stream(shard):
        batches = encode_batches(IMAGES, split_channels, 8, shuffle=True, seed=3, epochs=2,
                                 shard=shard)
        return [ids(b) for b in batches]
    whole = stream(None)
    assert [len(b) for b in whole] == [8, 8, 3, 8, 8, 3]
    _check_shards(whole, [stream((p, 2, 2)) for p in (0, 1)])


def test_tf_data_batches_hold_this_process_rows():
    tf = pytest.importorskip("tensorflow")
    from data_pipelines.pipeline import encode_batches as tf_encode_batches

    def stream(shard):
        images = tf.data.Dataset.from_tensor_slices(IMAGES)
        batches = tf_encode_batches(images, split_channels, 8, shuffle=True, seed=3,
                                    epochs=2, shard=shard)
        return [ids(b) for b in batches.as_numpy_iterator()]
    whole = stream(None)
    assert [len(b) for b in whole] == [8, 8, 3, 8, 8, 3]
    _check_shards(whole, [stream((p, 2, 2)) for p in (0, 1)])


def _clear(monkeypatch):
    for name in ("JAX_COORDINATOR_ADDRESS", "JAX_NUM_PROCESSES", "JAX_PROCESS_ID",
                 *multihost.SLURM_VARIABLES, multihost.TIMEOUT_VARIABLE):
        monkeypatch.delenv(name, raising=False)


def test_processes_join_from_the_standard_variables(monkeypatch):
    _clear(monkeypatch)
    with pytest.raises(UsageError, match="JAX_COORDINATOR_ADDRESS"):
        multihost.join_arguments()
    monkeypatch.setenv("JAX_COORDINATOR_ADDRESS", "10.0.0.1:1234")
    monkeypatch.setenv("JAX_NUM_PROCESSES", "2")
    monkeypatch.setenv("JAX_PROCESS_ID", "1")
    monkeypatch.setenv(multihost.TIMEOUT_VARIABLE, "30")
    arguments = multihost.join_arguments()
    assert (arguments["coordinator_address"], arguments["num_processes"],
            arguments["process_id"]) == ("10.0.0.1:1234", 2, 1)
    assert arguments["heartbeat_timeout_seconds"] == arguments["initialization_timeout"] == 30
    for name, value in (("JAX_PROCESS_ID", "2"), ("JAX_NUM_PROCESSES", "two")):
        monkeypatch.setenv(name, value)
        with pytest.raises(UsageError, match=name):
            multihost.join_arguments()
        monkeypatch.setenv(name, {"JAX_PROCESS_ID": "1", "JAX_NUM_PROCESSES": "2"}[name])


def test_a_slurm_job_step_is_left_to_jax(monkeypatch):
    _clear(monkeypatch)
    values = {"SLURM_JOB_ID": "42", "SLURM_STEP_NODELIST": "gpu[01-04]", "SLURM_NTASKS": "4",
              "SLURM_PROCID": "2", "SLURM_LOCALID": "0"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    arguments = multihost.join_arguments()
    assert "coordinator_address" not in arguments and "process_id" not in arguments
    monkeypatch.delenv("SLURM_STEP_NODELIST")  # sbatch's shell, outside srun
    with pytest.raises(UsageError, match="srun"):
        multihost.join_arguments()


def test_multihost_needs_the_jax_backend(capsys):
    """The refusal itself, whatever backend this process runs (the runner prints it as
    one line, exit 2, like every UsageError); then end to end where Keras is not on JAX."""
    import keras

    from deepcolor.train import runner
    from tests import tiny_experiment

    for backend in ("tensorflow", "torch"):
        with pytest.raises(UsageError, match=f"needs the JAX backend \\(this is {backend}\\); "
                                             "pass --backend jax"):
            multihost.join(backend)
    if keras.backend.backend() == "jax":
        return  # the whole suite runs on JAX: no other backend to refuse end to end here
    assert runner.main(tiny_experiment.EXPERIMENT, ["--strategy", "multihost"]) == 2
    # (multihost trains in a watched child process: TensorFlow's start-up notes come first)
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("tests.tiny_experiment: error: --strategy multihost needs the "
                            "JAX backend"), error
