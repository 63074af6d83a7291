"""Shared pytest set-up: quiet TensorFlow, CPU only, deterministic seeds."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    import keras
    keras.utils.set_random_seed(0)
    np.random.seed(0)
    yield
    keras.mixed_precision.set_global_policy("float32")
