"""An experiment: what `python -m experiments.<name>` hands the runner.

One object, declared at the bottom of each experiment module, says everything the
runner needs: the presets and what each costs, how a preset becomes an
`ExperimentConfig` (runs, table notes, the report's claims), and the few optional
steps some reports add (baseline rows computed without training, observations
beyond the claims, a summary file, shipping weights into the package). Nothing is
probed with `hasattr`.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Dict, List, Optional

from deepcolor.errors import UsageError
from deepcolor.train.config import ExperimentConfig


@dataclasses.dataclass
class Experiment:
    """`configure(preset)` returns the preset's config.

    `baseline_rows(config)`: table rows made without training (keys are table columns
    plus metric names; a row's "run" can be named in a claim).
    `observations(results, config)`: lines for the table beyond the claims' verdicts.
    `summary(out_dir, results_root, config)`: writes an extra file, returns its path.
    `ship_weights(out_dir, config)`: the step after the results that writes a trained
    model into the package (deepcolor/assets/, the shipped colorizer); returns what it
    wrote. Only experiments/pretrained_colorizer.py has one.
    """

    name: str
    module: str
    description: str
    presets: Dict[str, str]
    configure: Callable[[str], ExperimentConfig]
    baseline_rows: Optional[Callable[[ExperimentConfig], List[dict]]] = None
    observations: Optional[Callable[[list, ExperimentConfig], List[str]]] = None
    summary: Optional[Callable[[str, str, ExperimentConfig], str]] = None
    ship_weights: Optional[Callable[[str, ExperimentConfig], str]] = None

    def config(self, preset: str) -> ExperimentConfig:
        if preset not in self.presets:
            raise UsageError(f"unknown preset {preset!r}; choose one of: {', '.join(self.presets)}")
        return self.configure(preset)
