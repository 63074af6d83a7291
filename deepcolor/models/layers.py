"""Small building blocks shared by the model families (keras.layers only)."""
from __future__ import annotations

import keras
from keras import layers

# Keras's own BatchNormalization momentum; builders whose report needs another value
# (e.g. PyTorch's 0.9) take it as a `bn_momentum` argument.
KERAS_BN_MOMENTUM = 0.99


def conv_bn_act(x, filters: int, *, kernel_size: int = 3, strides: int = 1, activation="relu",
                batch_norm: bool = True, bn_before_act: bool = True, dilation_rate: int = 1,
                bn_momentum: float = KERAS_BN_MOMENTUM, name: str = None):
    """Conv2D (same padding) followed by batch norm and an activation.

    `activation` is a Keras activation name or "leaky_relu:ALPHA". `bn_before_act`
    picks conv-BN-act (the common order) or conv-act-BN (report 001's baseline).
    `bn_momentum` goes to the BatchNormalization layer when it is built.
    """
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding="same",
                      dilation_rate=dilation_rate, use_bias=not batch_norm,
                      name=None if name is None else f"{name}_conv")(x)
    act = activation_layer(activation, name=None if name is None else f"{name}_act")
    bn = (layers.BatchNormalization(momentum=bn_momentum,
                                    name=None if name is None else f"{name}_bn")
          if batch_norm else None)
    for layer in ((bn, act) if bn_before_act else (act, bn)):
        if layer is not None:
            x = layer(x)
    return x


def activation_layer(activation, name: str = None):
    """A Keras layer for an activation name, with "leaky_relu:ALPHA" for LeakyReLU."""
    if activation is None:
        return None
    if isinstance(activation, str) and activation.startswith("leaky_relu"):
        _, _, alpha = activation.partition(":")
        return layers.LeakyReLU(negative_slope=float(alpha or 0.2), name=name)
    return layers.Activation(activation, name=name)


def output_layer(x, activation: str, name: str = "output"):
    """The final activation in float32, so mixed-precision models return float32."""
    return layers.Activation(activation, dtype="float32", name=name)(x)


def gray_input(input_size: int, name: str = "gray"):
    """The model input: one channel of luminance, input_size x input_size."""
    return keras.Input((input_size, input_size, 1), name=name)
