"""The model families: one module per report's family (and the shipped colorizer's),
each registering its builders with deepcolor.models.registry when imported.

The support they share sits one folder up, in deepcolor/models/: the registry, the
layers, the frozen backbones and the EfficientNet-Lite0 weights loading.

A NEW FAMILY FILE IS ADDED HERE, in both lines; tests/test_models_registry.py fails if
a module in this folder registers models and is missing from FAMILIES.
"""
from deepcolor.models.families import (deepcolor003, dilated_unet, koalarization,
                                       pretrained_colorizer, unet_cnn_cgan, unet_colorspace)

FAMILIES = (koalarization, unet_colorspace, unet_cnn_cgan, deepcolor003, dilated_unet,
            pretrained_colorizer)
