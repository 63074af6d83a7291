"""benchmarks.flops: the shape-based FLOP count, exact on a hand-computed model and
within 10% of TensorFlow's graph profiler on registered models (skipped without TF)."""
import importlib.util

import keras
import pytest
from keras import layers

from benchmarks import flops
from benchmarks import step_timing as st


def _hand_model():
    inputs = keras.Input((8, 8, 3))
    x = layers.Conv2D(4, 3, strides=2, padding="same")(inputs)       # -> 4x4x4
    x = layers.DepthwiseConv2D(3, padding="same", depth_multiplier=2)(x)  # -> 4x4x8
    x = layers.SeparableConv2D(6, 3, padding="same")(x)              # -> 4x4x6
    x = layers.Conv2DTranspose(2, 3, strides=2, padding="same")(x)   # -> 8x8x2
    x = layers.BatchNormalization()(x)                               # not counted
    return keras.Model(inputs, layers.Dense(5)(layers.Flatten()(x)))  # 128 -> 5


def test_shape_count_matches_a_hand_computation():
    conv = 4 * 4 * 4 * (3 * 3 * 3)                  # output pixels x channels x window: 1728
    depthwise = 4 * 4 * 8 * (3 * 3)                 # 1152
    separable = 4 * 4 * 8 * 9 + 4 * 4 * 8 * 6       # depthwise 1152 + pointwise 768
    transposed = 4 * 4 * 6 * (3 * 3) * 2            # input pixels x C_in x window x C_out: 1728
    dense = 128 * 5                                 # 640
    macs = conv + depthwise + separable + transposed + dense
    assert macs == 7168
    assert flops.forward_flops(_hand_model()) == 2 * macs


def test_a_nested_model_counts_once_per_call():
    inner = _hand_model()
    a, b = keras.Input((8, 8, 3)), keras.Input((8, 8, 3))
    outer = keras.Model([a, b], layers.Add()([inner(a), inner(b)]))
    assert flops.forward_flops(outer) == 2 * flops.forward_flops(inner)


@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None
                    or keras.backend.backend() != "tensorflow",
                    reason="the profiler cross-check needs TensorFlow")
@pytest.mark.parametrize("name, size", [("unet003", 64), ("mobilenet003", 64),
                                        ("fusion001", 32)])
def test_shape_count_agrees_with_the_tensorflow_profiler(name, size):
    model = st.build(name, size)
    shape_count, profiler = flops.forward_flops(model), flops.tf_profiler_flops(model)
    assert shape_count > 0 and abs(shape_count / profiler - 1) < 0.10, (shape_count, profiler)
