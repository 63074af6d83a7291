"""Where and how a run computes: accelerators, the Keras dtype policy, distribution.

Under the TensorFlow backend several devices are used through `tf.distribute`; under
JAX through `keras.distribution`. Both live here so the runner stays backend-blind.
"""
from __future__ import annotations

import contextlib
from typing import List

import keras

from deepcolor.errors import UsageError
from deepcolor.train import multihost


def backend() -> str:
    return keras.backend.backend()


def accelerators() -> List[str]:
    """Names of the GPUs (or other accelerators) the Keras backend sees; [] on a CPU."""
    if backend() == "tensorflow":
        import tensorflow as tf

        return [d.name for d in tf.config.list_physical_devices("GPU")]
    if backend() == "jax":
        import jax

        return [str(d) for d in jax.devices() if d.platform != "cpu"]
    if backend() == "torch":
        import torch

        return [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return []


def set_precision(mode: str) -> str:
    """Pick and set the Keras dtype policy ("auto", "on" or "off"); returns its name.

    bfloat16 needs no loss scaling and runs fast on recent GPUs and on CPUs; float16
    (with Keras' loss scaling) only where an older GPU lacks bfloat16.
    """
    has_gpu = bool(accelerators())
    if mode == "off" or (mode == "auto" and not has_gpu):
        policy = "float32"
    else:
        policy = "mixed_bfloat16" if (not has_gpu or _gpu_has_bfloat16()) else "mixed_float16"
    keras.mixed_precision.set_global_policy(policy)
    return policy


def _gpu_has_bfloat16() -> bool:
    """bfloat16 tensor cores arrived with compute capability 8.0 (Ampere)."""
    if backend() == "tensorflow":
        import tensorflow as tf

        gpus = tf.config.list_physical_devices("GPU")
        details = tf.config.experimental.get_device_details(gpus[0]) if gpus else {}
        return details.get("compute_capability", (0, 0)) >= (8, 0)
    return True  # JAX and torch report no capability cheaply; every GPU lent here is Hopper


class _NoStrategy:
    """The single-device 'strategy' used by every backend without several devices."""

    num_replicas_in_sync = 1

    def scope(self):
        return contextlib.nullcontext()


class _Distributed(_NoStrategy):
    """A Keras distribution used in the scope of building and fitting a model only (the
    backbone embeddings and the evaluation stay local to each process)."""

    def __init__(self, distribution, replicas: int):
        self.distribution, self.num_replicas_in_sync = distribution, replicas

    def scope(self):
        return self.distribution.scope()


def make_strategy(name: str):
    """`default`, `mirrored`, `multiworker` or `multihost`: a tf.distribute strategy
    under TensorFlow; under JAX, `mirrored` sets a `keras.distribution.DataParallel`
    over every device, `multihost` joins the other processes first (train.multihost).
    Call it before anything else asks the backend for its devices."""
    if name == "multihost":
        distribution = multihost.join(backend())
        return _Distributed(distribution, len(distribution.device_mesh.devices.flat))
    if backend() == "tensorflow":
        import tensorflow as tf

        if name == "mirrored":
            return tf.distribute.MirroredStrategy()
        if name == "multiworker":
            return tf.distribute.MultiWorkerMirroredStrategy()
        return tf.distribute.get_strategy()
    if name == "multiworker":
        raise UsageError(f"--strategy multiworker needs the TensorFlow backend (this is {backend()})")
    if name == "mirrored" and backend() == "jax":
        devices = keras.distribution.list_devices()
        keras.distribution.set_distribution(keras.distribution.DataParallel(devices=devices))
        strategy = _NoStrategy()
        strategy.num_replicas_in_sync = len(devices)
        return strategy
    return _NoStrategy()


def check_batch_split(runs, replicas: int) -> None:
    """Refuse global batches that do not split evenly over the replicas.

    Keras 3 (3.15) `fit` under a tf.distribute strategy reduces the first batch across
    replicas to build the model, which fails when replicas hold different numbers of
    images (keras-team/keras#19246): report 003's batch of 383 on 2 GPUs gets 192 and
    191. Say so before any data is loaded, with the nearest batches that work.
    """
    for run in runs:
        if run.batch_size % replicas:
            lower = run.batch_size // replicas * replicas
            options = " or ".join(str(b) for b in (lower, lower + replicas) if b > 0)
            raise UsageError(
                f"run {run.name!r}: global batch {run.batch_size} does not split evenly over "
                f"{replicas} replicas, which Keras' distributed fit cannot start with; pass "
                f"--batch-size {options}")
