"""Training losses by name (`RunConfig.loss`), beyond Keras' own.

`huber_chroma`: Huber on ab / 128 plus a penalty on colour that is too weak. A regression
on ab averages the plausible colours of an ambiguous region into brown-gray (Zhang et al.
2016, sec. 2.1: the known cause of muted output); this term charges only for predicted
chroma below the truth's, |ab_true| - |ab_pred| when positive, so a bolder colour is never
penalised by it while a paler one costs twice Huber's linear slope. It needs a 2-channel
chroma target (Lab ab or YUV UV); the shipped colorizer (issue 24) is measured with it in
experiments/ablation.py.
"""
from __future__ import annotations

import keras
from keras import ops

from deepcolor.errors import UsageError

HUBER_DELTA = 1 / 16  # on ab / 128: quadratic below 8 ab units, L1-like (less greying) above
CHROMA_WEIGHT = HUBER_DELTA  # the deficit's slope: as large again as Huber's linear part
_EPS = 1e-6  # keeps the gradient of the chroma norm finite at gray pixels


@keras.saving.register_keras_serializable(package="deepcolor")
class HuberChroma(keras.losses.Loss):
    """Huber(delta) + CHROMA_WEIGHT * mean(relu(|y_true| - |y_pred|)) over 2-channel chroma."""

    def __init__(self, delta: float = HUBER_DELTA, weight: float = CHROMA_WEIGHT,
                 name: str = "huber_chroma", **kwargs):
        super().__init__(name=name, **kwargs)
        self.delta, self.weight = delta, weight
        self._huber = keras.losses.Huber(delta=delta, reduction=None)

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "float32")
        y_pred = ops.cast(y_pred, "float32")
        chroma_true = ops.sqrt(ops.sum(ops.square(y_true), axis=-1) + _EPS)
        chroma_pred = ops.sqrt(ops.sum(ops.square(y_pred), axis=-1) + _EPS)
        deficit = ops.relu(chroma_true - chroma_pred)
        return self._huber(y_true, y_pred) + self.weight * deficit

    def get_config(self):
        return {**super().get_config(), "delta": self.delta, "weight": self.weight}


def by_name(name: str):
    """The Keras loss for a RunConfig.loss name: "mse", "l1"/"mae", "huber", "huber_chroma",
    or "huber_chroma@F" (the penalty's weight F x CHROMA_WEIGHT, e.g. "huber_chroma@0.25")."""
    base, _, factor = name.partition("@")
    table = {"mse": "mse", "l1": "mae", "mae": "mae",
             "huber": keras.losses.Huber(delta=HUBER_DELTA, name="huber")}
    if base == "huber_chroma":
        try:
            scale = float(factor) if factor else 1.0
        except ValueError:
            scale = -1.0
        if not scale > 0:
            raise UsageError(f"loss {name!r}: the weight after '@' must be a number above 0")
        return HuberChroma(weight=CHROMA_WEIGHT * scale)
    if name not in table:
        raise UsageError(f"unknown loss {name!r}; choose one of {', '.join(table)}, "
                         f"huber_chroma[@F]")
    return table[name]
