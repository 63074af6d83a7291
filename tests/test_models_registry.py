"""The shared checks, run for EVERY registered model (parametrized over the registry).

A newly registered model is tested here without writing a test file: it builds at a
small size and at its report's size with the output its colour space declares, uses
Keras layers only, survives a .keras round trip, returns float32 under
mixed_bfloat16, and learns a tiny batch. Report-specific facts (layer counts, channel
widths, parameter counts) stay in tests/test_models_<family>.py.
"""
import functools
import pkgutil
import re
from pathlib import Path

import keras
import numpy as np
import pytest

from deepcolor import models
from deepcolor.models import families
from tests import model_checks as mc

NAMES = models.names()
# Small enough to be quick, and the smallest input Keras's ImageNet applications accept.
SMALL = 32


def build(name: str, input_size: int = SMALL) -> keras.Model:
    spec = models.get(name)
    return models.build(name, input_size, **mc.offline_options(spec))


@functools.lru_cache(maxsize=None)
def built(name: str) -> keras.Model:
    """One small build per model, shared by the checks that do not train it."""
    return build(name)


def has_backbone(model: keras.Model) -> bool:
    """A pretrained encoder (DenseNet121, MobileNet) nested as a model inside."""
    return any(isinstance(layer, keras.Model) for layer in model.layers)


def test_every_family_module_is_imported():
    """A family file in deepcolor/models/families/ that registers models must be in
    FAMILIES, or importing deepcolor.models would silently leave its models out; no
    support module one folder up registers a model."""
    package = Path(families.__file__).parent
    registering = {info.name for info in pkgutil.iter_modules([str(package)])
                   if re.search(r"^@register\(", (package / f"{info.name}.py").read_text(),
                                re.MULTILINE)}
    assert registering == {m.__name__.rsplit(".", 1)[1] for m in families.FAMILIES}
    builder_modules = {models.get(name).build.__module__ for name in NAMES}
    assert builder_modules == {m.__name__ for m in families.FAMILIES}
    support = Path(models.__file__).parent
    assert not [p.name for p in support.glob("*.py")
                if re.search(r"^@register\(", p.read_text(), re.MULTILINE)]


@pytest.mark.parametrize("name", NAMES)
def test_builder_is_public_and_cites_its_section(name):
    spec = models.get(name)
    assert not spec.build.__name__.startswith("_")
    assert spec.section.split()[0].rstrip(",") in (spec.build.__doc__ or ""), spec.build


@pytest.mark.parametrize("name", NAMES)
def test_output_shape_and_range(name):
    spec, model = models.get(name), built(name)
    shape, (low, high) = mc.expected_output(spec, SMALL)
    assert tuple(model.inputs[0].shape[1:]) == (SMALL, SMALL, 1)
    assert len(model.inputs) == 1 + len(spec.extra_inputs)
    out = np.asarray(model(mc.random_inputs(model), training=False))
    assert out.shape == (2, *shape)
    mc.check_output_range(out, low, high)


@pytest.mark.parametrize("name", NAMES)
def test_report_size_output_shape(name):
    spec = models.get(name)
    model = build(name, spec.input_size)  # symbolic shapes only: no forward pass
    assert tuple(model.inputs[0].shape[1:]) == (spec.input_size, spec.input_size, 1)
    assert tuple(model.output.shape[1:]) == mc.expected_output(spec, spec.input_size)[0]


@pytest.mark.parametrize("name", NAMES)
def test_keras_layers_only(name):
    mc.check_keras_layers_only(built(name))


@pytest.mark.parametrize("name", NAMES)
def test_keras_round_trip(name, tmp_path):
    mc.check_keras_round_trip(built(name), tmp_path)


@pytest.mark.parametrize("name", NAMES)
def test_mixed_precision_output_is_float32(name):
    mc.check_mixed_precision(lambda: build(name))


@pytest.mark.parametrize("name", NAMES)
def test_loss_falls(name):
    spec, model = models.get(name), build(name)
    options = {}
    if spec.role == "discriminator":  # learn to tell two pairs from two others
        options = dict(target=np.array([[1.0], [0.0], [1.0], [0.0]], "float32"),
                       loss="binary_crossentropy")
    # Eager for a nested pretrained encoder: tracing a DenseNet121 train step takes
    # longer than the few steps themselves.
    mc.check_loss_falls(model, run_eagerly=has_backbone(model), **options)


def test_unknown_model_is_one_line():
    with pytest.raises(KeyError, match="unknown model 'no-such-model'; known models: "):
        models.get("no-such-model")
