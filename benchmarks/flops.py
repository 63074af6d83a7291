"""Counted FLOPs of a Keras model's forward pass (TensorFlow backend).

How: trace `model(inputs, training=False)` at batch 1 into a concrete function,
freeze its variables into constants and sum the `float_ops` that TensorFlow's
graph profiler (`tf.compat.v1.profiler`) registers per op: Conv2D,
Conv2DBackpropInput (transposed conv), depthwise conv, MatMul, BiasAdd and the
elementwise Add/Mul/... ops it has statistics for. One multiply-add counts as 2
FLOPs. Activations, pooling, batch-norm and resizes have no registered
statistics and are left out (a few percent of a conv net's total).

Training FLOPs per image follow the usual convention: forward + backward = 3x
forward (the backward pass computes input and weight gradients, each about the
cost of the forward). Frozen layers are counted like trainable ones.
"""
from __future__ import annotations

import tensorflow as tf
from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

TRAIN_FACTOR = 3  # forward + backward ~ 3 x forward


def input_specs(model, batch: int = 1):
    """TensorSpecs for the model's inputs at `batch` (the static H, W, C of each input)."""
    return [tf.TensorSpec((batch, *inp.shape[1:]), tf.float32) for inp in model.inputs]


def forward_flops(model) -> int:
    """Counted FLOPs of one forward pass of one image through `model`."""
    specs = input_specs(model)
    single = len(specs) == 1

    @tf.function
    def forward(*inputs):
        return model(inputs[0] if single else list(inputs), training=False)

    concrete = forward.get_concrete_function(*specs)
    graph = convert_variables_to_constants_v2(concrete).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    profile = tf.compat.v1.profiler.profile(graph=graph, options=options)
    return int(profile.total_float_ops)


__all__ = ["forward_flops", "input_specs", "TRAIN_FACTOR"]
