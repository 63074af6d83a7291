"""What a run leaves behind for a reader: machine facts, tables, loss curves, sample grids."""
from __future__ import annotations

import datetime
import os
import platform
import sys
from importlib import metadata
from typing import Dict, List, Sequence

import numpy as np

_PACKAGES = ("tensorflow", "keras", "tensorflow-datasets", "tensorflow-hub", "numpy",
             "scikit-image", "opencv-python-headless", "pandas", "matplotlib")


def load_average() -> float:
    """The 1-minute load average (processes sharing the cores); NaN where the OS has none.
    On a shared machine it explains a run's speed, so results record it."""
    try:
        return os.getloadavg()[0]
    except OSError:
        return float("nan")


def environment() -> dict:
    """Library versions and hardware, saved with every result."""
    import tensorflow as tf

    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    gpus = [d.name for d in tf.config.list_physical_devices("GPU")]
    return {
        "date": datetime.datetime.now().isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "gpus": gpus,
        "hardware": ", ".join(gpus) if gpus else f"CPU only ({os.cpu_count()} cores)",
        "versions": versions,
    }


def _fmt(value) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if isinstance(value, (float, np.floating)):
        value = float(value)
        if value != 0 and (abs(value) < 1e-3 or abs(value) >= 1e5):
            return f"{value:.3e}"
        return f"{value:.4g}"
    return str(value)


def markdown_table(rows: List[Dict], columns: Sequence[str]) -> str:
    """A GitHub Markdown table; missing values show as '-'."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(_fmt(row.get(c)).replace("|", "/") for c in columns) + " |")
    return "\n".join(lines)


def write_csv(rows: List[Dict], columns: Sequence[str], path: str) -> None:
    import pandas as pd

    pd.DataFrame([{c: r.get(c) for c in columns} for r in rows], columns=list(columns)).to_csv(
        path, index=False)


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
