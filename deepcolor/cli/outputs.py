"""What `deepcolor colorize` writes: output names, image files, compare strips, progress."""
from __future__ import annotations

import dataclasses
import errno
import os
import sys
import time
import uuid
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from deepcolor.serving.images import is_gray, luma

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
FORMATS = {"png": ".png", "jpg": ".jpg", "webp": ".webp"}
DEFAULT_QUALITY = {"jpg": 95, "webp": 90}  # visually lossless for photos at these settings
# zlib level 1 (zlib's default strategy): the fastest level that still compresses. For
# the colorized 12 MP photo of `python -m benchmarks.shipped_speed --repeats 5` (its
# PNG table; 2 busy cores): level 1 0.71 s and 18.6 MB; level 0 (stored) 0.37 s but
# 36.0 MB; levels 2, 3 and 6 (PIL's default) 0.75, 1.07 and 3.0 s for no smaller file
# (18.5-19.8 MB); level 1 with zlib's Huffman-only or RLE strategy 0.53 or 0.60 s for
# 23 MB. Halving the time would double the file: level 1 is kept. JPEG output
# (`--format jpg`) takes about 0.05 s for the same photo.
PNG_COMPRESS_LEVEL = 1


@dataclasses.dataclass
class Job:
    source: Path
    colorized: Optional[Path]  # None once known to be kept as it is
    compare: Optional[Path] = None

    def outputs(self) -> List[Path]:
        return [p for p in (self.colorized, self.compare) if p is not None]


SYMLINK_LOOP = "symlink loop: skipped"


def _resolved(path: Path) -> Optional[Path]:
    """`path` with links resolved, or None for a link loop (Path.resolve raises)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError: "Symlink loop" (Python < 3.13)
        return None


def _unusable(file: Path) -> Optional[str]:
    """Why a file found in an input folder cannot be read (a link loop, a broken link),
    or None. Checked while listing, so one bad link never stops the others."""
    try:
        os.stat(file)
    except OSError as error:
        if error.errno == errno.ELOOP:
            return SYMLINK_LOOP
        return f"cannot be read ({error.strerror}): skipped"
    return None


def _sources(inputs, out_dir: Path, skipped: List[Tuple[Path, str]]
             ) -> List[Tuple[Path, Path]]:
    """(file, its path relative to the output folder) for every input image; files that
    cannot be read (link loops, broken links) go to `skipped` with the reason."""
    sources = []
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                # An output folder inside an input folder must not be read back as input.
                dirs[:] = [d for d in dirs if _resolved(Path(root) / d) != out_dir]
                for name in sorted(files):
                    if Path(name).suffix.lower() in IMAGE_EXTENSIONS:
                        file = Path(root) / name
                        why = _unusable(file)
                        if why:
                            skipped.append((file, why))
                        else:
                            sources.append((file, file.relative_to(path)))
        elif path.is_file():
            sources.append((path, Path(path.name)))  # named explicitly: any extension
        elif _unusable(path) == SYMLINK_LOOP:
            raise FileNotFoundError(f"input is a symlink loop: {raw}")
        else:
            raise FileNotFoundError(f"input not found: {raw}")
    return sources


def plan_jobs(inputs, out_dir: Path, compare: bool, suffix: str = ".png"
              ) -> Tuple[List[Job], List[Tuple[Path, str]]]:
    """The jobs for `inputs`, and the inputs refused (output names clash, an output
    would replace an input or is a folder, a link loop)."""
    out_dir = out_dir.resolve()
    refused: List[Tuple[Path, str]] = []
    sources = _sources(inputs, out_dir, refused)
    inputs_resolved = {_resolved(file): file for file, _ in sources}
    jobs, claimed = [], {}
    for file, relative in sources:
        stem = out_dir / relative.parent / relative.stem
        job = Job(file, stem.with_name(stem.name + suffix),
                  stem.with_name(stem.name + "_compare" + suffix) if compare else None)
        clash = next((claimed[o] for o in job.outputs() if o in claimed), None)
        victim = next((inputs_resolved[o] for o in job.outputs() if o in inputs_resolved), None)
        # e.g. out/good.png/ made by hand: neither a kept output nor one to replace
        folder = next((o for o in job.outputs() if o.exists() and not o.is_file()), None)
        if clash is not None:  # e.g. a.jpg and a.png in one folder
            refused.append((file, f"output name clashes with {clash}"))
        elif victim is not None:  # e.g. --out . with PNG inputs: never replace a photo
            refused.append((file, f"its output would replace the input {victim}; "
                                  f"choose another --out or --format"))
        elif folder is not None:
            what = "a folder" if folder.is_dir() else "not a regular file"
            refused.append((file, f"its output {folder} is {what}; remove or rename it"))
        else:
            claimed.update({o: file for o in job.outputs()})
            jobs.append(job)
    return jobs, refused


def write_image(path: Path, image: np.ndarray, fmt: str = "png",
                quality: Optional[int] = None, extra: Optional[dict] = None) -> None:
    """Write atomically, so an interrupted run never leaves a half file that the
    overwrite protection would then keep. The temporary name is unique to this call,
    so two processes writing into one folder never remove each other's file. `extra`:
    more PIL save options (metadata)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:8]}.part")
    if fmt == "png":
        options = {"format": "PNG", "compress_level": PNG_COMPRESS_LEVEL}
    else:
        options = {"format": "JPEG" if fmt == "jpg" else "WEBP",
                   "quality": quality or DEFAULT_QUALITY[fmt]}
    options.update(extra or {})
    try:
        Image.fromarray(image).save(partial, **options)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)  # Pillow >= 10.1 with FreeType
    except (TypeError, OSError, ImportError):
        return ImageFont.load_default()


def label_band(labels: List[str], width: int, panel_height: int) -> np.ndarray:
    """A white band of black captions, one centred over each of the equal panels."""
    height = max(14, round(panel_height * 0.06))
    band = Image.new("RGB", (width, height), "white")
    draw, font = ImageDraw.Draw(band), _font(max(10, round(height * 0.7)))
    panel = width / len(labels)
    for i, text in enumerate(labels):
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        draw.text((panel * (i + 0.5) - (right - left) / 2, (height - (bottom - top)) / 2 - top),
                  text, fill="black", font=font)
    return np.asarray(band)


def compare_strip(image: np.ndarray, colorized: np.ndarray) -> np.ndarray:
    """gray | colorized, and | original when the input had colour, under a caption band
    naming each panel; uint8 (band + H, k W, 3)."""
    panels = [np.repeat(luma(image)[..., None], 3, axis=-1), colorized]
    labels = ["gray", "colorized"]
    if not is_gray(image):
        panels.append(image)
        labels.append("original")
    strip = np.concatenate(panels, axis=1)
    return np.concatenate([label_band(labels, strip.shape[1], strip.shape[0]), strip], axis=0)


class Progress:
    """One stderr line per finished image: count, its time, the rate and time left."""

    def __init__(self, total: int, stream=None):
        self.total, self.done, self.start = total, 0, time.perf_counter()
        self.stream = stream or sys.stderr

    def step(self, label: str, seconds: float) -> None:
        self.done += 1
        text = f"{self.done}/{self.total} {label} {seconds:.1f} s"
        if self.total > 1:
            elapsed = time.perf_counter() - self.start
            rate = self.done / max(elapsed, 1e-9)
            left = (self.total - self.done) / rate
            text += f" ({rate:.2f} photos/s, {_duration(left)} left)"
        print(text, file=self.stream, flush=True)


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    return f"{minutes // 60} h {minutes % 60:02d} min"
