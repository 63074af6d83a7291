"""Every model of the suite, found by name.

A model family module registers its builders with `@register(...)`; importing
`deepcolor.models` imports every family, so `get(name)` and `names()` see them all.
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
    models that take a precomputed backbone embedding.
    """

    name: str
    build: Callable[..., keras.Model]
    report: str
    section: str
    colorspace: dict
    input_size: int
    description: str
    extra_inputs: Tuple[str, ...] = ()


_REGISTRY: Dict[str, ModelSpec] = {}


def register(name: str, *, report: str, section: str, colorspace: dict, input_size: int,
             description: str, extra_inputs: Tuple[str, ...] = ()):
    """Decorator: register a builder function under `name`."""

    def decorate(build: Callable[..., keras.Model]):
        if name in _REGISTRY:
            raise ValueError(f"model {name!r} is registered twice")
        _REGISTRY[name] = ModelSpec(name, build, report, section, dict(colorspace), input_size,
                                    description, tuple(extra_inputs))
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
