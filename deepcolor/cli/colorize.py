"""`deepcolor colorize`: colorize photos at their full resolution.

    deepcolor colorize INPUT... [--model PATH] [--out DIR] [--format png|jpg|webp]
                       [--quality Q] [--overwrite] [--compare] [--batch-size N]
                       [--render-size PX] [--saturation GAIN] [--max-megapixels MP]

INPUT is an image file or a folder (searched recursively for .jpg .jpeg .png .bmp
.gif .tif .tiff .webp, any case). Gray and colour photos are both accepted; a
colour photo is colorized from its luminance. Without `--model` the shipped
colorizer is used (deepcolor/serving/pretrained.py); `--model` takes a SavedModel
directory, a `.keras` file with its sidecar JSON, a run folder holding one of
them (deepcolor/serving/api.py), or an `.onnx` file from `deepcolor export --to
onnx`, run on onnxruntime without TensorFlow, Keras or JAX (the light install;
deepcolor/serving/onnx_runner.py). The model used is named in one line on stdout,
with a one-line warning on stderr if it was trained at smoke scale or on stand-in data.

Outputs keep the input's size and, for a folder, its sub-folder layout under DIR
(default `colorized/` in the current folder; `photos/a/b.jpg` given as `photos` ->
`DIR/a/b.png`; a file given directly goes to `DIR/b.png`). PNG by default: lossless,
so the colorization is not JPEG-compressed a second time; `--format jpg|webp` with
`--quality` (default 95 / 90) for smaller files. `--compare` also writes
`NAME_compare.EXT`: gray | colorized, plus | original for a colour input, captioned.

Each colorized file keeps the photo's EXIF (caption, dates, copyright; the
orientation is applied to the pixels and reset), ICC profile and DPI, and says it
was colorized and by which model (EXIF Software / ImageDescription, XMP, PNG text;
deepcolor/serving/metadata.py). The photos themselves are only read.

Existing outputs are kept (and listed) unless `--overwrite`; this is decided before
the model loads, and no output may replace an input. Unreadable files are skipped
and listed at the end. Progress (count, seconds, rate, time left) goes to stderr.
Exit status: 0 if every input was colorized or already had its output, 1 if any
failed, 2 on misuse, always with a one-line message, never a traceback.
Images are read one at a time; `--batch-size` groups consecutive images of the
same size into one model call.

`--render-size PX`: the model predicts colour at PX x PX (default: the size it was
trained at, 128 for the shipped model; a multiple of 32 for it); the colour is then
enlarged onto the photo's full-resolution luminance. Larger sizes give finer colour
regions but cost time (about the square of PX) and take the model away from the
scale it learned, so colours may wash out. `--saturation GAIN` multiplies the
predicted colour (0 gray, 1 as predicted, 1.3 livelier).
Memory: colorizing takes about 1 GB plus 18 bytes per pixel (a 24-megapixel photo
peaked at 1.42 GB: colour is laid on in bands), so a photo above `--max-megapixels`
(default 50, about 1.9 GB) is refused with one line, from the size in its header, before it is decoded: a small
file can hold huge dimensions (a 164 KB PNG of 13000 x 13000). Raise the limit for
big scans on a machine with the memory for them.
"""
from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np

from deepcolor.cli.limits import DEFAULT_MAX_MEGAPIXELS, _gigabytes, _within_limit
from deepcolor.cli.outputs import (FORMATS, Job, Progress, compare_strip, plan_jobs,
                                   write_image)
from deepcolor.errors import UsageError, first_line, printable, run_command
from deepcolor.serving import metadata
from deepcolor.serving.images import read_image  # noqa: F401  (deepcolor.cli.colorize.read_image)

_PROG = "deepcolor colorize"
DEFAULT_OUT = "colorized"
class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print usage and exit; we want one line
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=_PROG, description="Colorize photos at full resolution.")
    parser.add_argument("inputs", nargs="*", metavar="INPUT", help="image files or folders")
    parser.add_argument("--model", help="SavedModel directory, .keras file, run folder or "
                                         ".onnx file (default: the shipped colorizer)")
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help=f"output folder (default: ./{DEFAULT_OUT})")
    parser.add_argument("--format", choices=sorted(FORMATS), default="png",
                        help="output file type (default png, lossless)")
    parser.add_argument("--quality", type=int,
                        help="jpg / webp quality 1-100 (default 95 / 90)")
    parser.add_argument("--overwrite", action="store_true", help="replace existing outputs")
    parser.add_argument("--compare", action="store_true",
                        help="also write NAME_compare: gray | colorized (| original), captioned")
    parser.add_argument("--batch-size", type=int, default=1,
                        help="same-size images per model call (default 1)")
    parser.add_argument("--render-size", type=int, metavar="PX",
                        help="the model's working resolution (default: its training size; "
                             "larger: finer colour regions, slower, and less like training)")
    parser.add_argument("--saturation", type=float, default=1.0,
                        help="gain on the predicted colour, 0 (gray) to 4 (default 1)")
    parser.add_argument("--max-megapixels", type=float, default=DEFAULT_MAX_MEGAPIXELS,
                        metavar="MP", help=f"refuse photos above MP megapixels before "
                        f"decoding them (default {DEFAULT_MAX_MEGAPIXELS:g}: about "
                        f"{_gigabytes(DEFAULT_MAX_MEGAPIXELS):.1f} GB of memory)")
    return parser


def _first_line(error: BaseException) -> str:
    """'Type: first line', for the per-file error list."""
    return f"{type(error).__name__}: {first_line(error)}"


