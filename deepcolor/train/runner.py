"""The one runner: `python -m experiments.<name>` hands it an `Experiment`.

    main(experiment, argv) -> exit status

It resolves the preset and the command-line overrides, trains every run once per
seed (reusing runs that finished before an interruption), then writes the results
(deepcolor.train.results) and marks the run folder done. Models and checkpoints
stay in `runs/<experiment>/<preset>/<stamp>/` (git-ignored); rerunning an
interrupted command resumes that folder, and a finished one is never overwritten.
"""
from __future__ import annotations

import json
import os
import shlex
import sys
import time
from typing import Dict, List

import numpy as np

from deepcolor.errors import UsageError, first_line
from deepcolor.train import args as args_lib
from deepcolor.train import rundirs, supervisor
from deepcolor.train.config import ExperimentConfig, replace_in_runs
from deepcolor.train.experiment import Experiment

__all__ = ["main", "UsageError"]


def check_init_from(config: ExperimentConfig) -> None:
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


def check_claims(config: ExperimentConfig, experiment: Experiment) -> None:
    """Claims naming a run or metric that does not exist fail before any data loads."""
    from deepcolor.train import baselines, claims

    allowed = list(baselines.BASELINES.values()) if experiment.baseline_rows else []
    try:
        claims.check(config.claims, [run.name for run in config.runs], allowed)
    except (KeyError, ValueError) as err:
        raise UsageError(f"preset {config.preset!r}: {first_line(err)}") from None


def train_all(config: ExperimentConfig, run_root: str, strategy, jit_compile: bool,
              log) -> Dict[str, list]:
    """{run name: [RunResult per seed]}, reusing runs that finished before an interruption."""
    from deepcolor.train import loop, multihost

    check_init_from(config)
    seeds = config.all_seeds()
    results: Dict[str, List] = {run.name: [] for run in config.runs}
    total, step, clock = len(config.runs) * len(seeds), 0, _Eta(len(config.runs) * len(seeds))
    for seed in seeds:
        for index, run in enumerate(config.runs):
            step += 1
            folder = rundirs.run_folder(run_root, index, run.name, seed, len(seeds) > 1)
            done = os.path.join(folder, "result.json")
            tag = (f"[{step}/{total}] {run.name}" + (f", seed {seed}" if len(seeds) > 1 else "")
                   + clock.note())
            if multihost.agree(os.path.exists(done)) and not multihost.is_writer():
                log(f"{tag}: finished earlier (process 0 has its result)")
                # a stand-in: its run_dir names process 0's folder (init_from reads there)
                results[run.name].append(loop.RunResult(run.name, {}, {}, folder, None, {}, {}))
                clock.reused()
                continue
            if os.path.exists(done):
                log(f"{tag}: finished earlier, reusing its result")
                with open(done) as f:
                    saved = json.load(f)
                samples = dict(np.load(os.path.join(folder, "samples.npz")))
                results[run.name].append(loop.RunResult(samples=samples, **saved))
                clock.reused()
                continue
            log(f"{tag}: {run.model} on {run.data.source}, {run.data.image_size}px, "
                f"{run.epochs} epochs, batch {run.batch_size}")
            init = None
            if run.init_from:  # an earlier run's kept weights, same seed (check_init_from)
                earlier = results[run.init_from][-1]
                kept = next(r.checkpoint for r in config.runs if r.name == run.init_from)
                init = rundirs.kept_checkpoint(earlier.run_dir, kept)
            provenance = {"experiment": config.experiment, "preset": config.preset,
                          "run": run.name, "seed": seed, "stand_in": config.stand_in}
            result = loop.train_run(run, folder, seed=seed, strategy=strategy,
                                    jit_compile=jit_compile, log=log, init_weights=init,
                                    provenance=provenance)
            if not multihost.is_writer():  # process 0 keeps the results
                results[run.name].append(result)
                continue
            np.savez_compressed(os.path.join(folder, "samples.npz"), **result.samples)
            tmp = done + ".partial"
            with open(tmp, "w") as f:
                json.dump(result.to_json(), f, indent=1, default=float)
            os.replace(tmp, done)
            results[run.name].append(result)
            clock.trained()
    return results


