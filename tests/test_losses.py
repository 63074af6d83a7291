"""The chroma-deficit loss (deepcolor.train.losses): it charges pale colour only, is Huber
otherwise, survives a save/load round trip, and a model trained on it learns."""
import keras
import numpy as np
import pytest

from deepcolor.errors import UsageError
from deepcolor.train import losses


def _ab(seed=0, shape=(4, 8, 8, 2)):
    return np.random.default_rng(seed).uniform(-0.5, 0.5, shape).astype("float32")


def _value(loss, y_true, y_pred):
    return float(keras.ops.convert_to_numpy(loss(y_true, y_pred)))


def test_pale_prediction_costs_more_than_huber_and_bold_costs_huber_only():
    y = _ab()
    huber = keras.losses.Huber(delta=losses.HUBER_DELTA)
    chroma = losses.HuberChroma()
    pale, bold = 0.5 * y, 1.5 * y
    deficit = np.mean(0.5 * np.sqrt(np.sum(y ** 2, axis=-1)))
    assert _value(chroma, y, pale) == pytest.approx(
        _value(huber, y, pale) + losses.CHROMA_WEIGHT * deficit, rel=1e-3)
    assert _value(chroma, y, bold) == pytest.approx(_value(huber, y, bold), rel=1e-3, abs=1e-6)
    assert _value(chroma, y, y) == pytest.approx(0.0, abs=1e-5)


def test_round_trip_of_config_and_unknown_names():
    loss = losses.HuberChroma(weight=0.1)
    again = keras.losses.deserialize(keras.losses.serialize(loss))
    y = _ab(1)
    assert _value(again, y, 0.3 * y) == pytest.approx(_value(loss, y, 0.3 * y))
    with pytest.raises(UsageError, match="unknown loss 'hinge'"):
        losses.by_name("hinge")


def test_a_small_model_learns_on_it():
    rng = np.random.default_rng(2)
    x = rng.uniform(-1, 1, (256, 4)).astype("float32")
    y = (x[:, :2] * 0.4)[:, None, None, :]  # chroma a linear function of the input
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(2), keras.layers.Reshape((1, 1, 2))])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss=losses.by_name("huber_chroma"))
    keras.utils.set_random_seed(0)
    history = model.fit(x, y, epochs=30, batch_size=32, verbose=0).history["loss"]
    assert history[-1] < 0.3 * history[0]


def test_a_weight_after_at_scales_the_penalty_and_bad_ones_are_one_line():
    y = _ab(3)
    full, quarter = losses.by_name("huber_chroma"), losses.by_name("huber_chroma@0.25")
    huber = _value(keras.losses.Huber(delta=losses.HUBER_DELTA), y, 0.5 * y)
    assert _value(quarter, y, 0.5 * y) - huber == pytest.approx(
        0.25 * (_value(full, y, 0.5 * y) - huber), rel=1e-3)
    for bad in ("huber_chroma@x", "huber_chroma@0", "huber_chroma@-1"):
        with pytest.raises(UsageError, match="above 0"):
            losses.by_name(bad)
