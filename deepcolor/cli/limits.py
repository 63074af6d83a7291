"""The photo-size limit of `deepcolor colorize`: refuse, from the header alone, a photo
whose pixels would need more memory than the user allowed (`--max-megapixels`)."""
from __future__ import annotations

import math
import warnings
from typing import List, Tuple

from deepcolor.cli.outputs import Job
from deepcolor.errors import first_line

DEFAULT_MAX_MEGAPIXELS = 50.0
# Measured peak memory of `deepcolor colorize` with the shipped model (2-core CPU): 1.0
# GB for a small photo, 1.42 GB for 6000 x 4000 (README, "Colorize your photos").
BASE_BYTES, BYTES_PER_PIXEL = 1.0e9, 18


def _gigabytes(megapixels: float) -> float:
    return (BASE_BYTES + BYTES_PER_PIXEL * megapixels * 1e6) / 1e9


class TooLarge(ValueError):
    """A photo above the --max-megapixels limit."""


def check_size(path, max_megapixels: float) -> None:
    """A one-line TooLarge error if the image at `path` has more pixels than the limit,
    read from its header (nothing is decoded or allocated)."""
    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None  # ours is checked below
        try:
            with Image.open(path) as image:
                width, height = image.size
        finally:
            Image.MAX_IMAGE_PIXELS = limit
    megapixels = width * height / 1e6
    if megapixels > max_megapixels:
        raise TooLarge(f"{width}x{height} is {megapixels:.1f} megapixels, above the limit "
                       f"of {max_megapixels:g} (it would need about "
                       f"{_gigabytes(megapixels):.0f} GB of memory); "
                       f"--max-megapixels {math.ceil(megapixels)} allows it")


def _within_limit(jobs: List[Job], max_megapixels: float, refused: list
                  ) -> Tuple[List[Job], list]:
    """Jobs whose photo is within the megapixel limit, and `refused` plus those above it:
    decided from the headers, before the model loads or any photo is decoded. A file
    whose header cannot be read stays a job: reading it fails and is listed then."""
    within, refused = [], list(refused)
    for job in jobs:
        try:
            check_size(job.source, max_megapixels)
        except TooLarge as error:
            refused.append((job.source, first_line(error)))
            continue
        except Exception:  # unreadable: reported by the read, with its own reason
            pass
        within.append(job)
    return within, refused