class _Eta:
    """Progress for the log: time so far and an estimate of the time left, from the runs
    trained in this invocation (runs reused after an interruption cost nothing)."""

    def __init__(self, total: int):
        self.start, self.left, self.done = time.time(), total, 0

    def reused(self) -> None:
        self.left -= 1

    def trained(self) -> None:
        self.left, self.done = self.left - 1, self.done + 1

    def note(self) -> str:
        elapsed = (time.time() - self.start) / 60
        if not self.done:
            return f" ({elapsed:.1f} min so far)"
        return (f" ({elapsed:.1f} min so far, about {elapsed / self.done * self.left:.0f} min "
                f"left)")


def main(experiment: Experiment, argv=None) -> int:
    """Command-line entry of an experiment; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    command = f"python -m {experiment.module} " + " ".join(shlex.quote(a) for a in argv)
    try:  # misuse of an option: one line and status 2, before any data loads
        args = args_lib.parser(experiment).parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    if args.strategy == "multihost" and not supervisor.is_child():
        return supervisor.run(experiment.module, argv)  # one line even if JAX aborts it
    log = lambda msg: print(msg, flush=True)  # noqa: E731
    if not os.environ.get("DEEPCOLOR_DEBUG"):  # read once, when TensorFlow first imports
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    code = _main(experiment, args, command, log)
    multihost = sys.modules.get("deepcolor.train.multihost")
    if multihost is not None:
        multihost.leave(code)  # after a failure, never wait for processes that may be gone
    return code


def _main(experiment: Experiment, args, command: str, log) -> int:
    try:
        args_lib.apply_backend(args.backend)  # before anything below imports Keras
        config = replace_in_runs(experiment.config(args.preset), epochs=args.epochs,
                                 batch_size=args.batch_size, source=args.data,
                                 backbone_weights=args.backbone_weights, seeds=args.seeds)
        check_init_from(config)
        check_claims(config, experiment)
        if args.reanalyse:
            return _reanalyse(config, args.results_dir, log)
        if len(config.all_seeds()) < 3 and config.claims:
            log(f"note: {len(config.all_seeds())} seed(s): no claim can be decided (at least 3)")
        _quiet_tensorflow()
        for option, base in (("--results-dir", args.results_dir), ("--runs-dir", args.runs_dir)):
            args_lib.check_writable(option, base,
                                    os.path.join(base, config.experiment, config.preset))
        return _execute(experiment, config, args, command.strip(), log)
    except UsageError as err:
        print(f"{experiment.module}: error: {first_line(err)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{experiment.module}: {_where()}interrupted; rerun the same command to resume",
              file=sys.stderr)
        return 130
    except (ValueError, KeyError, OSError, RuntimeError, FloatingPointError) as err:
        if os.environ.get("DEEPCOLOR_DEBUG"):
            raise
        print(f"{experiment.module}: error: {_where()}{first_line(err)} "
              f"(DEEPCOLOR_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1
    except Exception as err:  # under multihost a lost process surfaces as any error
        if not _where() or os.environ.get("DEEPCOLOR_DEBUG"):
            raise
        print(f"{experiment.module}: error: {_where()}{type(err).__name__}: {first_line(err)} "
              f"(DEEPCOLOR_DEBUG=1 shows the traceback)", file=sys.stderr)
        return 1


def _reanalyse(config: ExperimentConfig, results_dir: str, log) -> int:
    from deepcolor.train import reanalyse

    folder = os.path.join(results_dir, config.experiment, config.preset)
    for verdict in reanalyse.reanalyse(folder, config.claims):
        log(f"- {verdict.line()}")
    log(f"rewrote {folder}/verdicts.json and the claims in its table.md")
    return 0


def _where() -> str:
    """Under multihost, which process failed, and what to do: a lost peer shows up as a
    failed collective in the survivors."""
    multihost = sys.modules.get("deepcolor.train.multihost")
    if multihost is None or not multihost.active():
        return ""
    return (f"{multihost.describe()} stopped (if another process died, rerun every "
            f"process's command to resume from process 0's backup): ")


def _quiet_tensorflow() -> None:
    """TensorFlow's C++ start-up lines (CUDA probing on a CPU machine) and grappler's
    harmless "remapper failed" errors would bury the run's own log; DEEPCOLOR_DEBUG=1
    keeps them."""
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")  # set by apply_backend
    if os.environ.get("DEEPCOLOR_DEBUG") or backend != "tensorflow" or "keras" in sys.modules:
        return
    from deepcolor.serving import quiet

    quiet.import_tensorflow()


def _execute(experiment: Experiment, config: ExperimentConfig, args, command: str, log) -> int:
    from deepcolor.train import environment, multihost, results as results_lib, runtime

    strategy = runtime.make_strategy(args.strategy)  # multihost joins before JAX starts
    policy = runtime.set_precision(args.mixed_precision)
    runtime.check_batch_split(config.runs, strategy.num_replicas_in_sync)
    env = environment.environment()
    log(f"{config.title} [{config.preset}] on {env['hardware']}, Keras backend "
        f"{env['keras_backend']}, precision {policy}, strategy {args.strategy} "
        f"({strategy.num_replicas_in_sync} replica(s)"
        f"{', ' + multihost.describe() if multihost.active() else ''}), "
        f"seeds {config.all_seeds()}")
    if config.expected_runtime:
        log(f"expected time: {config.expected_runtime}")
    if config.stand_in:
        log(f"note: {config.stand_in}")
    # Process 0 picks (or resumes) the run folder; the others only learn its name.
    run_root = multihost.agree_text(rundirs.run_dir(args.runs_dir, config)
                                    if multihost.is_writer() else "")
    log(f"run folder (models, checkpoints; resumable): {run_root}")
    if config.preset == "paper":  # the report's own data: prove the split before training
        from deepcolor.train import datacheck

        config = datacheck.checked(config, log)
    started, load_start = time.time(), environment.load_average()
    results = train_all(config, run_root, strategy, args.jit_compile, log)
    if not multihost.is_writer():
        log(f"{multihost.describe()}: training done; process 0 writes the results")
        return 0
    # Wall time of this invocation (a resumed run counts only its own part) and the
    # machine's load around it: on a shared CPU both explain the time taken.
    env["wall_time"] = (f"{(time.time() - started) / 60:.1f} min wall time, 1-minute load "
                        f"average {load_start:.2f} at start and "
                        f"{environment.load_average():.2f} at end")
    out_dir = rundirs.results_dir(args.results_dir, config, args.overwrite, log, run_root)
    staging = rundirs.staging_dir(out_dir)
    results_lib.write(experiment, config, results, staging, run_root, env, policy, command)
    rundirs.publish(staging, out_dir)
    if experiment.summary:  # e.g. the leaderboard's results/leaderboard.md
        log(f"summary: {experiment.summary(out_dir, args.results_dir, config)}")
    if experiment.ship_weights:  # the shipped colorizer's weights, into deepcolor/assets/
        log(f"shipped: {experiment.ship_weights(out_dir, config)}")
    rundirs.mark_done(run_root)
    with open(os.path.join(out_dir, "table.md")) as f:
        log("\n" + f.read())
    log(f"results: {out_dir}/  models: {run_root}/")
    exported = [(name, per_seed[0].export_dir) for name, per_seed in results.items()
                if per_seed and per_seed[0].export_dir]
    for name, path in exported:
        log(f"colorize photos with {name}: deepcolor colorize PHOTO_OR_FOLDER --model "
            f"{shlex.quote(os.path.dirname(path))}")
    return 0
