"""Where a run lives: its resumable run folder and its results folder.

`runs/<experiment>/<preset>/<stamp>/` holds models and checkpoints (git-ignored); an
unfinished folder of the same config is resumed, a finished one (marked with a `COMPLETE` file) is
never reused. `results/<experiment>/<preset>/` holds tables and figures; they are
written to a temporary sibling and renamed into place, so a kill while writing
never leaves a half-written folder that a rerun would take for finished results.
"""
from __future__ import annotations

import datetime
import json
import os
import shutil

from deepcolor.train.atomic import write_text_atomically

DONE = "COMPLETE"
# Inside one run's folder (deepcolor/train/loop.py writes them, callbacks.py each epoch):
LAST_WEIGHTS, BEST_WEIGHTS = "checkpoint.weights.h5", "best.weights.h5"
HISTORY, BACKUP = "history.csv", "backup"


def run_folder(run_root: str, index: int, run_name: str, seed: int, several_seeds: bool) -> str:
    """One run's folder inside an experiment's run folder: `03-<run name>[-seed<seed>]`."""
    name = f"{index:02d}-{run_name.replace(' ', '_').replace('/', '-')}"
    return os.path.join(run_root, f"{name}-seed{seed}" if several_seeds else name)


def checkpoints(folder: str) -> tuple:
    """(the last epoch's weights, the best epoch's weights) of the run in `folder`."""
    return os.path.join(folder, LAST_WEIGHTS), os.path.join(folder, BEST_WEIGHTS)


def kept_checkpoint(folder: str, checkpoint: str) -> str:
    """The weights a run keeps (`RunConfig.checkpoint`): the best epoch's where it
    asked for them and they exist, else the last epoch's."""
    last, best = checkpoints(folder)
    return best if checkpoint != "last" and os.path.exists(best) else last


def history_path(folder: str) -> str:
    return os.path.join(folder, HISTORY)


def backup_dir(folder: str) -> str:
    return os.path.join(folder, BACKUP)


def fresh(path: str) -> str:
    """`path`, or `path-2`, `path-3`, ... if it exists (two runs can start in one second)."""
    candidate, n = path, 1
    while os.path.exists(candidate):
        n += 1
        candidate = f"{path}-{n}"
    return candidate


def run_dir(base: str, config) -> str:
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
    folder = fresh(os.path.join(parent, datetime.datetime.now().strftime("%Y%m%d-%H%M%S")))
    os.makedirs(folder)
    # Atomic: a half-written config.json would make this folder unresumable.
    write_text_atomically(os.path.join(folder, "config.json"), config.to_json())
    return folder


def mark_done(folder: str) -> None:
    open(os.path.join(folder, DONE), "w").close()


def _written_by(path: str) -> str:
    try:
        with open(os.path.join(path, "config.json")) as f:
            return json.load(f).get("run_folder", "")
    except (OSError, ValueError):
        return ""


def results_dir(base: str, config, overwrite: bool, log, run_root: str = "") -> str:
    """Where this preset's results go: its own folder, or a dated sibling if another
    run's results are there already and `overwrite` is off. Results written by this
    same run folder (killed before it was marked done) are simply rewritten."""
    path = os.path.join(base, config.experiment, config.preset)
    same_run = run_root and _written_by(path) == run_root
    if os.path.exists(os.path.join(path, "config.json")) and not overwrite and not same_run:
        stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
        new = fresh(f"{path}@{stamp}")
        log(f"note: {path} holds an earlier run's results; writing this run to {new} "
            f"(pass --overwrite to replace them)")
        return new
    return path


def staging_dir(final: str) -> str:
    """An empty temporary folder beside `final` to write results into."""
    staging = f"{final}.partial"
    shutil.rmtree(staging, ignore_errors=True)  # left by a killed earlier attempt
    os.makedirs(staging)
    return staging


def publish(staging: str, final: str) -> None:
    """Move finished results into place (replacing earlier ones only when asked to)."""
    if os.path.exists(final):
        old = f"{final}.old"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
        os.replace(staging, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, final)
