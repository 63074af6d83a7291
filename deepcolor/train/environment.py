"""The machine and library versions saved beside every result (any Keras backend)."""
from __future__ import annotations

import datetime
import os
import platform
import sys
from importlib import metadata

_PACKAGES = ("tensorflow", "keras", "jax", "jaxlib", "tensorflow-datasets", "tensorflow-hub", "numpy",
             "scikit-image", "opencv-python-headless", "pandas", "matplotlib")


def load_average() -> float:
    """The 1-minute load average (processes sharing the cores); NaN where the OS has none.
    On a shared machine it explains a run's speed, so results record it."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def environment() -> dict:
    """Library versions and hardware, saved with every result."""
    from deepcolor.train.runtime import accelerators

    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    gpus = accelerators()
    return {
        "keras_backend": os.environ.get("KERAS_BACKEND") or _backend(),
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "gpus": gpus,
        "hardware": ", ".join(gpus) if gpus else f"CPU only ({os.cpu_count()} cores)",
        "versions": versions,
    }


def _backend() -> str:
    import keras

    return keras.backend.backend()
