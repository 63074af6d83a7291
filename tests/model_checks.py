"""Reusable checks every registered model must pass (the keras-hub test-base idea).

tests/test_models_registry.py runs them for every registered model.
"""
from __future__ import annotations

import inspect

import numpy as np
import keras

from deepcolor import models


def random_inputs(model: keras.Model, batch: int = 2, seed: int = 0):
    """Random inputs in [-1, 1] matching every input of `model`."""
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-1, 1, (batch,) + tuple(t.shape[1:])).astype("float32")
              for t in model.inputs]
    return arrays[0] if len(arrays) == 1 else arrays


def offline_options(spec: models.ModelSpec) -> dict:
    """Builder options that keep a pretrained encoder from downloading (random init)."""
    return {"weights": None} if "weights" in inspect.signature(spec.build).parameters else {}


def expected_output(spec: models.ModelSpec, size: int):
    """(output shape without the batch axis, (low, high)) that `spec` declares.

    A colorizer returns its colour space's target at the input's size; the range is
    the colour space's target range: RGB its `output_range`, Lab ab / ab_scale in
    [-128, 128] / ab_scale, YUV the tanh range [-1, 1], which holds U, V x uv_scale.
    A discriminator returns one probability per image.
    """
    if spec.role == "discriminator":
        return (1,), (0.0, 1.0)
    space = spec.colorspace
    if space["name"] == "rgb":
        return (size, size, 3), tuple(space["output_range"])
    if space["name"] == "lab":
        bound = 128.0 / space.get("ab_scale", 128.0)
        return (size, size, 2), (-bound, bound)
    assert space["name"] == "yuv" and 0.615 * space.get("uv_scale", 1.0) <= 1.0
    return (size, size, 2), (-1.0, 1.0)


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
    """Under mixed_bfloat16 the model computes in bfloat16 and returns float32."""
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = build_fn()
        out = model(random_inputs(model), training=False)
        assert keras.backend.standardize_dtype(out.dtype) == "float32"
        assert any(getattr(l, "compute_dtype", None) == "bfloat16" for l in model.layers)
    finally:
        keras.mixed_precision.set_global_policy("float32")


def check_loss_falls(model: keras.Model, max_steps: int = 30, lr: float = 1e-3, target=None,
                     loss: str = "mse", run_eagerly: bool = False):
    """Adam steps on a small learnable batch (target = smooth function of input) lower the
    loss below 0.7 x its first value within `max_steps` (training stops once it does).

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
    losses = model.fit(inputs, target, epochs=max_steps, batch_size=4, verbose=0,
                       callbacks=[_StopOnceFallen()]).history["loss"]
    assert losses[-1] < 0.7 * losses[0], losses
    return losses


class _StopOnceFallen(keras.callbacks.Callback):
    """Stop training once the loss is below 0.7 x the first step's loss."""

    def on_epoch_end(self, epoch, logs=None):
        self.first = logs["loss"] if epoch == 0 else self.first
        if logs["loss"] < 0.7 * self.first:
            self.model.stop_training = True


def check_keras_layers_only(model: keras.Model):
    """Every layer (nested models included) is a Keras layer, or a deepcolor layer
    registered with Keras serialization; no Lambda / TFOpLambda wrapping backend code.

    This is what lets a model save as .keras, load without custom code, and run on
    any Keras backend; a source search for "tensorflow" misses TF reached via a helper.
    """
    for layer in model._flatten_layers(include_self=False, recursive=True):
        cls = type(layer)
        where = f"{model.name}: layer {layer.name!r} ({cls.__module__}.{cls.__name__})"
        assert not isinstance(layer, keras.layers.Lambda) and cls.__name__ != "TFOpLambda", where
        if cls.__module__.startswith("keras."):
            continue
        registered = keras.saving.get_registered_name(cls)
        assert cls.__module__.startswith("deepcolor.") and registered.startswith("deepcolor>") \
            and keras.saving.get_registered_object(registered) is cls, where
