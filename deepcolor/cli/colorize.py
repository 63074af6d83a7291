"""`deepcolor colorize`: colorize photos at their full resolution with a trained model.

    deepcolor colorize INPUT... --model PATH --out DIR [--overwrite] [--compare]
                       [--batch-size N]

INPUT is an image file or a folder (searched recursively for .jpg .jpeg .png .bmp
.gif .tif .tiff .webp, any case). Gray and colour photos are both accepted; a
colour photo is colorized from its luminance. `--model` is a SavedModel directory
from `deepcolor.serving.export.export_saved_model` or a `.keras` file with its sidecar JSON
(`deepcolor.serving.export.save_keras_with_metadata`).

Outputs keep the input's size and, for a folder, its sub-folder layout under DIR
(`photos/a/b.jpg` given as `photos` -> `DIR/a/b.png`; a file given directly goes
to `DIR/b.png`). They are always PNG: lossless, so the colorization is not
JPEG-compressed a second time, and one format for every input. `--compare` also
writes `NAME_compare.png`: gray | colorized, plus | original for a colour input.

Existing outputs are kept (and listed) unless `--overwrite`. Unreadable files are
skipped and listed at the end. Exit status: 0 if every input was colorized or
already had its output, 1 if any failed, 2 on misuse (no model, no inputs, an
input path that does not exist), always with a one-line message, never a traceback.
Images are read one at a time; `--batch-size` groups consecutive images of the
same size into one model call.
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np
from PIL import Image, ImageOps

from deepcolor.errors import UsageError, first_line

IMAGE_EXTENSIONS = {".jpg", ".jpeg", ".png", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
_GRAY_MODES = {"1", "L", "LA", "La", "F"}
_PROG = "deepcolor colorize"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print usage and exit; we want one line
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=_PROG, description="Colorize photos at full resolution.")
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="image files or folders")
    parser.add_argument("--model", required=True, help="SavedModel directory or .keras file")
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    parser.add_argument("--compare", action="store_true",
                        help="also write NAME_compare.png: gray | colorized (| original)")
    parser.add_argument("--batch-size", type=int, default=1,
                        help="same-size images per model call (default 1)")
    return parser


@dataclasses.dataclass
class Job:
    source: Path
    colorized: Optional[Path]  # None once known to be kept as it is
    compare: Optional[Path] = None

    def outputs(self) -> List[Path]:
        return [p for p in (self.colorized, self.compare) if p is not None]


def plan_jobs(inputs, out_dir: Path, compare: bool) -> Tuple[List[Job], List[Tuple[Path, str]]]:
    """The jobs for `inputs`, and the inputs refused because their output names clash."""
    out_dir = out_dir.resolve()
    sources: List[Tuple[Path, Path]] = []  # (file, path relative to the output folder)
    for raw in inputs:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                # An output folder inside an input folder must not be read back as input.
                dirs[:] = [d for d in dirs if (Path(root) / d).resolve() != out_dir]
                for name in sorted(files):
                    if Path(name).suffix.lower() in IMAGE_EXTENSIONS:
                        file = Path(root) / name
                        sources.append((file, file.relative_to(path)))
        elif path.is_file():
            sources.append((path, Path(path.name)))  # named explicitly: any extension
        else:
            raise UsageError(f"input not found: {raw}")
    jobs, clashes, claimed = [], [], {}
    for file, relative in sources:
        stem = out_dir / relative.parent / relative.stem
        job = Job(file, stem.with_name(stem.name + ".png"),
                  stem.with_name(stem.name + "_compare.png") if compare else None)
        clash = next((claimed[o] for o in job.outputs() if o in claimed), None)
        if clash is not None:  # e.g. a.jpg and a.png in one folder
            clashes.append((file, f"output name clashes with {clash}"))
            continue
        claimed.update({o: file for o in job.outputs()})
        jobs.append(job)
    return jobs, clashes


def read_image(path: Path) -> np.ndarray:
    """uint8 (H, W, 1) for a gray image, (H, W, 3) for colour; raises on a bad file."""
    with Image.open(path) as image:
        image = ImageOps.exif_transpose(image)  # decodes fully: truncation fails here
        if image.mode.startswith("I"):  # 16/32-bit gray, e.g. 16-bit PNG and TIFF
            array = np.asarray(image, dtype=np.float64)
            # "I;16" is 16-bit for sure; plain "I" is taken as 8-bit if it fits in 8 bits.
            scale = 257.0 if image.mode.startswith("I;16") or array.max() > 255 else 1.0
            return np.clip(np.round(array / scale), 0, 255).astype(np.uint8)[..., None]
        if image.mode in _GRAY_MODES:
            return np.asarray(image.convert("L"))[..., None]
        # Palette, RGBA, CMYK, YCbCr...: alpha is dropped, colours go to sRGB.
        return np.asarray(image.convert("RGB"))


def _is_gray(image: np.ndarray) -> bool:
    return image.shape[-1] == 1 or (np.array_equal(image[..., 0], image[..., 1])
                                    and np.array_equal(image[..., 1], image[..., 2]))


def compare_strip(image: np.ndarray, colorized: np.ndarray) -> np.ndarray:
    """gray | colorized, and | original when the input had colour; uint8 (H, k W, 3)."""
    if image.shape[-1] == 1:
        gray = image[..., 0]
    else:  # BT.601 luma, as PIL's "L" mode: what a gray print of the photo shows
        gray = np.round(image.astype(np.float32) @ np.array([0.299, 0.587, 0.114], np.float32))
        gray = np.clip(gray, 0, 255).astype(np.uint8)
    panels = [np.repeat(gray[..., None], 3, axis=-1), colorized]
    if not _is_gray(image):
        panels.append(image)
    return np.concatenate(panels, axis=1)


# zlib level 1: for a 12 MP photo 0.8 s instead of 4.6 s at PIL's default level 6, and
# the file was no larger (18.4 vs 19.7 MB; benchmarks/colorize.py, results/benchmarks.md).
PNG_COMPRESS_LEVEL = 1


def write_png(path: Path, image: np.ndarray) -> None:
    """Write atomically, so an interrupted run never leaves a half file that the
    overwrite protection would then keep."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name("." + path.name + ".part")
    try:
        Image.fromarray(image).save(partial, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


class _Progress:
    """One stderr line per image; redrawn in place on a terminal."""

    def __init__(self, total: int):
        self.total, self.done = total, 0
        self.tty = sys.stderr.isatty()

    def step(self, label: str) -> None:
        self.done += 1
        if self.total < 2:
            return
        text = f"[{self.done}/{self.total}] {label}"
        if self.tty:
            end = "\n" if self.done == self.total else ""
            sys.stderr.write("\r" + text[:100].ljust(100) + end)
        else:
            sys.stderr.write(text + "\n")
        sys.stderr.flush()


def _first_line(error: BaseException) -> str:
    """'Type: first line', for the per-file error list."""
    return f"{type(error).__name__}: {first_line(error)}"


class _Run:
    """Reads, batches, colorizes and writes; records what happened to each input."""

    def __init__(self, colorizer, args):
        self.colorizer, self.args = colorizer, args
        self.done, self.skipped, self.failed = [], [], []
        self.batch: List[Tuple[Job, np.ndarray]] = []

    def add(self, job: Job) -> None:
        keep = [o for o in job.outputs() if o.exists() and not self.args.overwrite]
        self.skipped += keep
        job = Job(job.source, *[None if o in keep else o for o in (job.colorized, job.compare)])
        if not job.outputs():
            return
        try:
            image = read_image(job.source)
        except Exception as error:  # any unreadable file: record it and go on
            self.failed.append((job.source, _first_line(error)))
            return
        if self.batch and (self.batch[0][1].shape != image.shape
                           or len(self.batch) >= self.args.batch_size):
            self.flush()
        self.batch.append((job, image))

    def flush(self) -> None:
        batch, self.batch = self.batch, []
        if not batch:
            return
        try:
            colorized = self.colorizer(np.stack([image for _, image in batch]))
        except Exception as error:
            self.failed += [(job.source, _first_line(error)) for job, _ in batch]
            return
        for (job, image), result in zip(batch, colorized):
            try:
                if job.colorized is not None:
                    write_png(job.colorized, result)
                if job.compare is not None:
                    write_png(job.compare, compare_strip(image, result))
                self.done.append(job.source)
            except Exception as error:
                self.failed.append((job.source, _first_line(error)))


def _load_model(path: str):
    from deepcolor.serving.export import load_for_inference  # TensorFlow loads only when needed

    try:
        return load_for_inference(path)
    except Exception as error:
        raise UsageError(f"cannot load model {path}: {_first_line(error)}") from None


def run(argv) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as done:  # --help
        return int(done.code or 0)
    if not args.inputs:
        raise UsageError("no inputs given")
    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    if not Path(args.model).exists():
        raise UsageError(f"model not found: {args.model}")
    out_dir = Path(args.out)
    if out_dir.exists() and not out_dir.is_dir():
        raise UsageError(f"--out is not a folder: {out_dir}")
    jobs, clashes = plan_jobs(args.inputs, out_dir, args.compare)
    if not jobs and not clashes:
        raise UsageError("no images found in the inputs")
    state = _Run(_load_model(args.model), args)
    state.failed += clashes
    progress = _Progress(len(jobs))
    for job in jobs:
        state.add(job)
        progress.step(str(job.source))
    state.flush()

    print(f"colorized {len(state.done)} image(s) into {out_dir}")
    if state.skipped:
        print(f"kept {len(state.skipped)} existing output(s) (use --overwrite to replace):")
        for output in state.skipped:
            print(f"  {output}")
    if state.failed:
        print(f"failed {len(state.failed)} input(s):", file=sys.stderr)
        for source, reason in state.failed:
            print(f"  {source}: {reason}", file=sys.stderr)
    return 1 if state.failed else 0


def main(argv: Optional[List[str]] = None) -> int:
    try:
        return run(sys.argv[1:] if argv is None else list(argv))
    except UsageError as error:
        print(f"{_PROG}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{_PROG}: interrupted", file=sys.stderr)
        return 130
