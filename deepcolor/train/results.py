"""What a finished experiment writes to results/<experiment>/<preset>/: the config and
machine as JSON, history CSVs, the table (Markdown and CSV) with the report's numbers
beside ours and the claims' verdicts, loss curves and sample grids."""
from __future__ import annotations

import json
import os
from typing import Dict, List, Tuple

import numpy as np

from deepcolor.tables import markdown_table, write_csv
from deepcolor.train import claims as claims_lib
from deepcolor.train import deciding, figures, metric_table, stats
from deepcolor.train.config import ExperimentConfig

REPORTS = ("000", "001", "002", "003", "004", "koalarization")  # experiments that reproduce a report (others are "beyond the reports")


def seed_values(rows: List[dict]) -> Dict[str, Dict[str, dict]]:
    """{run: {metric: {seed: value}}} from per-seed rows (a baseline's seed is "all")."""
    values: Dict[str, Dict[str, dict]] = {}
    for row in rows:
        seed = row["seed"] if row["seed"] == SEED_INDEPENDENT else int(row["seed"])
        for metric, value in row.items():
            if metric not in ("run", "seed") and value is not None and value == value:
                values.setdefault(row["run"], {}).setdefault(metric, {})[seed] = float(value)
    return values


PER_SEED_CSV = "per_seed.csv"
SEED_INDEPENDENT = deciding.SEED_INDEPENDENT  # a baseline's seed: scored once, every seed's test split


def per_seed_rows(config: ExperimentConfig, results: Dict[str, list], baselines: List[dict]):
    """One row per (run, seed) with every test metric, baselines once (seed "all"):
    the file verdicts are computed from, so they can be re-analysed without training."""
    seeds = config.all_seeds()
    rows = []
    for run in config.runs:
        for seed, result in zip(seeds, results.get(run.name, [])):
            rows.append({"run": run.name, "seed": seed, **{
                k: v for k, v in result.metrics.items() if isinstance(v, (int, float))}})
    for row in baselines:
        rows.append({"run": row["run"], "seed": SEED_INDEPENDENT, **{
            k: v for k, v in row.items() if isinstance(v, (int, float)) and k not in
            ("epochs", "train images")}})
    metrics = sorted({k for row in rows for k in row} - {"run", "seed"})
    return rows, ["run", "seed"] + metrics


def interval_cells(per_metric: Dict[str, list]) -> Dict[str, str]:
    """"<metric> 95% CI" cells over seeds; positive metrics on the log scale, so an
    interval of an MSE never goes below 0."""
    cells = {}
    for metric, values in per_metric.items():
        values = [v for v in values if v is not None and v == v]
        if len(values) > 1:
            _, low, high = stats.mean_interval(values, log=metric_table.lookup(metric).positive)
            cells[f"{metric_table.column(metric)} 95% CI"] = f"[{low:.4g}, {high:.4g}]"
    return cells


def table_rows(config: ExperimentConfig, results: Dict[str, list]) -> Tuple[List[Dict], List[str]]:
    """One row per run (means over seeds): the report's numbers beside ours, then the
    metric table's columns; with several seeds, 95% intervals where the table asks."""
    paper_keys = list(dict.fromkeys(k for run in config.runs for k in run.paper))
    seeds = config.all_seeds()
    shown = [m for m in metric_table.table_metrics() if m not in paper_keys]
    intervals = metric_table.interval_metrics()
    columns = ["run", "model", "data", "train images", "epochs"] + (["seeds"] if len(seeds) > 1 else [])
    for key in paper_keys:
        columns += [f"{key} (report)", f"{key} (ours)"]
    columns += [metric_table.column(m) for m in shown]
    if len(seeds) > 1:
        columns += [f"{metric_table.column(m)} 95% CI" for m in intervals]
    rows = []
    for run in config.runs:
        per_seed = results.get(run.name, [])
        if not per_seed:
            continue

        def mean(key):
            vals = [r.metrics[key] for r in per_seed if r.metrics.get(key) is not None]
            return float(np.mean(vals)) if vals else None

        train = per_seed[0].reports.get("train", {})
        row = {"run": run.name, "model": run.model, "epochs": run.epochs,
               "data": run.data.label or run.data.source, "seeds": len(per_seed),
               "train images": train.get("num_images")}
        for key in paper_keys:
            row[f"{key} (report)"] = run.paper.get(key)
            row[f"{key} (ours)"] = mean(key)
        row.update({metric_table.column(m): mean(m) for m in shown})
        row.update(interval_cells({m: [r.metrics[m] for r in per_seed if m in r.metrics]
                                   for m in intervals}))
        rows.append(row)
    return rows, columns


