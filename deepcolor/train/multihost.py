"""`--strategy multihost`: one run trained by several processes (machines) under JAX.

Every process runs the same command. They join through `jax.distributed.initialize`
from the variables JAX and cluster schedulers use:

    JAX_COORDINATOR_ADDRESS  host:port of process 0, reachable from every process
    JAX_NUM_PROCESSES        how many processes take part
    JAX_PROCESS_ID           this process's index, 0 .. JAX_NUM_PROCESSES - 1

or, inside a SLURM job step (`srun`: SLURM_JOB_ID, SLURM_STEP_NODELIST, SLURM_NTASKS,
SLURM_PROCID and SLURM_LOCALID set, none of the above), JAX's own SLURM detection
(process 0 on the step's first node, a port from the job id, one process per task).
DEEPCOLOR_MULTIHOST_TIMEOUT (seconds, default 120) bounds the wait for the others to
join and how long a silent process is taken for alive.

The model is trained with `keras.distribution.DataParallel` over every device of every
process; each process feeds its own rows of each global batch (`shard`). Process 0 is
the only writer: the others read no run files and write none, so on resume process 0
reads its backup and sends the weights (and the epoch to resume at) to all (`agree`,
`load_from_writer`). The runner trains in a watched child process (train.supervisor),
so that a lost process ends the others with one line.
"""
from __future__ import annotations

import contextlib
import os
import sys
from typing import Optional

import keras
import numpy as np

from deepcolor.errors import UsageError

TIMEOUT_VARIABLE = "DEEPCOLOR_MULTIHOST_TIMEOUT"
SLURM_VARIABLES = ("SLURM_JOB_ID", "SLURM_STEP_NODELIST", "SLURM_NTASKS", "SLURM_PROCID",
                   "SLURM_LOCALID")
_STATE = {"process": 0, "processes": 1, "devices": 1}


def active() -> bool:
    return _STATE["processes"] > 1


def is_writer() -> bool:
    """Only process 0 writes results, checkpoints, backups and exports."""
    return _STATE["process"] == 0


def describe() -> str:
    return f"process {_STATE['process']} of {_STATE['processes']}"


def _int_variable(name: str, low: int, high: Optional[int] = None) -> int:
    text = os.environ.get(name, "")
    try:
        value = int(text)
    except ValueError:
        raise UsageError(f"--strategy multihost: {name}={text!r} is not a whole number") from None
    if value < low or (high is not None and value > high):
        raise UsageError(f"--strategy multihost: {name}={value} must be in "
                         f"{low}..{'' if high is None else high}")
    return value


def join_arguments() -> dict:
    """The keyword arguments of `jax.distributed.initialize` from the environment; a
    UsageError naming the variables when neither they nor a SLURM job step are there."""
    timeout = _int_variable(TIMEOUT_VARIABLE, 5) if os.environ.get(TIMEOUT_VARIABLE) else 120
    common = {"initialization_timeout": timeout, "heartbeat_timeout_seconds": timeout,
              "shutdown_timeout_seconds": max(timeout, 1800)}
    if os.environ.get("JAX_COORDINATOR_ADDRESS"):
        count = _int_variable("JAX_NUM_PROCESSES", 1)
        return dict(common, coordinator_address=os.environ["JAX_COORDINATOR_ADDRESS"],
                    num_processes=count,
                    process_id=_int_variable("JAX_PROCESS_ID", 0, count - 1))
    if all(os.environ.get(name) for name in SLURM_VARIABLES):
        return common  # jax.distributed reads the SLURM job step itself
    raise UsageError("--strategy multihost needs JAX_COORDINATOR_ADDRESS (host:port of "
                     "process 0), JAX_NUM_PROCESSES and JAX_PROCESS_ID, or a SLURM job step "
                     "(srun)")


def join(backend: str):
    """Join the other processes and return the DataParallel distribution over all their
    devices. Must run before anything asks JAX for its devices."""
    if backend != "jax":
        raise UsageError(f"--strategy multihost needs the JAX backend (this is {backend}); "
                         f"pass --backend jax")
    import jax

    # gloo: collectives between CPU processes (the all-reduce here; GPUs use NCCL).
    jax.config.update("jax_cpu_collectives_implementation", "gloo")
    arguments = join_arguments()
    if arguments.get("num_processes", 2) > 1 or "num_processes" not in arguments:
        jax.distributed.initialize(**arguments)
    devices = jax.devices()
    _STATE.update(process=jax.process_index(), processes=jax.process_count(),
                  devices=len(devices))
    # Each process hands Keras its own rows of the batch (`shard`), already cut.
    return keras.distribution.DataParallel(devices=devices, auto_shard_dataset=False)


