"""The figures a run leaves for a reader: loss curves and sample grids (matplotlib, Agg)."""
from __future__ import annotations

from typing import Dict

import numpy as np


def plot_loss_curves(histories: Dict[str, "object"], path: str, title: str) -> None:
    """One panel per run: training and validation loss per epoch (log scale)."""
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
        ax.set_title(name, fontsize=9)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss")
        ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
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
