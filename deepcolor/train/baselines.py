"""The untrained baselines every colorizer must beat, scored on a run's own test images.

"no colour" keeps the gray input (a = b = 0); "mean colour" paints every pixel the
training split's mean ab. Both are computed once: the test split does not depend on
the seed, so claims compare each seed's run against this one value (a one-sample test).
"""
from __future__ import annotations

import numpy as np

from deepcolor.train.config import ExperimentConfig

BASELINES = {"no colour": "baseline: no colour (a = b = 0)",
             "mean colour": "baseline: training-set mean ab"}
_CACHE: dict = {}  # by config: the ablation and observations ask more than once


def rows(config: ExperimentConfig) -> list:
    """The no-colour and mean-colour rows, on the test images every model is scored on."""
    key = config.to_json()
    if key in _CACHE:
        return _CACHE[key]
    from deepcolor.colorspaces import lab_to_rgb, rgb_to_lab
    from deepcolor.train import data, metric_table

    arrays = data.rgb_arrays(config.runs[0], config.seed)  # the runs' own data, any backend
    mean_ab = np.asarray(rgb_to_lab(arrays["train"]))[..., 1:].reshape(-1, 2).mean(axis=0)
    test_lab = np.asarray(rgb_to_lab(arrays["test"]))
    out = []
    for key_name, ab in (("no colour", np.zeros(2)), ("mean colour", mean_ab)):
        lab = np.concatenate([test_lab[..., :1], np.broadcast_to(ab, test_lab.shape[:-1] + (2,))],
                             axis=-1)
        scores = metric_table.score(metric_table.Prediction(arrays["test"],
                                                            np.asarray(lab_to_rgb(lab))))
        row = {"run": BASELINES[key_name], "model": "-", "epochs": 0,
               "data": config.runs[0].data.label, "train images": len(arrays["train"])}
        row.update(scores)  # every metric of RGB (no model output: no target-space error)
        if key_name == "mean colour":
            row["run"] += f" ({ab[0]:.2f}, {ab[1]:.2f})"
        out.append(row)
    _CACHE[key] = out
    return out
