"""The command line every experiment shares, validated before any data loads.

`--backend` picks Keras' backend, so nothing here (or in the runner) imports Keras
before the command line is parsed: Keras reads KERAS_BACKEND once, on first import.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import sys
from typing import Optional

from deepcolor.errors import UsageError

BACKENDS = ("tensorflow", "jax", "torch")
MAX_SEED = 2**32 - 1  # numpy's and Keras' seeds are 32-bit


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seed_list(text: str) -> list:
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected seeds like 0,1,2, got {text!r}") from None
    if not seeds or len(set(seeds)) != len(seeds) or min(seeds) < 0:
        raise argparse.ArgumentTypeError(f"expected distinct seeds >= 0 like 0,1,2, got {text!r}")
    if max(seeds) > MAX_SEED:
        raise argparse.ArgumentTypeError(f"seeds must be at most {MAX_SEED} (32 bits), got "
                                         f"{max(seeds)}")
    return seeds


def check_writable(option: str, value: str, path: str) -> None:
    """A one-line UsageError unless `path` (under `option`'s `value`) is, or can be made,
    a folder this process can write in: checked before any data loads, instead of
    found after all the training."""
    import tempfile

    existing = os.path.abspath(path)
    while not os.path.exists(existing):  # the nearest existing folder on the way
        existing = os.path.dirname(existing)
    if not os.path.isdir(existing):
        raise UsageError(f"{option} {value}: {existing} is a file, not a folder")
    try:
        fd, probe = tempfile.mkstemp(prefix=".deepcolor-write-check-", dir=existing)
        os.close(fd)
        os.remove(probe)
    except OSError as error:
        raise UsageError(f"{option} {value}: {existing} is not writable "
                         f"({error.strerror or error})") from None


def apply_backend(name: Optional[str]) -> None:
    """Set KERAS_BACKEND to `name` (None: leave it) before Keras is imported; a
    UsageError if the backend is not installed or Keras already runs another one."""
    if name is None:
        return
    if importlib.util.find_spec(name) is None:
        raise UsageError(f"--backend {name}: {name} is not installed here")
    if "keras" in sys.modules:
        current = sys.modules["keras"].backend.backend()
        if current != name:
            raise UsageError(f"--backend {name}: Keras was already imported with the {current} "
                             f"backend in this process; set KERAS_BACKEND={name} before "
                             f"starting Python instead")
    os.environ["KERAS_BACKEND"] = name


class _Parser(argparse.ArgumentParser):
    """argparse that reports misuse in one line (exit status 2), as the runner does."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def parser(experiment) -> argparse.ArgumentParser:
    presets = "\n".join(f"  {name:<10} {text}" for name, text in experiment.presets.items())
    p = _Parser(prog=f"python -m {experiment.module}", description=experiment.description,
                epilog=f"presets:\n{presets}", formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", default="default", help="which preset to run (see below)")
    from data_pipelines import registry

    p.add_argument("--data", help=f"override every run's image source: {registry.names()}")
    p.add_argument("--epochs", type=_positive_int, help="override the preset's epochs")
    p.add_argument("--batch-size", type=_positive_int,
                   help="override the preset's (global) batch size")
    p.add_argument("--seeds", type=_seed_list,
                   help="repeat every run once per seed, e.g. 0,1,2,3,4 (claims are decided "
                        "by paired tests over seeds: at least 3)")
    p.add_argument("--backbone-weights", help="imagenet, a local weights file, a TF Hub "
                                              "handle or folder, or none")
    p.add_argument("--mixed-precision", choices=("auto", "on", "off"), default="auto",
                   help="auto: mixed precision when a GPU is present (default)")
    p.add_argument("--backend", choices=BACKENDS,
                   help="Keras backend (default: KERAS_BACKEND, else tensorflow); under jax "
                        "and torch the data path is numpy and TensorFlow is not needed")
    p.add_argument("--jit-compile", action="store_true", help="compile train steps with XLA")
    p.add_argument("--strategy", choices=("default", "mirrored", "multiworker", "multihost"),
                   default="default", help="several devices: tf.distribute under TensorFlow "
                                           "(multiworker reads TF_CONFIG), DataParallel under JAX; "
                                           "multihost: JAX processes on several machines, joined "
                                           "from JAX_COORDINATOR_ADDRESS, JAX_NUM_PROCESSES and "
                                           "JAX_PROCESS_ID (or a SLURM job step)")
    p.add_argument("--results-dir", default="results", help="where tables and figures go")
    p.add_argument("--runs-dir", default="runs", help="where models and checkpoints go")
    p.add_argument("--reanalyse", action="store_true",
                   help="train nothing: decide the claims declared now from the preset's "
                        "per_seed.csv in --results-dir and rewrite its verdicts")
    p.add_argument("--overwrite", action="store_true",
                   help="replace earlier results of this preset instead of writing beside them")
    return p
