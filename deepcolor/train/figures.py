"""The figures a run leaves for a reader: loss curves and sample grids (matplotlib, Agg).

    python -m deepcolor.train.figures results/leaderboard/default [--runs DIR]

redraws a results folder's figures without training: the loss curves from its
`history_NN.csv`, the sample grids from the `samples.npz` of its run folder (the
`run_folder` in its config.json, looked up under `--runs` when given; grids whose run
folder is gone are left as they are, and said so).

Layout rules (issue 21): nothing is drawn over a panel. Loss curves: each panel is
titled with its run's name, one legend for the figure sits above the panels, one
y label names the loss beside them, the x axis counts whole epochs from 1. Sample grids:
the title sits above the first row (constrained layout), row labels are wrapped.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import textwrap
from typing import Dict, List, Optional, Tuple

import numpy as np

from deepcolor.errors import UsageError, run_command

DEFAULT_LOSS_NAME = "MSE (ab / 128)"  # RunConfig's default loss on the Lab target
_STYLES = (("loss", "-", "C0", "train"), ("val_loss", "--", "C1", "validation"))


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _wrapped(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def epoch_ticks(epochs: int) -> list:
    """Whole-epoch ticks from 1 to about `epochs`: 1 first, then round steps."""
    from matplotlib.ticker import MaxNLocator

    steps = MaxNLocator(nbins=8, integer=True).tick_values(1, max(epochs, 1))
    return [1] + [int(t) for t in steps if 1 < t <= epochs]


def loss_figure(histories: Dict[str, "object"], loss_name: str = DEFAULT_LOSS_NAME):
    """One panel per run, titled with its name: training and validation loss per epoch
    (log scale), x counting whole epochs from 1; one legend and one y label (the loss,
    e.g. "MSE (ab / 128)") for the figure, outside the panels."""
    plt = _pyplot()
    n = max(1, len(histories))
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.5 * cols, 3.0 * rows + 0.6),
                             squeeze=False, layout="constrained")
    for ax, (name, hist) in zip(axes.flat, histories.items()):
        epochs = len(hist.get("epoch", []))
        for key, style, colour, label in _STYLES:
            if key in hist and len(hist[key]):
                ax.plot(np.asarray(hist["epoch"]) + 1, hist[key], style, color=colour,
                        marker="o", ms=3, label=label)
        ax.set_title(_wrapped(name, 48), fontsize=9)
        ax.set_xlabel("epoch")
        ax.set_yscale("log")
        ax.set_xticks(epoch_ticks(epochs))
        ax.set_xlim(0.5, max(1, epochs) + 0.5)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles = [plt.Line2D([], [], linestyle=style, color=colour, marker="o", ms=3, label=label)
               for _, style, colour, label in _STYLES]
    fig.legend(handles=handles, loc="outside upper center", ncol=2, fontsize=9)
    fig.supylabel(_wrapped(loss_name, 12 * 3.0 * rows), fontsize=10)
    return fig


def plot_loss_curves(histories: Dict[str, "object"], path: str, title: str,
                     loss_name: str = DEFAULT_LOSS_NAME) -> None:
    """`loss_figure` as a PNG at `path`; `title` goes into the PNG's metadata."""
    fig = loss_figure(histories, loss_name)
    fig.savefig(path, dpi=110, metadata={"Title": title})
    _pyplot().close(fig)


def sample_grid_figure(gray: np.ndarray, truth: np.ndarray,
                       predictions: Dict[str, np.ndarray], title: str):
    """Rows: gray input, ground truth, then one row per model's prediction (as the
    reports show), labelled on the left; `title` above the first row, never over it."""
    plt = _pyplot()
    rows = [("gray", gray), ("truth", truth)] + list(predictions.items())
    n = gray.shape[0]
    fig, axes = plt.subplots(len(rows), n, figsize=(1.4 * n + 0.8, 1.45 * len(rows) + 0.6),
                             squeeze=False, layout="constrained")
    for r, (label, images) in enumerate(rows):
        for c in range(n):
            ax = axes[r, c]
            image = np.clip(images[c], 0, 1)
            ax.imshow(image[..., 0] if image.shape[-1] == 1 else image,
                      cmap="gray" if image.shape[-1] == 1 else None, vmin=0, vmax=1,
                      interpolation="nearest")  # the true pixels (and a PNG under 1 MB)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(_wrapped(label, 20), fontsize=7)
    fig.suptitle(title, fontsize=9)
    return fig


def plot_sample_grid(gray: np.ndarray, truth: np.ndarray, predictions: Dict[str, np.ndarray],
                     path: str, title: str) -> None:
    fig = sample_grid_figure(gray, truth, predictions, title)
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)


def sample_grid_title(title: str, data_label: str) -> str:
    """The experiment's title, and on a line of its own which test images are shown."""
    return f"{title}\ntest split: {data_label}"


