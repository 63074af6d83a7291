"""The one runner: executes any experiment module's config and writes its results.

An experiment module (experiments/<name>.py) defines `PRESETS` ({name: what it runs
and costs}), `get_config(preset) -> ExperimentConfig` and optionally
`assess(results) -> list[str]` (a verdict per claim of its report) and
`extra_rows(results, config) -> list[dict]` (table rows made without training, such
as baselines; keys are table columns), and ends with
`sys.exit(runner.main(sys.modules[__name__]))`.

Per experiment and preset the runner writes `results/<experiment>/<preset>/`
(config, versions and hardware as JSON, history CSVs, table as Markdown and CSV,
loss curves, sample grids) and keeps models, checkpoints and TensorBoard logs in
`runs/<experiment>/<preset>/<run id>/` (git-ignored). Rerunning an interrupted
command resumes that run folder; a finished one is never overwritten.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import sys
import time
from typing import Dict, List

import numpy as np

from deepcolor.config import ExperimentConfig, replace_in_runs

DONE = "COMPLETE"
METRIC_COLUMNS = ["final_loss", "final_val_loss", "test_loss", "mse", "psnr", "ssim",
                  "ciede2000", "colorfulness", "colorfulness_gap"]


class UsageError(ValueError):
    """Misuse of a command: reported as one line, exit status 2."""


def module_name(module) -> str:
    """The importable name (run with `python -m`, a module's __name__ is '__main__')."""
    spec = getattr(module, "__spec__", None)
    return spec.name if spec is not None and spec.name else module.__name__


def _parser(module) -> argparse.ArgumentParser:
    presets = "\n".join(f"  {name:<10} {text}" for name, text in module.PRESETS.items())
    parser = argparse.ArgumentParser(
        prog=f"python -m {module_name(module)}",
        description=(module.__doc__ or "").strip().split("\n\n")[0],
        epilog=f"presets:\n{presets}", formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", default="default", help="which preset to run (see below)")
    parser.add_argument("--data", help="override every run's image source: sample, cifar10-jpg, "
                                       "folder:PATH or tfds:NAME")
    parser.add_argument("--epochs", type=int, help="override the preset's epochs")
    parser.add_argument("--batch-size", type=int, help="override the preset's (global) batch size")
    parser.add_argument("--backbone-weights", help="imagenet, a local weights file, a TF Hub "
                                                   "handle or folder, or none")
    parser.add_argument("--mixed-precision", choices=("auto", "on", "off"), default="auto",
                        help="auto: float16 mixed precision when a GPU is present (default)")
    parser.add_argument("--jit-compile", action="store_true", help="compile train steps with XLA")
    parser.add_argument("--strategy", choices=("default", "mirrored", "multiworker"),
                        default="default", help="tf.distribute strategy (multiworker reads TF_CONFIG)")
    parser.add_argument("--results-dir", default="results", help="where tables and figures go")
    parser.add_argument("--runs-dir", default="runs", help="where models and checkpoints go")
    parser.add_argument("--overwrite", action="store_true",
                        help="replace earlier results of this preset instead of writing beside them")
    return parser


def set_precision(mode: str) -> str:
    """Pick and set the Keras dtype policy; returns its name."""
    import keras
    import tensorflow as tf

    has_gpu = bool(tf.config.list_physical_devices("GPU"))
    if mode == "off" or (mode == "auto" and not has_gpu):
        policy = "float32"
    else:
        # float16 needs loss scaling but is what GPUs run fast; CPUs support bfloat16.
        policy = "mixed_float16" if has_gpu else "mixed_bfloat16"
    keras.mixed_precision.set_global_policy(policy)
    return policy


def make_strategy(name: str):
    import tensorflow as tf

    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        return tf.distribute.MultiWorkerMirroredStrategy()
    return tf.distribute.get_strategy()


def check_batch_split(config: ExperimentConfig, replicas: int) -> None:
    """Refuse global batches that do not split evenly over the replicas.

    Keras 3 (3.15) `fit` under a tf.distribute strategy reduces the first batch across
    replicas to build the model, which fails when replicas hold different numbers of
    images (keras-team/keras#19246): report 003's batch of 383 on 2 GPUs gets 192 and
    191. Say so before any data is loaded, with the nearest batches that work.
    """
    for run in config.runs:
        if run.batch_size % replicas:
            lower = run.batch_size // replicas * replicas
            options = " or ".join(str(b) for b in (lower, lower + replicas) if b > 0)
            raise UsageError(
                f"run {run.name!r}: global batch {run.batch_size} does not split evenly over "
                f"{replicas} replicas, which Keras' distributed fit cannot start with; pass "
                f"--batch-size {options}")


def _fresh(path: str) -> str:
    """`path`, or `path-2`, `path-3`, ... if it exists (two runs can start in one second)."""
    candidate, n = path, 1
    while os.path.exists(candidate):
        n += 1
        candidate = f"{path}-{n}"
    return candidate


def _results_dir(base: str, config: ExperimentConfig, overwrite: bool, log) -> str:
    path = os.path.join(base, config.experiment, config.preset)
    if os.path.exists(os.path.join(path, "config.json")) and not overwrite:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        new = _fresh(f"{path}@{stamp}")
        log(f"note: {path} holds an earlier run's results; writing this run to {new} "
            f"(pass --overwrite to replace them)")
        return new
    return path


def _run_dir(base: str, config: ExperimentConfig) -> str:
    """The unfinished run folder of this exact config if there is one (resume), else a new one."""
    parent = os.path.join(base, config.experiment, config.preset)
    wanted = json.loads(config.to_json())
    if os.path.isdir(parent):
        for name in sorted(os.listdir(parent), reverse=True):
            folder = os.path.join(parent, name)
            try:
                with open(os.path.join(folder, "config.json")) as f:
                    same = json.load(f) == wanted
            except (OSError, ValueError):
                continue
            if same and not os.path.exists(os.path.join(folder, DONE)):
                return folder
    folder = _fresh(os.path.join(parent, datetime.datetime.now().strftime("%Y%m%d-%H%M%S")))
    os.makedirs(folder)
    with open(os.path.join(folder, "config.json"), "w") as f:
        f.write(config.to_json())
    return folder


def _check_init_from(config: ExperimentConfig) -> None:
    """A run's `init_from` must name an earlier run of the experiment with the same model."""
    for index, run in enumerate(config.runs):
        if run.init_from is None:
            continue
        earlier = {r.name: r for r in config.runs[:index]}
        if run.init_from not in earlier:
            raise UsageError(f"run {run.name!r}: init_from {run.init_from!r} is not an earlier "
                             f"run of this experiment (earlier: {', '.join(earlier) or 'none'})")
        if earlier[run.init_from].trainer != "supervised":
            raise UsageError(f"run {run.name!r}: init_from {run.init_from!r} must be a "
                             f"supervised run (its checkpoint is the model's weights)")
        if earlier[run.init_from].model != run.model:
            raise UsageError(f"run {run.name!r} ({run.model}) cannot start from run "
                             f"{run.init_from!r} ({earlier[run.init_from].model})")


def _train_all(config, run_root, strategy, jit_compile, log):
    """Train every run, reusing those that finished before an interruption."""
    from deepcolor import training

    results = []
    _check_init_from(config)
    for index, run in enumerate(config.runs):
        folder = os.path.join(run_root, f"{index:02d}-{run.name.replace(' ', '_').replace('/', '-')}")
        done = os.path.join(folder, "result.json")
        if os.path.exists(done):
            log(f"[{index + 1}/{len(config.runs)}] {run.name}: finished earlier, reusing its result")
            with open(done) as f:
                saved = json.load(f)
            samples = dict(np.load(os.path.join(folder, "samples.npz")))
            results.append(training.RunResult(samples=samples, **saved))
            continue
        log(f"[{index + 1}/{len(config.runs)}] {run.name}: {run.model} on {run.data.source}, "
            f"{run.data.image_size}px, {run.epochs} epochs, batch {run.batch_size}")
        init = None
        if run.init_from:  # an earlier run's final weights (checked by _check_init_from)
            earlier = next(r for r in results if r.name == run.init_from)
            init = os.path.join(earlier.run_dir, "checkpoint.weights.h5")
        result = training.train_run(run, folder, seed=config.seed, strategy=strategy,
                                    jit_compile=jit_compile, log=log, init_weights=init)
        np.savez_compressed(os.path.join(folder, "samples.npz"), **result.samples)
        with open(done, "w") as f:
            json.dump(result.to_json(), f, indent=1, default=float)
        results.append(result)
    return results


def table_rows(config: ExperimentConfig, results) -> (List[Dict], List[str]):
    """One row per run: the report's numbers beside ours, then the shared metrics."""
    paper_keys = list(dict.fromkeys(k for run in config.runs for k in run.paper))
    columns = ["run", "model", "data", "train images", "epochs"]
    for key in paper_keys:
        columns += [f"{key} (report)", f"{key} (ours)"]
    columns += [c for c in METRIC_COLUMNS if c not in paper_keys]
    rows = []
    for run, result in zip(config.runs, results):
        train = result.reports.get("train", {})
        row = {"run": run.name, "model": run.model, "epochs": run.epochs,
               "data": run.data.label or run.data.source,
               "train images": train.get("num_images")}
        for key in paper_keys:
            row[f"{key} (report)"] = run.paper.get(key)
            row[f"{key} (ours)"] = result.metrics.get(key)
        row.update({c: result.metrics.get(c) for c in METRIC_COLUMNS if c not in paper_keys})
        rows.append(row)
    return rows, columns


def _write_results(module, config, results, out_dir, run_root, env, policy, command):
    from deepcolor import reporting

    os.makedirs(out_dir, exist_ok=True)
    stand_in = config.stand_in or "; ".join(
        sorted({r.reports["train"]["description"] for r in results
                if r.reports["train"].get("is_stand_in")}))
    backbones = sorted({f"{run.backbone.arch} ({run.backbone.weights or 'RANDOM init, not pretrained'})"
                        for run in config.runs if run.backbone is not None})
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump({"command": command, "config": config.to_dict(), "environment": env,
                   "precision": policy, "run_folder": run_root,
                   "data": {r.name: r.reports for r in results}}, f, indent=2, default=str)
    histories = {}
    for index, result in enumerate(results):
        hist = {k: np.asarray(v) for k, v in result.history.items()}
        histories[result.name] = hist
        reporting.write_csv([dict(zip(hist, vals)) for vals in zip(*hist.values())], list(hist),
                            os.path.join(out_dir, f"history_{index:02d}.csv"))
    rows, columns = table_rows(config, results)
    if hasattr(module, "extra_rows"):  # rows computed without training, e.g. baselines
        rows += module.extra_rows(results, config)
    reporting.write_csv(rows, columns, os.path.join(out_dir, "table.csv"))
    verdicts = module.assess(results, config) if hasattr(module, "assess") else []
    lines = [f"# {config.title}", "",
             f"Report {config.report}, preset `{config.preset}`. Command: `{command}`", "",
             f"- Data: {'STAND-IN: ' + stand_in if stand_in else 'the report datasets'}",
             *([f"- Backbone: {', '.join(backbones)}"] if backbones else []),
             f"- Machine: {env['hardware']}, {env['platform']}; precision {policy}; {env['date']}"
             + (f"; {env['wall_time']}" if env.get("wall_time") else ""),
             f"- Models and checkpoints (not committed): `{run_root}`", "",
             reporting.markdown_table(rows, columns), "",
             "`mse`/`l1`: in the model's target space (the report's definition, see config); "
             "PSNR/SSIM on RGB in [0,1]; CIEDE2000 mean per pixel; colorfulness (Hasler & "
             "Suesstrunk) of the prediction and its gap to the ground truth. All on the test split.",
             ""]
    lines += [f"- {n}" for n in config.notes]
    if verdicts:
        lines += ["", "## The report's claims against this run", ""] + [f"- {v}" for v in verdicts]
    with open(os.path.join(out_dir, "table.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    reporting.plot_loss_curves(histories, os.path.join(out_dir, "loss_curves.png"), config.title)
    by_data: Dict[str, list] = {}
    for result, run in zip(results, config.runs):
        by_data.setdefault(run.data.label or run.data.source, []).append(result)
    for i, (label, group) in enumerate(by_data.items()):
        first = group[0].samples
        reporting.plot_sample_grid(first["gray"], first["truth"],
                                   {r.name: r.samples["prediction"] for r in group},
                                   os.path.join(out_dir, f"samples_{i:02d}.png"),
                                   f"{config.title}: {label} (test split)")
    return os.path.join(out_dir, "table.md")


def main(module, argv=None) -> int:
    """Command-line entry of an experiment module; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = f"python -m {module_name(module)} " + " ".join(shlex.quote(a) for a in argv)
    args = _parser(module).parse_args(argv)
    log = lambda msg: print(msg, flush=True)  # noqa: E731
    try:
        if args.preset not in module.PRESETS:
            raise UsageError(f"unknown preset {args.preset!r}; choose one of: "
                             f"{', '.join(module.PRESETS)}")
        config = replace_in_runs(module.get_config(args.preset), epochs=args.epochs,
                                 batch_size=args.batch_size, source=args.data,
                                 backbone_weights=args.backbone_weights)
        return _execute(module, config, args, command.strip(), log)
    except UsageError as err:
        print(f"{module_name(module)}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{module_name(module)}: interrupted; rerun the same command to resume", file=sys.stderr)
        return 130
    except (ValueError, KeyError, OSError, RuntimeError, FloatingPointError) as err:
        if os.environ.get("DEEPCOLOR_DEBUG"):
            raise
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        print(f"{module_name(module)}: error: {message.strip(chr(39))} "
              f"(DEEPCOLOR_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1


def _execute(module, config, args, command, log) -> int:
    from deepcolor import reporting

    policy = set_precision(args.mixed_precision)
    strategy = make_strategy(args.strategy)
    check_batch_split(config, strategy.num_replicas_in_sync)
    env = reporting.environment()
    log(f"{config.title} [{config.preset}] on {env['hardware']}, precision {policy}, "
        f"strategy {args.strategy} ({strategy.num_replicas_in_sync} replica(s))")
    if config.stand_in:
        log(f"note: {config.stand_in}")
    run_root = _run_dir(args.runs_dir, config)
    log(f"run folder (models, checkpoints; resumable): {run_root}")
    started, load_start = time.time(), reporting.load_average()
    results = _train_all(config, run_root, strategy, args.jit_compile, log)
    # Wall time of this invocation (a resumed run counts only its own part) and the
    # machine's load around it: on a shared CPU both explain the time taken.
    env["wall_time"] = (f"{(time.time() - started) / 60:.1f} min wall time, 1-minute load "
                        f"average {load_start:.2f} at start and "
                        f"{reporting.load_average():.2f} at end")
    out_dir = _results_dir(args.results_dir, config, args.overwrite, log)
    table = _write_results(module, config, results, out_dir, run_root, env, policy, command)
    if hasattr(module, "write_summary"):  # e.g. the leaderboard's results/leaderboard.md
        log(f"summary: {module.write_summary(out_dir, args.results_dir, config)}")
    open(os.path.join(run_root, DONE), "w").close()
    with open(table) as f:
        log("\n" + f.read())
    log(f"results: {out_dir}/  models: {run_root}/")
    return 0


__all__ = ["main", "table_rows", "set_precision", "make_strategy", "check_batch_split",
           "UsageError"]