def shard():
    """(process, processes, devices) for data_pipelines' per-process batches; None alone."""
    return (_STATE["process"], _STATE["processes"], _STATE["devices"]) if active() else None


def agree(value: int) -> int:
    """Process 0's `value` in every process (e.g. the epoch to resume at)."""
    if not active():
        return value
    from jax.experimental import multihost_utils

    return int(multihost_utils.broadcast_one_to_all(np.asarray(value, np.int64)))


def agree_text(text: str, size: int = 4096) -> str:
    """Process 0's `text` in every process (e.g. its run folder's path)."""
    if not active():
        return text
    from jax.experimental import multihost_utils

    raw = text.encode()
    if len(raw) > size:
        raise ValueError(f"multihost: {len(raw)} bytes to share, at most {size}: {text[:80]}...")
    buffer = np.zeros(size, np.uint8)
    buffer[:len(raw)] = np.frombuffer(raw, np.uint8)
    out = np.asarray(multihost_utils.broadcast_one_to_all(buffer))
    return bytes(out).rstrip(b"\0").decode()


def _variables(model) -> list:
    """Every variable of `model`: weights, metrics' and its optimizer(s)' state."""
    found, seen = [], set()
    optimizer = getattr(model, "optimizer", None)
    groups = [model.variables, getattr(model, "metrics_variables", []),
              optimizer.variables if optimizer is not None else []]
    for variable in (v for group in groups for v in group):
        if id(variable) not in seen:
            seen.add(id(variable))
            found.append(variable)
    return found


@contextlib.contextmanager
def _local(variables):
    """The variables without their layouts: assignments stay in this process."""
    layouts = [v._layout for v in variables]  # Keras' JAX variables keep their sharding here
    for v in variables:
        v._layout = None
    try:
        yield
    finally:
        for v, layout in zip(variables, layouts):
            v._layout = layout


@contextlib.contextmanager
def _alone():
    """No Keras distribution: what this process creates now stays in it. (Saving a model
    creates a throwaway optimizer; under the distribution that is a collective, which
    process 0 saving alone would wait on forever.)"""
    current = keras.distribution.distribution()
    keras.distribution.set_distribution(None)
    try:
        yield
    finally:
        keras.distribution.set_distribution(current)


def _run_alone(method):
    def alone(*args, **kwargs):
        with _alone():
            return method(*args, **kwargs)
    return alone


def make_local(model) -> None:
    """Copy the trained, replicated variables into this process alone, so that it can
    evaluate, save and export without the others (after `fit`)."""
    if not active():
        return
    variables = _variables(model)
    values = [np.asarray(v.value) for v in variables]
    for v, value in zip(variables, values):
        v._layout = None
        v.assign(value)


def load_from_writer(model, path: str) -> None:
    """`model.load_weights(path)` from process 0's file, in every process: process 0
    reads it, every process receives its values (no other process needs the file)."""
    if not active():
        model.load_weights(path)
        return
    from jax.experimental import multihost_utils

    variables = _variables(model)
    if is_writer():
        with _local(variables), _alone():
            model.load_weights(path)
            values = [np.asarray(v.value) for v in variables]
    else:
        values = [np.asarray(v.value) for v in variables]  # shapes only; replaced below
    values = multihost_utils.broadcast_one_to_all(values)
    for v, value in zip(variables, values):
        v.assign(np.asarray(value))


def leave(code: int) -> None:
    """End this process now after a failure: JAX's orderly shutdown waits for the other
    processes at a barrier and aborts with a stack trace when one has died."""
    if active() and code:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def take_over_restore(callbacks: list, first_epoch: int) -> list:
    """The callbacks with the backup's restore done for every process at once: process
    0 reads its backup, all receive the weights and start at `first_epoch` (which they
    agreed on). Keras' own restore would assign in process 0 alone, a collective the
    others never join."""
    path = None
    for callback in callbacks:
        restore = getattr(callback, "restore", None)  # callbacks._FiniteBackup's restore point
        if restore is not None and hasattr(restore, "weights"):
            path = restore.weights
            callback.on_train_begin = lambda logs=None: None
        for name in ("on_train_begin", "on_epoch_end", "on_train_end"):  # process 0's files
            setattr(callback, name, _run_alone(getattr(callback, name)))
    return [_ResumeFromWriter(path, first_epoch), *callbacks]


class _ResumeFromWriter(keras.callbacks.Callback):
    def __init__(self, path: Optional[str], first_epoch: int):
        super().__init__()
        self.path, self.first_epoch = path, first_epoch

    def on_train_begin(self, logs=None):
        if self.first_epoch:
            optimizer = self.model.optimizer
            if optimizer is not None and not optimizer.built:  # as Keras' restore does
                optimizer.build(self.model.trainable_variables)
            load_from_writer(self.model, self.path)
            self.model._initial_epoch = self.first_epoch