def plot_sample_grids(title: str, by_data: Dict[str, List[Tuple[str, dict]]],
                      out_dir: str) -> List[str]:
    """`samples_NN.png`, one per data set: {data label: [(run name, its samples with
    "gray", "truth" and "prediction")]}; the first run's gray and truth head the grid."""
    written = []
    for i, (label, group) in enumerate(by_data.items()):
        first = group[0][1]
        path = os.path.join(out_dir, f"samples_{i:02d}.png")
        plot_sample_grid(first["gray"], first["truth"],
                         {name: samples["prediction"] for name, samples in group},
                         path, sample_grid_title(title, label))
        written.append(path)
    return written


def samples_by_data(runs: List[Tuple[str, str]], samples: Dict[str, dict]
                    ) -> Dict[str, List[Tuple[str, dict]]]:
    """`runs`: (name, data label) in the table's order; `samples`: {run name: its first
    seed's samples}. Grouped by data label, runs without samples left out."""
    by_data: Dict[str, List[Tuple[str, dict]]] = {}
    for name, label in runs:
        if name in samples:
            by_data.setdefault(label, []).append((name, samples[name]))
    return by_data


def _read_history(path: str) -> Dict[str, np.ndarray]:
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {key: np.array([float(row[key]) for row in rows]) for key in (rows[0] if rows else {})}


def _first_seed_samples(config: dict, run_root: str) -> Dict[str, dict]:
    """{run name: samples} from the run folder's `samples.npz` files that still exist."""
    from deepcolor.train import rundirs

    seeds = config.get("seeds") or [config.get("seed", 0)]
    found = {}
    for index, run in enumerate(config["runs"]):
        folder = rundirs.run_folder(run_root, index, run["name"], seeds[0], len(seeds) > 1)
        path = os.path.join(folder, "samples.npz")
        if os.path.isfile(path):
            with np.load(path) as data:
                found[run["name"]] = dict(data)
    return found


_LOSS_NAMES = {"mse": "MSE", "l1": "L1", "mae": "L1", "huber": "Huber",
               "huber_chroma": "Huber + chroma deficit"}


def loss_label(runs) -> str:
    """The y-axis label: the runs' loss, in each model's own target space."""
    names = {("L_total (GAN + 50 L1)" if run.trainer == "cgan" else
              _LOSS_NAMES.get(run.loss.partition("@")[0], run.loss)) for run in runs}
    return (f"{names.pop()} loss, model's target space" if len(names) == 1
            else "training loss (see each run's loss in config.json)")


def redraw(folder: str, root: Optional[str] = None, log=print) -> List[str]:
    """Redraw `folder`'s loss curves (from its history CSVs) and sample grids (from its
    run folder, under `root` if given); returns the paths written."""
    from types import SimpleNamespace

    try:
        with open(os.path.join(folder, "config.json")) as f:
            saved = json.load(f)
    except OSError as error:
        raise UsageError(f"{folder}: no results folder ({error.strerror})") from None
    config = saved["config"]
    runs = config["runs"]
    histories = {run["name"]: _read_history(path) for index, run in enumerate(runs)
                 if os.path.isfile(path := os.path.join(folder, f"history_{index:02d}.csv"))}
    loss_name = loss_label([SimpleNamespace(**run) for run in runs])
    written = [os.path.join(folder, "loss_curves.png")]
    plot_loss_curves(histories, written[0], config["title"], loss_name)
    run_root = os.path.join(root or ".", saved.get("run_folder") or "")
    samples = _first_seed_samples(config, run_root) if saved.get("run_folder") else {}
    if not samples:
        log(f"{folder}: no samples.npz under {run_root}: sample grids left as they are")
        return written
    labels = [(run["name"], run["data"].get("label") or run["data"]["source"]) for run in runs]
    missing = [name for name, _ in labels if name in histories and name not in samples]
    if missing:
        log(f"{folder}: samples missing for {', '.join(missing)}: sample grids left as they are")
        return written
    return written + plot_sample_grids(config["title"], samples_by_data(labels, samples), folder)


def _run(argv) -> int:
    parser = argparse.ArgumentParser(prog=_PROG, description="Redraw results folders' figures.")
    parser.add_argument("folders", nargs="+", help="results/<experiment>/<preset> folders")
    parser.add_argument("--root", help="the folder a config.json's run_folder is relative "
                                       "to (default: the current folder)")
    args = parser.parse_args(argv)
    for folder in args.folders:
        for path in redraw(folder, args.root):
            print(f"wrote {path}")
    return 0


_PROG = "python -m deepcolor.train.figures"


def main(argv=None) -> int:
    return run_command(_PROG, _run, argv)


if __name__ == "__main__":
    sys.exit(main())
