"""Regularisation options of a run (issue 24): AdamW's weight decay and the crop margin."""
import dataclasses

import keras
import pytest

from data_pipelines import augment
from deepcolor.train import data, loop
from deepcolor.train.config import DataConfig, RunConfig


def test_weight_decay_switches_adam_to_adamw():
    run = RunConfig("r", "unet004_model1", learning_rate=1e-3)
    assert type(loop.optimizer(run)) is keras.optimizers.Adam
    decayed = loop.optimizer(dataclasses.replace(run, weight_decay=0.05))
    assert isinstance(decayed, keras.optimizers.AdamW)
    assert decayed.weight_decay == pytest.approx(0.05)


@pytest.mark.parametrize("margin", [augment.MARGIN, 1.6])
def test_crop_margin_sets_the_cached_size_of_the_train_split_only(margin):
    source = DataConfig(source="sample", image_size=32, augment=True, crop_margin=margin,
                        train_limit=4, eval_limit=2)
    splits = data.load_splits(RunConfig("r", "unet004_model1", source), seed=0, as_uint8=True)
    train = next(iter(splits["train"][0]))
    assert train.shape[0] == augment.cache_size(32, margin) == round(32 * margin)
    assert next(iter(splits["test"][0])).shape[0] == 32
