"""Keras functional models of every report, found by name in the registry.

Importing this package imports every family module so that all models register.
"""
from deepcolor.models.registry import ModelSpec, build, get, names, register  # noqa: F401

# Every family module (one file per report's family; each registers its models on
# import). A NEW FAMILY FILE IS ADDED HERE, in both lines; tests/test_models_registry.py
# fails if a file in deepcolor/models/ that registers models is missing from FAMILIES.
from deepcolor.models import (deepcolor003, dilated_unet, koalarization,  # noqa: E402
                              pretrained_colorizer, unet_cnn_cgan, unet_colorspace)

FAMILIES = (koalarization, unet_colorspace, unet_cnn_cgan, deepcolor003, dilated_unet,
            pretrained_colorizer)
