"""Shared pytest set-up: quiet TensorFlow, CPU only, deterministic seeds."""
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import sys  # noqa: E402

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _seed():
    """Seed every test; reset the dtype policy after tests that used Keras.

    Keras is only touched when a test already imported it, so tests of the
    TensorFlow-free modules (the Turing study) stay fast.
    """
    np.random.seed(0)
    keras = sys.modules.get("keras")
    if keras is not None:
        keras.utils.set_random_seed(0)
    yield
    keras = sys.modules.get("keras")
    if keras is not None:
        keras.mixed_precision.set_global_policy("float32")
