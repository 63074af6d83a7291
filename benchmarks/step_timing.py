"""Backend-agnostic training-step timing (keras and numpy only: TensorFlow or JAX).

Each registered model is built at its report's input size, compiled with Adam and
MSE, and trained on one synthetic batch shaped like its inputs and outputs (for
the fusion models: the gray image and a random embedding vector, i.e. the trainable
head; their frozen backbone runs once per image, before training, and is timed
apart). A step is timed with `train_on_batch`, which returns the loss as a Python
number, so every timed step has finished computing.
"""
from __future__ import annotations

import inspect
import time
from typing import Dict, List, Optional, Tuple

import numpy as np

# The batch each report trained with. 000 and 002 state none (000 "tested various
# batch sizes"): Keras' default of 32 is taken for both.
REPORT_BATCH = {"000": 32, "001": 100, "koalarization": 100, "002": 32, "003": 383,
                "004": 128}
# The frozen backbone of each fusion model (architecture, embedding); others: 001's.
BACKBONES = {"fusion001": ("inception_resnet_v2", "pooled"),
             "koalarization": ("inception_resnet_v2", "logits"),
             "koalarization002": ("vgg16", "logits")}
DEFAULT_BACKBONE = ("inception_resnet_v2", "pooled")
# (label, dtype policy, XLA)
CONFIGS = (("fp32", "float32", False), ("bf16", "mixed_bfloat16", False),
           ("fp32+XLA", "float32", True), ("bf16+XLA", "mixed_bfloat16", True))


def report_batch(name: str) -> int:
    from deepcolor.models import registry

    return REPORT_BATCH.get(registry.get(name).report, 32)


def build(name: str, input_size: Optional[int] = None):
    """The registered model, with random weights (ImageNet encoders cannot be
    downloaded offline; the cost of a step does not depend on the weights)."""
    from deepcolor.models import registry

    spec = registry.get(name)
    options = {}
    if "weights" in inspect.signature(spec.build).parameters:
        options["weights"] = None
    return registry.build(name, input_size=input_size, **options)


def synthetic_batch(model, batch: int, seed: int = 0) -> Tuple[List[np.ndarray], np.ndarray]:
    """Random inputs and targets with the model's input and output shapes."""
    rng = np.random.default_rng(seed)
    inputs = [rng.uniform(-1, 1, (batch, *t.shape[1:])).astype("float32")
              for t in model.inputs]
    target = rng.uniform(-1, 1, (batch, *model.outputs[0].shape[1:])).astype("float32")
    return inputs, target


def compile_for_training(model, jit_compile: bool):
    import keras

    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse", jit_compile=jit_compile)
    return model


def time_steps(step, warmup: int = 1, min_steps: int = 2, min_seconds: float = 2.0,
               max_steps: int = 20) -> Dict[str, float]:
    """Median seconds of `step()` after `warmup` calls (the first traces and compiles);
    timed calls continue until `min_steps` and `min_seconds` are both reached."""
    start = time.perf_counter()
    for _ in range(warmup):
        step()
    first = time.perf_counter() - start
    times: List[float] = []
    while len(times) < max_steps and (len(times) < min_steps or sum(times) < min_seconds):
        t0 = time.perf_counter()
        step()
        times.append(time.perf_counter() - t0)
    return {"step_s": float(np.median(times)), "warmup_s": first, "steps": len(times)}


def batch_norm_in_float32(model) -> int:
    """Give every BatchNormalization layer (nested ones too) the float32 policy; the count.

    Under mixed_bfloat16 Keras' BN already computes its statistics in float32 but takes
    and returns bfloat16; with the float32 policy its output stays float32 and the
    next layer casts it back: the two placements of the casts a benchmark can compare.
    """
    import keras

    layers = [layer for layer in model._flatten_layers()
              if isinstance(layer, keras.layers.BatchNormalization)]
    for layer in layers:
        layer.dtype_policy = "float32"
    return len(layers)


def time_train_step(name: str, batch: int, policy: str, jit_compile: bool,
                    input_size: Optional[int] = None, prepare=None, after=None,
                    **timing) -> Dict[str, float]:
    """Seconds per training step of `name` at `batch` under a dtype policy and XLA or not.

    `prepare(model)` runs before compiling (e.g. batch_norm_in_float32); `after(step)`
    after the timing, with the step function (e.g. to trace a few steps).
    """
    import keras

    keras.mixed_precision.set_global_policy(policy)
    try:
        model = build(name, input_size)
        if prepare:
            prepare(model)
        model = compile_for_training(model, jit_compile)
        x, y = synthetic_batch(model, batch)
        x = x[0] if len(x) == 1 else x
        step = lambda: model.train_on_batch(x, y)  # noqa: E731
        result = time_steps(step, **timing)
        if after:
            after(step)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    keras.backend.clear_session()
    result["img_per_s"] = batch / result["step_s"]
    return result


def build_backbone(name: str, input_size: int):
    """The frozen embedder a fusion model `name` is fed by (random weights)."""
    from deepcolor.models import backbone

    arch, embedding = BACKBONES.get(name, DEFAULT_BACKBONE)
    embedder = backbone.build_embedder(input_size, arch=arch, weights=None, embedding=embedding)
    return embedder, arch, backbone._ARCHS[arch][1]  # the size the backbone runs at


def time_backbone(embedder, batch: int, **timing) -> Dict[str, float]:
    """Seconds of one frozen forward pass of the embedder over `batch` gray images."""
    x, _ = synthetic_batch(embedder, batch)
    result = time_steps(lambda: np.asarray(embedder.predict_on_batch(x[0])), **timing)
    result["img_per_s"] = batch / result["step_s"]
    return result