def keep_existing(jobs: List[Job], overwrite: bool) -> Tuple[List[Job], List[Path]]:
    """Jobs with their existing outputs dropped (unless `overwrite`), and those outputs.
    Run before the model loads, so a rerun over finished photos costs nothing."""
    if overwrite:
        return jobs, []
    pending, kept = [], []
    for job in jobs:
        keep = [o for o in job.outputs() if o.exists()]
        kept += keep
        job = Job(job.source, *[None if o in keep else o for o in (job.colorized, job.compare)])
        if job.outputs():
            pending.append(job)
    return pending, kept


class _Run:
    """Reads, batches, colorizes and writes; records what happened to each input."""

    def __init__(self, colorizer, args, progress: Progress):
        self.colorizer, self.args, self.progress = colorizer, args, progress
        self.done, self.failed = [], []
        self.batch: List[Tuple[Job, np.ndarray]] = []
        self.started = time.perf_counter()
        version = sys.modules["deepcolor"].__version__  # the package: this module's parent
        self.mark = metadata.mark_text(version, getattr(colorizer, "name", "?"))

    def _failed(self, job: Job, error: BaseException) -> None:
        self.failed.append((job.source, _first_line(error)))
        self.progress.step(f"{printable(job.source)} failed", time.perf_counter() - self.started)
        self.started = time.perf_counter()

    def add(self, job: Job) -> None:
        if not self.batch:
            self.started = time.perf_counter()
        try:
            image = read_image(job.source)
        except Exception as error:  # any unreadable file: record it and go on
            self._failed(job, error)
            return
        if self.batch and (self.batch[0][1].shape != image.shape
                           or len(self.batch) >= self.args.batch_size):
            self.flush()
            self.started = time.perf_counter()
        self.batch.append((job, image))

    def _write(self, job: Job, image: np.ndarray, result: np.ndarray) -> None:
        fmt, quality = self.args.format, self.args.quality
        if job.colorized is not None:
            # The photo's EXIF, ICC profile and DPI, and a mark naming the model.
            kept = metadata.save_options(metadata.read_source_metadata(job.source), fmt,
                                         self.mark)
            write_image(job.colorized, result, fmt, quality, kept)
        if job.compare is not None:
            write_image(job.compare, compare_strip(image, result), fmt, quality)

    def flush(self) -> None:
        batch, self.batch = self.batch, []
        if not batch:
            return
        try:
            colorized = self.colorizer.colorize_batch(np.stack([image for _, image in batch]))
        except Exception as error:
            for job, _ in batch:
                self._failed(job, error)
            return
        for (job, image), result in zip(batch, colorized):
            try:
                self._write(job, image, result)
            except Exception as error:
                self._failed(job, error)
                continue
            self.done.append(job.source)
            # A batch's time is shared by its images.
            self.progress.step(printable(job.source),
                               (time.perf_counter() - self.started) / len(batch))
        self.started = time.perf_counter()


def _check_args(args) -> None:
    """Misuse found before anything is read or loaded, one line each."""
    if not args.inputs:
        raise UsageError("no inputs given")
    if args.batch_size < 1:
        raise UsageError("--batch-size must be at least 1")
    if not 0 <= args.saturation <= 4:
        raise UsageError("--saturation must be between 0 and 4")
    from deepcolor.serving.loaders import check_render_size

    check_render_size(args.render_size)
    if args.quality is not None:
        if args.format == "png":
            raise UsageError("--quality is for --format jpg or webp (png is lossless)")
        if not 1 <= args.quality <= 100:
            raise UsageError("--quality must be between 1 and 100")
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise UsageError(f"--out is not a folder: {printable(args.out)}")
    if not (args.max_megapixels > 0 and math.isfinite(args.max_megapixels)):
        raise UsageError("--max-megapixels must be a number above 0")


def _load(args):
    from deepcolor.serving import api

    colorizer = api.load(args.model, args.render_size, args.saturation)
    print(f"model: {printable(colorizer.description)}", flush=True)
    if colorizer.warning:
        print(colorizer.warning, file=sys.stderr, flush=True)
    return colorizer


def run(argv) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as done:  # --help
        return int(done.code or 0)
    _check_args(args)
    from PIL import Image

    # PIL's own guard (a DecompressionBombError above 179 MP) follows ours when raised.
    Image.MAX_IMAGE_PIXELS = max(Image.MAX_IMAGE_PIXELS or 0, int(args.max_megapixels * 1e6))
    if args.model is not None:
        from deepcolor.serving.api import find_model  # no TensorFlow: a bad path fails at once
        from deepcolor.serving.onnx_runner import require_onnxruntime

        require_onnxruntime(find_model(args.model))
    out_dir = Path(args.out)
    try:
        jobs, refused = plan_jobs(args.inputs, out_dir, args.compare, FORMATS[args.format])
    except FileNotFoundError as error:
        raise UsageError(printable(first_line(error))) from None
    if not jobs and not refused:
        raise UsageError("no images found in the inputs")
    jobs, kept = keep_existing(jobs, args.overwrite)
    jobs, refused = _within_limit(jobs, args.max_megapixels, refused)

    done, failed = [], list(refused)
    if jobs:  # the model loads only if there is something to colorize
        state = _Run(_load(args), args, Progress(len(jobs)))
        for job in jobs:
            state.add(job)
        state.flush()
        done, failed = state.done, failed + state.failed

    print(f"colorized {len(done)} image(s) into {printable(out_dir)}")
    if kept:
        print(f"kept {len(kept)} existing output(s) (use --overwrite to replace):")
        for output in kept:
            print(f"  {printable(output)}")
    if failed:
        print(f"failed {len(failed)} input(s):", file=sys.stderr)
        for source, reason in failed:
            print(f"  {printable(source)}: {printable(reason)}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: Optional[List[str]] = None) -> int:
    return run_command(_PROG, run, argv)
