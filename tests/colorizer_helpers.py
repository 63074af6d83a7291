"""Tiny Keras colorizers for the inference, export and colorize tests (built in
milliseconds; the report models are far too slow for these checks)."""
import keras
import numpy as np

from deepcolor.colorspaces import get_colorspace


def tiny_model(space="lab", size=16, seed=0):
    """Two 3x3 convs; a wide init so the predicted chroma varies visibly over the image."""
    space = get_colorspace(space)
    activation = "sigmoid" if space.name == "rgb" else "tanh"
    init = keras.initializers.RandomNormal(stddev=1.0, seed=seed)
    inputs = keras.Input((size, size, 1))
    x = keras.layers.Conv2D(8, 3, padding="same", activation="relu",
                            kernel_initializer=init)(inputs)
    outputs = keras.layers.Conv2D(space.output_channels, 3, padding="same", activation=activation,
                                  kernel_initializer=init)(x)
    return keras.Model(inputs, outputs, name=f"tiny_{space.name}")


def constant_model(values, size=16):
    """Predicts `values` (one per output channel) at every pixel, whatever the input."""
    inputs = keras.Input((size, size, 1))
    layer = keras.layers.Conv2D(len(values), 1)
    model = keras.Model(inputs, layer(inputs), name="constant")
    layer.set_weights([np.zeros((1, 1, 1, len(values)), "float32"), np.array(values, "float32")])
    return model
