"""Score a finished experiment's kept models again with today's metrics, without training.

    python -m benchmarks.rescore RUN_FOLDER RESULTS_FOLDER

RUN_FOLDER is the experiment's `runs/<experiment>/<preset>/<stamp>/` (its config.json
and one folder per run and seed, each with the exported `model.keras`); RESULTS_FOLDER
holds the `per_seed.csv` written from it. Each model is scored on its own test split
(the split does not depend on anything but the run's data settings) and every metric
the row lacks is added to `per_seed.csv`; values already there are kept. Then
`python -m experiments.NAME --reanalyse` decides the claims that needed the new
metric (e.g. `red_share`, added after reports 000 and 004 were run).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys

from deepcolor.tables import write_csv
from deepcolor.train import reanalyse
from deepcolor.train.config import BackboneConfig, DataConfig, RunConfig


def _run(data: dict) -> RunConfig:
    fields = {f.name for f in dataclasses.fields(RunConfig)}
    run = RunConfig(**{k: v for k, v in data.items() if k in fields})
    run.data = DataConfig(**run.data)
    run.backbone = BackboneConfig(**run.backbone) if run.backbone else None
    return run


def _score(run: RunConfig, seed: int, folder: str) -> dict:
    import keras

    from deepcolor.colorspaces import get_colorspace
    from deepcolor.train import data as data_lib
    from deepcolor.train import scoring
    from deepcolor.train.config import colorspace_of

    colorspace = get_colorspace(colorspace_of(run))
    splits = data_lib.load_splits(run, seed, as_uint8=True)
    datasets = data_lib.batches(splits, colorspace, run.batch_size, seed,
                                {s: None for s in splits}, epochs=1)
    model = keras.saving.load_model(os.path.join(folder, "model.keras"), compile=False)
    metrics, _ = scoring.evaluate(model, datasets["test"], colorspace)
    return metrics


def rescore(run_root: str, results_folder: str, log=print) -> int:
    """Add missing metrics to per_seed.csv; returns how many rows gained any."""
    with open(os.path.join(run_root, "config.json")) as f:
        config = json.load(f)
    runs = {r["name"]: _run(r) for r in config["runs"]}
    seeds = config.get("seeds") or [config.get("seed", 0)]
    rows, changed = reanalyse.read_rows(results_folder), 0
    for index, (name, run) in enumerate(runs.items()):
        if run.backbone is not None or run.trainer != "supervised":
            log(f"{name}: skipped (only single-input supervised models are rescored)")
            continue
        for seed in seeds:
            suffix = f"-seed{seed}" if len(seeds) > 1 else ""
            folder = os.path.join(run_root, f"{index:02d}-{name.replace(' ', '_').replace('/', '-')}"
                                  f"{suffix}")
            row = next(r for r in rows if r["run"] == name and str(r["seed"]) == str(seed))
            scores = _score(run, seed, folder)
            new = {k: v for k, v in scores.items() if row.get(k) is None}
            row.update(new)
            changed += bool(new)
            # The same model on the same images: its stored MSE must come back.
            drift = abs(scores["mse"] - float(row["mse"])) / float(row["mse"])
            log(f"{name}, seed {seed}: added {', '.join(sorted(new)) or 'nothing'} "
                f"(stored mse reproduced within {drift:.1e})")
    columns = ["run", "seed"] + sorted({k for r in rows for k in r} - {"run", "seed"})
    write_csv(rows, columns, os.path.join(results_folder, "per_seed.csv"))
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.rescore",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("run_folder")
    parser.add_argument("results_folder")
    args = parser.parse_args(argv)
    try:
        print(f"{rescore(args.run_folder, args.results_folder)} rows gained metrics")
    except (OSError, KeyError, ValueError, StopIteration) as err:
        print(f"rescore: error: {err!r}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