def write(experiment, config: ExperimentConfig, results: Dict[str, list], out_dir: str,
          run_root: str, env: dict, policy: str, command: str) -> str:
    """Write every result file into `out_dir` (a staging folder); returns the table's path."""
    firsts = [per_seed[0] for per_seed in results.values() if per_seed]
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump({"command": command, "config": config.to_dict(), "environment": env,
                   "precision": policy, "run_folder": run_root,
                   "data": {r.name: r.reports for r in firsts}}, f, indent=2, default=str)
    histories = _write_histories(config, results, out_dir)
    rows, columns = table_rows(config, results)
    baselines = experiment.baseline_rows(config) if experiment.baseline_rows else []
    rows += [{metric_table.column(k) if k in metric_table.METRICS else k: v
              for k, v in row.items()} for row in baselines]
    write_csv(rows, columns, os.path.join(out_dir, "table.csv"))
    seed_rows, seed_columns = per_seed_rows(config, results, baselines)
    write_csv(seed_rows, seed_columns, os.path.join(out_dir, PER_SEED_CSV))
    verdicts = claims_lib.decide(config.claims, seed_values(seed_rows))
    observations = experiment.observations(results, config) if experiment.observations else []
    lines = _header_lines(config, firsts, run_root, env, policy, command)
    lines += [markdown_table(rows, columns), "", METRICS_NOTE + metric_table.note() + ". "
              + ON_TEST, ""]
    lines += [f"- {n}" for n in config.notes]
    lines += verdict_lines(verdicts)
    if observations:
        lines += ["", "## Observations", ""] + [f"- {o}" for o in observations]
    with open(os.path.join(out_dir, "table.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    write_verdicts(verdicts, out_dir)
    figures.plot_loss_curves(histories, os.path.join(out_dir, "loss_curves.png"), config.title,
                             loss_name=figures.loss_label(config.runs))
    _sample_grids(config, results, out_dir)
    return os.path.join(out_dir, "table.md")


METRICS_NOTE = "Columns (deepcolor/train/metric_table.py): "
ON_TEST = ("All on the test split; with several seeds, means over seeds (every seed's in "
           "per_seed.csv).")


def _write_histories(config: ExperimentConfig, results: Dict[str, list], out_dir: str) -> dict:
    """history_NN[_seedS].csv per run and seed; returns the first seed's, for the figure."""
    histories = {}
    for index, run in enumerate(config.runs):
        for n, result in enumerate(results.get(run.name, [])):
            hist = {k: np.asarray(v) for k, v in result.history.items()}
            if n == 0:
                histories[run.name] = hist
            suffix = f"_seed{config.all_seeds()[n]}" if n else ""
            write_csv([dict(zip(hist, vals)) for vals in zip(*hist.values())], list(hist),
                      os.path.join(out_dir, f"history_{index:02d}{suffix}.csv"))
    return histories


def _header_lines(config: ExperimentConfig, firsts: list, run_root: str, env: dict,
                  policy: str, command: str) -> List[str]:
    """The table's title, command, data, backbone, seeds and machine."""
    stand_in = config.stand_in or "; ".join(
        sorted({r.reports["train"]["description"] for r in firsts
                if r.reports["train"].get("is_stand_in")}))
    backbones = sorted({f"{run.backbone.arch} ({run.backbone.weights or 'RANDOM init, not pretrained'})"
                        for run in config.runs if run.backbone is not None})
    seeds = config.all_seeds()
    labels = ", ".join(dict.fromkeys(run.data.label or run.data.source for run in config.runs))
    of_report = config.report in REPORTS
    data_line = ("STAND-IN: " + stand_in if stand_in else
                 f"the report datasets ({labels})" if of_report else labels)
    return [f"# {config.title}", "",
            (f"Report {config.report}" if of_report else "Beyond the reports")
            + f", preset `{config.preset}`. Command: `{command}`", "",
            f"- Data: {data_line}",
            *([f"- Backbone: {', '.join(backbones)}"] if backbones else []),
            f"- Seeds: {', '.join(map(str, seeds))}"
            + ("" if len(seeds) >= 3 else " (fewer than 3: no claim can be decided)"),
            f"- Machine: {env['hardware']}, {env['platform']}; Keras backend "
            f"{env.get('keras_backend', '?')}; precision {policy}; {env['date']}"
            + (f"; {env['wall_time']}" if env.get("wall_time") else ""),
            f"- Models and checkpoints (not committed): `{run_root}`", ""]


VERDICTS_HEADING = "## The report's claims against this run"
RULE = ("Each claim is tested on the per-seed results in `per_seed.csv` (runs of one seed "
        "share data and order, so two runs are compared by their per-seed differences or "
        "log ratios): SUPPORTED / CONTRADICTED when the test, Holm-corrected over every test "
        "of this table at alpha 0.05, goes the claimed way / the other way; UNDECIDED "
        "otherwise, with the smallest effect it could have detected at 80% power. "
        "Recompute with `python -m deepcolor.train.reanalyse FOLDER`.")


def verdict_lines(verdicts) -> List[str]:
    if not verdicts:
        return []
    return ["", VERDICTS_HEADING, "", RULE, ""] + [f"- {v.line()}" for v in verdicts]


def write_verdicts(verdicts, out_dir: str) -> None:
    with open(os.path.join(out_dir, "verdicts.json"), "w") as f:
        json.dump([v.__dict__ for v in verdicts], f, indent=1, default=float)


def _sample_grids(config, results, out_dir):
    runs = [(run.name, run.data.label or run.data.source) for run in config.runs]
    samples = {name: per_seed[0].samples for name, per_seed in results.items() if per_seed}
    figures.plot_sample_grids(config.title, figures.samples_by_data(runs, samples), out_dir)
