"""A folder of large camera-like JPEGs for the pipeline and colorize benchmarks.

No large photographs ship with the suite, so they are made from the photos inside
the scikit-image and scikit-learn wheels: upscaled to about 12 megapixels, with
film-grain noise and a fine texture added so that the JPEGs carry real detail
(a smooth upscale would compress to a few hundred kB and decode unrealistically
fast). Written once to data/bench-photos/ (git-ignored), reused afterwards.

    python -m benchmarks.photos [--count 30] [--megapixels 12]
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import List

import numpy as np
from PIL import Image

from data_pipelines.paths import data_dir

# Camera-like frame shapes (width, height) around 12 MP: 4:3, 3:4, 3:2, 16:9.
SHAPES = ((4000, 3000), (3000, 4000), (4240, 2832), (4608, 2592), (4032, 3024))


def _sources() -> List[np.ndarray]:
    import skimage.data
    from sklearn.datasets import load_sample_images

    photos = [skimage.data.astronaut(), skimage.data.coffee(), skimage.data.chelsea(),
              skimage.data.rocket(), skimage.data.hubble_deep_field()]
    photos += list(load_sample_images().images)  # china.jpg, flower.jpg
    return [p[..., :3] for p in photos]


def folder(megapixels: float = 12.0) -> Path:
    return data_dir() / f"bench-photos-{megapixels:g}mp"


def make_photo(source: np.ndarray, size, rng: np.random.Generator) -> Image.Image:
    """`source` upscaled to `size` (w, h), mirrored or not, with grain and texture."""
    image = Image.fromarray(source).resize(size, Image.BICUBIC)
    if rng.random() < 0.5:
        image = image.transpose(Image.FLIP_LEFT_RIGHT)
    pixels = np.asarray(image, dtype=np.float32)
    # Grain per pixel plus a coarser texture (noise at 1/4 scale, upsampled): JPEG then
    # has high-frequency coefficients to code at several scales, as in real photos.
    grain = rng.normal(0.0, 6.0, pixels.shape[:2] + (1,)).astype(np.float32)
    small = rng.normal(0.0, 10.0, (size[1] // 4, size[0] // 4, 3)).astype(np.float32)
    texture = np.asarray(Image.fromarray(np.clip(small + 128, 0, 255).astype(np.uint8))
                         .resize(size, Image.BILINEAR), dtype=np.float32) - 128.0
    return Image.fromarray(np.clip(pixels + grain + texture, 0, 255).astype(np.uint8))


def ensure_photos(count: int = 30, megapixels: float = 12.0, seed: int = 0, log=print) -> Path:
    """The folder with `count` JPEGs of about `megapixels` MP; made on first use."""
    target = folder(megapixels)
    existing = sorted(target.glob("photo_*.jpg"))
    if len(existing) >= count:
        return target
    target.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    sources = _sources()
    scale = (megapixels / 12.0) ** 0.5
    for index in range(len(existing), count):
        width, height = SHAPES[index % len(SHAPES)]
        size = (int(round(width * scale)), int(round(height * scale)))
        path = target / f"photo_{index:03d}.jpg"
        partial = path.with_name(f".{path.name}.part")
        make_photo(sources[index % len(sources)], size, rng).save(partial, "JPEG", quality=92)
        partial.rename(path)
        log(f"made {path} ({size[0]}x{size[1]}, {path.stat().st_size / 1e6:.1f} MB)")
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=30)
    parser.add_argument("--megapixels", type=float, default=12.0)
    args = parser.parse_args(argv)
    print(ensure_photos(args.count, args.megapixels))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
