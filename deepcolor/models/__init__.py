"""Keras functional models of every report, found by name in the registry.

Importing this package imports every family module so that all models register.
"""
from deepcolor.models.registry import ModelSpec, build, get, names, register  # noqa: F401

# Each family registers its models on import (one file per report's family).
from deepcolor.models import koalarization  # noqa: F401,E402
from deepcolor.models import unet_colorspace  # noqa: F401,E402
from deepcolor.models import unet_cnn_cgan  # noqa: F401,E402
from deepcolor.models import deepcolor003  # noqa: F401,E402
from deepcolor.models import dilated_unet  # noqa: F401,E402
from deepcolor.models import pretrained_colorizer  # noqa: F401,E402
