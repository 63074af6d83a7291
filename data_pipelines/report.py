"""What a source loaded and what it left out: `SourceReport` and `DataSourceError`."""
from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import List, Tuple


class DataSourceError(ValueError):
    """A data source cannot be used (missing folder, offline TFDS, bad spec).

    The message is always one line, so a runner can print it as is; it names the
    offline alternatives where one exists.
    """

    def __init__(self, message: str):
        super().__init__(one_line(message))


def one_line(text, max_chars: int = 600) -> str:
    """Collapse whitespace (TF and TFDS errors span many lines) and cap the length."""
    text = " ".join(str(text).split())
    return text if len(text) <= max_chars else text[:max_chars - 3] + "..."


@dataclasses.dataclass
class SourceReport:
    """What `load_images` yields for one split.

    `num_images` is exact: the number of images the dataset yields, after bad files,
    near-gray images (`dropped_grayscale`, not counted as bad) and `limit`.
    `skipped` lists the bad files met, as (path, reason).
    """

    source: str
    split: str
    num_images: int
    skipped: List[Tuple[str, str]]
    is_stand_in: bool
    description: str
    dropped_grayscale: int = 0

    def skipped_summary(self, max_listed: int = 5) -> str:
        """'skipped N bad files: a (reason); b (reason) and M more', or '' if none."""
        if not self.skipped:
            return ""
        shown = "; ".join(f"{path} ({reason})" for path, reason in self.skipped[:max_listed])
        more = len(self.skipped) - max_listed
        tail = f" and {more} more" if more > 0 else ""
        noun = "file" if len(self.skipped) == 1 else "files"
        return f"skipped {len(self.skipped)} bad {noun}: {shown}{tail}"

    def save_skipped(self, path: str | os.PathLike) -> Path:
        """Write the skipped list as a tab-separated file (path, reason) with a header."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = ["path\treason"] + [f"{p}\t{one_line(r)}" for p, r in self.skipped]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        return path

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)
