"""Reusable checks every registered model must pass (the keras-hub test-base idea)."""
from __future__ import annotations

import numpy as np
import keras


def random_inputs(model: keras.Model, batch: int = 2, seed: int = 0):
    """Random inputs in [-1, 1] matching every input of `model`."""
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-1, 1, (batch,) + tuple(t.shape[1:])).astype("float32")
              for t in model.inputs]
    return arrays[0] if len(arrays) == 1 else arrays


def check_output_shape(model: keras.Model, expected_hw, channels: int):
    out = model(random_inputs(model), training=False)
    assert tuple(out.shape[1:]) == (*expected_hw, channels)
    return np.asarray(out)


def check_output_range(output: np.ndarray, low: float, high: float):
    assert np.isfinite(output).all()
    assert output.min() >= low - 1e-6 and output.max() <= high + 1e-6


def check_keras_round_trip(model: keras.Model, tmp_path):
    """Saving as .keras and loading gives identical outputs."""
    inputs = random_inputs(model, seed=1)
    before = np.asarray(model(inputs, training=False))
    path = tmp_path / f"{model.name}.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    after = np.asarray(reloaded(inputs, training=False))
    np.testing.assert_allclose(after, before, atol=1e-5)


def check_mixed_precision(build_fn):
    """Under mixed_float16 the model computes in float16 and returns float32."""
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        model = build_fn()
        out = model(random_inputs(model), training=False)
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        assert any(getattr(l, "compute_dtype", None) == "float16" for l in model.layers)
    finally:
        keras.mixed_precision.set_global_policy("float32")


def check_loss_falls(model: keras.Model, steps: int = 30, lr: float = 1e-3, target=None,
                     loss: str = "mse", run_eagerly: bool = False):
    """A few Adam steps on a small learnable batch (target = smooth function of input) lower the loss.

    `target` (batch of 4) replaces the default target, for models whose output is not
    an image of the input's size (e.g. a discriminator's (batch, 1)). `run_eagerly`
    skips tracing the train step, which for very deep graphs (DenseNet121) costs more
    than the handful of steps taken here.
    """
    inputs = random_inputs(model, batch=4, seed=2)
    first = inputs[0] if isinstance(inputs, list) else inputs
    out_shape = model.output.shape[1:]
    if target is None:
        # Learnable target: a fixed per-channel function of the gray input, inside [0, 0.5]
        # so that both tanh and sigmoid outputs can reach it.
        weights = np.linspace(0.3, 0.9, out_shape[-1]).astype("float32")
        target = 0.25 + 0.25 * np.tanh(first * weights)
        target = np.broadcast_to(target, (first.shape[0], *out_shape)).astype("float32")
    # No XLA: on CPU its compile time dwarfs the few steps taken here.
    model.compile(optimizer=keras.optimizers.Adam(lr), loss=loss, jit_compile=False,
                  run_eagerly=run_eagerly)
    losses = model.fit(inputs, target, epochs=steps, batch_size=4, verbose=0).history["loss"]
    assert losses[-1] < 0.7 * losses[0], losses
    return losses
