"""Check a preset's data before training (`data_pipelines.check`), once per distinct
data setting of its runs; `deepcolor data check` prints the same.

A paper preset runs it before the first step: a wrong layout or an image in two splits
stops the run with one line, and the checks are kept in the run's config.json
(`ExperimentConfig.data_checks`). DEEPCOLOR_ALLOW_DUPLICATES=1 accepts images found in
two splits (a dataset's own official split may hold some); they stay listed.
"""
from __future__ import annotations

import dataclasses
import os
from typing import List, Optional

from data_pipelines.check import DataCheck, check_source
from data_pipelines.report import DataSourceError
from deepcolor.train.config import DataConfig, ExperimentConfig


def check_data(data: DataConfig, seed: int = 0) -> DataCheck:
    return check_source(data.source, train_limit=data.train_limit, eval_limit=data.eval_limit,
                        seed=seed, validation_fraction=data.validation_fraction,
                        test_fraction=data.test_fraction, drop_grayscale=data.drop_grayscale)


def distinct_data(config: ExperimentConfig, label: Optional[str] = None) -> List[DataConfig]:
    """The preset's distinct data settings (label and augmentation aside), in run order."""
    seen, out = set(), []
    for run in config.runs:
        data = run.data
        key = (data.source, data.train_limit, data.eval_limit, data.validation_fraction,
               data.test_fraction, data.drop_grayscale)
        if key not in seen and (label is None or data.label == label):
            seen.add(key)
            out.append(data)
    return out


def allow_duplicates() -> bool:
    return os.environ.get("DEEPCOLOR_ALLOW_DUPLICATES", "") not in ("", "0")


def checked(config: ExperimentConfig, log) -> ExperimentConfig:
    """`config` with its data checks; raises DataSourceError on a problem."""
    checks = []
    for data in distinct_data(config):
        check = check_data(data, config.all_seeds()[0])
        log(check.text())
        if check.problems and not allow_duplicates():
            raise DataSourceError(f"{data.source}: {check.problems[0]} (set "
                                  f"DEEPCOLOR_ALLOW_DUPLICATES=1 to accept them)")
        checks.append(check.to_dict())
    return dataclasses.replace(config, data_checks=checks)
