"""Every model of the suite, found by name.

The one way to add a model: write a public builder function in its family module
(`deepcolor/models/families/<family>.py`) whose docstring cites the report section it mirrors,
and put `@register(...)` directly on it::

    @register("unet004_model1", report="004", section="III (Models)", colorspace=LAB,
              input_size=320, description="...")
    def build_model1(input_size: int = 320, *, ...) -> keras.Model:
        # docstring: "Model 1, section III: ..." (the report section it mirrors)

One builder per registered name; settings such as batch-norm momentum are keyword
arguments of the builder, passed to the layers when they are built. Importing
`deepcolor.models` imports every family listed in deepcolor/models/families/, so `get(name)` and `names()`
see them all.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Dict, List, Optional, Tuple

import keras


@dataclasses.dataclass(frozen=True)
class ModelSpec:
    """What a reader needs to know about a registered model.

    `build(input_size=..., **options)` returns an uncompiled `keras.Model` whose
    first input is the model input of `colorspace` (H x W x 1) and whose output is
    the colour space's target (H x W x output_channels), float32.
    `extra_inputs` names any further inputs, e.g. ("embedding",) for the fusion
    models that take a precomputed backbone embedding. `role` is "colorizer" (the
    output is the colour target) or "discriminator" (the output is one probability per
    image, e.g. report 002's cGAN discriminator).
    """

    name: str
    build: Callable[..., keras.Model]
    report: str
    section: str
    colorspace: dict
    input_size: int
    description: str
    extra_inputs: Tuple[str, ...] = ()
    role: str = "colorizer"


_REGISTRY: Dict[str, ModelSpec] = {}


def register(name: str, *, report: str, section: str, colorspace: dict, input_size: int,
             description: str, extra_inputs: Tuple[str, ...] = (), role: str = "colorizer"):
    """Decorator on a public builder `build(input_size=..., **options) -> keras.Model`:
    register it under `name` and return it unchanged."""
    if role not in ("colorizer", "discriminator"):
        raise ValueError(f"model {name!r}: role must be 'colorizer' or 'discriminator'")

    def decorate(build: Callable[..., keras.Model]):
        if name in _REGISTRY:
            raise ValueError(f"model {name!r} is registered twice")
        _REGISTRY[name] = ModelSpec(name, build, report, section, dict(colorspace), input_size,
                                    description, tuple(extra_inputs), role)
        return build

    return decorate


def get(name: str) -> ModelSpec:
    """The spec registered under `name`; a one-line error lists the known names."""
    if name not in _REGISTRY:
        raise KeyError(f"unknown model {name!r}; known models: {', '.join(names())}")
    return _REGISTRY[name]


def names(report: Optional[str] = None) -> List[str]:
    """Registered model names, optionally only those of one report ("000".."004")."""
    return sorted(n for n, s in _REGISTRY.items() if report is None or s.report == report)


def build(name: str, input_size: Optional[int] = None, **options) -> keras.Model:
    """Build the registered model `name` at `input_size` (its report's size by default)."""
    spec = get(name)
    return spec.build(input_size=input_size or spec.input_size, **options)
