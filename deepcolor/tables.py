"""Markdown and CSV tables: one home for every table the suite prints or writes."""
from __future__ import annotations

from typing import Dict, List, Sequence

import numpy as np


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
