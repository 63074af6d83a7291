"""The figures a run leaves for a reader: loss curves and sample grids (matplotlib, Agg)."""
from __future__ import annotations

from typing import Dict

import numpy as np


DEFAULT_LOSS_NAME = "MSE (ab / 128)"  # RunConfig's default loss on the Lab target


def epoch_ticks(epochs: int) -> list:
    """Whole-epoch ticks from 1 to about `epochs`: 1 first, then round steps."""
    from matplotlib.ticker import MaxNLocator

    steps = MaxNLocator(nbins=8, integer=True).tick_values(1, max(epochs, 1))
    return [1] + [int(t) for t in steps if 1 < t <= epochs]


def plot_loss_curves(histories: Dict[str, "object"], path: str, title: str,
                     loss_name: str = DEFAULT_LOSS_NAME) -> None:
    """One panel per run: training and validation loss per epoch (log scale).

    No title over the panels (a caption's job): the run's name heads the legend and
    `title` goes into the PNG's metadata. The y axis names the loss (`loss_name`,
    e.g. "MSE (ab / 128)"); the x axis counts whole epochs from 1."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = max(1, len(histories))
    cols = min(n, 3)
    rows = (n + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.5 * cols, 3.4 * rows), squeeze=False)
    for ax, (name, hist) in zip(axes.flat, histories.items()):
        for key, style in (("loss", "-"), ("val_loss", "--")):
            if key in hist and len(hist[key]):
                ax.plot(hist["epoch"] + 1, hist[key], style, marker="o", ms=3,
                        label="train" if key == "loss" else "validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(loss_name)
        ax.set_yscale("log")
        ax.set_xticks(epoch_ticks(len(hist.get("epoch", []))))
        ax.set_xlim(0.5, max(1, len(hist.get("epoch", []))) + 0.5)
        ax.grid(alpha=0.3)
        ax.legend(title=name, fontsize=8, title_fontsize=8)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Title": title})
    plt.close(fig)


def plot_sample_grid(gray: np.ndarray, truth: np.ndarray, predictions: Dict[str, np.ndarray],
                     path: str, title: str) -> None:
    """Rows: gray input, ground truth, then one row per model's prediction (as the reports show)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [("gray", gray), ("truth", truth)] + list(predictions.items())
    n = gray.shape[0]
    fig, axes = plt.subplots(len(rows), n, figsize=(1.4 * n, 1.5 * len(rows)), squeeze=False)
    for r, (label, images) in enumerate(rows):
        for c in range(n):
            ax = axes[r, c]
            image = np.clip(images[c], 0, 1)
            ax.imshow(image[..., 0] if image.shape[-1] == 1 else image,
                      cmap="gray" if image.shape[-1] == 1 else None, vmin=0, vmax=1)
            ax.set_xticks([])
            ax.set_yticks([])
            if c == 0:
                ax.set_ylabel(label, fontsize=8)
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
