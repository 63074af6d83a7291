"""Scoring a model on a dataset: every metric of deepcolor/train/metric_table.py, and a
few sample images for the figures.
"""
from __future__ import annotations

import os
from typing import Dict

import numpy as np

from deepcolor.colorspaces import ColorSpace
from deepcolor.train import metric_table

GRID_IMAGES = 8


def read_history(path: str) -> Dict[str, list]:
    """The CSVLogger history, one row per epoch (a resumed epoch logged twice keeps its last row)."""
    import pandas as pd

    if not os.path.exists(path):
        return {}
    frame = pd.read_csv(path).drop_duplicates("epoch", keep="last").sort_values("epoch")
    return {k: frame[k].to_numpy() for k in frame.columns}


def _predict(model, dataset):
    """Model outputs for a dataset of (inputs, target), with inputs and targets kept."""
    xs, ys, preds = [], [], []
    for inputs, target in dataset:
        gray = inputs[0] if isinstance(inputs, tuple) else inputs
        preds.append(np.asarray(model(inputs, training=False), dtype="float32"))
        xs.append(np.asarray(gray))
        ys.append(np.asarray(target))
    return np.concatenate(xs), np.concatenate(ys), np.concatenate(preds)


def evaluate(model, dataset, colorspace: ColorSpace) -> tuple:
    """(Every metric of the metric table, sample images) on every image of `dataset`."""
    gray, target, pred = _predict(model, dataset)
    true_rgb = np.asarray(colorspace.decode(gray, target))
    pred_rgb = np.asarray(colorspace.decode(gray, pred))
    results = metric_table.score(metric_table.Prediction(true_rgb, pred_rgb, target, pred))
    samples = {"gray": (gray[:GRID_IMAGES] - colorspace.input_range[0])
               / (colorspace.input_range[1] - colorspace.input_range[0]),
               "truth": true_rgb[:GRID_IMAGES], "prediction": pred_rgb[:GRID_IMAGES]}
    return results, samples
