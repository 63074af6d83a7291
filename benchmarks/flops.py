"""FLOPs of a Keras model's forward pass, counted from its layer shapes (any backend).

`forward_flops(model)` sums, over every layer call in the model's graph (nested
models included, each call counted), 2 x the multiply-adds of the layers that carry
the arithmetic of a conv net, from their static shapes at batch 1:

    Conv2D            H_out W_out C_out x k_h k_w C_in / groups
    Conv2DTranspose   H_in W_in C_in x k_h k_w C_out  (each input pixel scatters a
                      k_h x k_w x C_out patch; the inserted zeros are not counted)
    DepthwiseConv2D   H_out W_out C_in m x k_h k_w   (m = depth multiplier)
    SeparableConv2D   the depthwise part + H_out W_out C_in m x C_out (pointwise)
    Dense             (input elements / C_in) x C_in x units

Biases, batch norm, activations, pooling and resizes are left out (a few percent of
a conv net). It needs no TensorFlow, so every backend's benchmark reports the same
count. `tf_profiler_flops(model)` is the older count, TensorFlow's graph profiler on
the frozen forward graph (it adds the bias and elementwise ops it has statistics
for); kept as a cross-check where TensorFlow is installed (tests/test_flops.py).

Training FLOPs per image follow the usual convention: forward + backward = 3x
forward (the backward pass computes input and weight gradients, each about the
cost of the forward). Frozen layers are counted like trainable ones.
"""
from __future__ import annotations

import math

TRAIN_FACTOR = 3  # forward + backward ~ 3 x forward
SHAPE_COUNT = ("shape-based: 2 x multiply-adds of Conv2D, Conv2DTranspose, DepthwiseConv2D, "
               "SeparableConv2D and Dense from the layer shapes at batch 1 (benchmarks.flops); "
               "training = 3 x forward (convention)")


def _macs(layer, in_shape, out_shape) -> int:
    """Multiply-adds of one call of `layer` (shapes without the batch axis)."""
    kind = type(layer).__name__
    if kind in ("Conv2D", "Conv1D", "Conv3D"):
        window = math.prod(layer.kernel_size) * in_shape[-1] // getattr(layer, "groups", 1)
        return math.prod(out_shape) * window
    if kind in ("Conv2DTranspose", "Conv1DTranspose", "Conv3DTranspose"):
        return math.prod(in_shape) * math.prod(layer.kernel_size) * out_shape[-1]
    if kind in ("DepthwiseConv2D", "DepthwiseConv1D"):
        return math.prod(out_shape) * math.prod(layer.kernel_size)
    if kind in ("SeparableConv2D", "SeparableConv1D"):
        spatial = math.prod(out_shape[:-1])
        depthwise = spatial * in_shape[-1] * layer.depth_multiplier
        return depthwise * math.prod(layer.kernel_size) + depthwise * out_shape[-1]
    if kind == "Dense":
        return math.prod(in_shape) * out_shape[-1]
    return 0


def _calls(layer):
    """(input shape, output shape) of every call of `layer` in a built graph."""
    shapes = []
    for node in getattr(layer, "_inbound_nodes", []):
        if node.input_tensors and node.output_tensors:
            shapes.append((tuple(node.input_tensors[0].shape[1:]),
                           tuple(node.output_tensors[0].shape[1:])))
    return shapes


def forward_flops(model) -> int:
    """Shape-counted FLOPs (2 x multiply-adds) of one forward pass of one image."""
    total = 0
    for layer in model.layers:
        if hasattr(layer, "layers"):  # a nested model: its graph, once per call here
            total += forward_flops(layer) * max(1, len(_calls(layer)))
            continue
        for in_shape, out_shape in _calls(layer):
            total += 2 * _macs(layer, in_shape, out_shape)
    return total


def input_specs(model, batch: int = 1):
    """TensorSpecs for the model's inputs at `batch` (TensorFlow only)."""
    import tensorflow as tf

    return [tf.TensorSpec((batch, *inp.shape[1:]), tf.float32) for inp in model.inputs]


def tf_profiler_flops(model) -> int:
    """TensorFlow's graph-profiler FLOPs of one forward pass of one image (TF backend).

    Traces `model(inputs, training=False)` at batch 1, freezes the variables and sums
    the `float_ops` the profiler registers per op (conv, transposed conv, depthwise
    conv, MatMul, BiasAdd and elementwise ops with statistics).
    """
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2)

    specs = input_specs(model)
    single = len(specs) == 1

    @tf.function
    def forward(*inputs):
        return model(inputs[0] if single else list(inputs), training=False)

    graph = convert_variables_to_constants_v2(forward.get_concrete_function(*specs)).graph
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    return int(tf.compat.v1.profiler.profile(graph=graph, options=options).total_float_ops)


__all__ = ["forward_flops", "tf_profiler_flops", "input_specs", "TRAIN_FACTOR", "SHAPE_COUNT"]
