"""The image pool of a "real or colorized?" study (see `deepcolor turing`).

Only files that are safe to serve enter the pool: regular files (a link is
followed only if it resolves inside one of the study's folders, so
`real/evil.png -> /etc/passwd` is refused) with a UTF-8 name (the answer log
names each image) that PIL reads and verifies as a PNG, JPEG, GIF, WebP or BMP
image. The Content-Type comes from the verified format, not the file name.
Refused files are kept with the reason, for the start-up message.

Each served file is re-checked at every request: the same file (device, inode,
size, modification time as verified at start-up) with the same image header, so a
file swapped after start-up (e.g. for a hard link to /etc/passwd) is not served.
"""
from __future__ import annotations

import os
import random
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from deepcolor.turing import score as turing_score

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".webp": "image/webp", ".bmp": "image/bmp"}
FORMAT_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "MPO": "image/jpeg",
                "GIF": "image/gif", "WEBP": "image/webp", "BMP": "image/bmp"}
REAL = "real"
# The first bytes of each served format (WebP: "RIFF", 4 size bytes, then "WEBP").
MAGIC = {"image/png": (b"\x89PNG\r\n\x1a\n",), "image/jpeg": (b"\xff\xd8\xff",),
         "image/gif": (b"GIF87a", b"GIF89a"), "image/bmp": (b"BM",), "image/webp": (b"RIFF",)}


@dataclass(frozen=True)
class Image:
    token: str
    path: Path                      # as listed in its folder (names the image in the log)
    truth: str                      # "real" or "colorized"
    model: str                      # "" for real images
    pair: str                       # file stem: pairs originals with colorizations
    paired_models: tuple[str, ...]  # real: models with this stem; colorized: ()
    source: Path                    # the resolved regular file that is served
    ctype: str                      # from the verified image format
    identity: tuple = ()            # (device, inode, size, mtime ns) when verified

    @property
    def label(self) -> str:
        return f"{self.model or REAL}/{self.path.name}"


def _inside(path: Path, roots) -> bool:
    return any(path == root or root in path.parents for root in roots)


class NotRegularFile(OSError):
    """A FIFO, device or folder where an image file was expected."""


def _open_regular(path: Path):
    """`path` opened for reading (no link followed, a FIFO never blocks) and its stat;
    NotRegularFile if it is not a regular file, OSError if it cannot be opened."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                 | getattr(os, "O_NONBLOCK", 0))  # a FIFO put in its place must not block
    f = os.fdopen(fd, "rb")
    info = os.fstat(f.fileno())
    if not stat.S_ISREG(info.st_mode):
        f.close()
        raise NotRegularFile(f"{path} is not a regular file")
    return f, info


def _identity(info: os.stat_result) -> tuple:
    return (info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)


def _utf8_name(path: Path) -> bool:
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:  # bytes that are not UTF-8, held as surrogates
        return False
    return True


def check_file(path: Path, roots) -> tuple[Path | None, str, tuple]:
    """(resolved file, content type, identity) if `path` may be served, else
    (None, why not, ())."""
    from PIL import Image as PILImage  # a dependency, imported late: --score stays light

    if not _utf8_name(path):
        return None, "file name is not UTF-8 (the answer log could not name it): rename it", ()
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):  # broken link or a link loop
        return None, "broken link", ()
    if not _inside(real, roots):
        return None, f"links outside the study folders (to {real})", ()
    try:
        f, info = _open_regular(real)
    except NotRegularFile:
        return None, "not a regular file", ()
    except OSError as error:
        return None, f"cannot be read ({error.strerror})", ()
    try:
        with f, PILImage.open(f) as image:  # the very file that was checked
            fmt = image.format
            image.verify()  # structure and checksums, without decoding every pixel
    except Exception as error:  # PIL raises many types for garbage; all mean "unusable"
        return None, f"not a readable image ({type(error).__name__})", ()
    if fmt not in FORMAT_TYPES:
        return None, f"unsupported image format {fmt}", ()
    return real, FORMAT_TYPES[fmt], _identity(info)


def scan_folder(directory, roots) -> tuple[list[tuple[Path, Path, str, tuple]],
                                           list[tuple[Path, str]]]:
    """Image files of `directory` (not recursive; hidden files and other extensions
    ignored): ([(listed path, resolved file, content type, identity)],
    [(path, reason refused)])."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"{directory}: not a directory")
    good, refused = [], []
    for path in sorted(directory.iterdir()):
        if path.name.startswith(".") or path.suffix.lower() not in IMAGE_TYPES:
            continue
        real, how, identity = check_file(path, roots)
        if real is None:
            refused.append((path, how))
        else:
            good.append((path, real, how, identity))
    return good, refused


class Study:
    """The image pool (real + one directory per model) and how trials are drawn."""

    def __init__(self, real_dir, colorized: list[tuple[str, str]]):
        models = [name for name, _ in colorized]
        for name in models:
            if not name or name in (REAL, turing_score.OVERALL) or set(name) & set(";/\\"):
                raise ValueError(f"model name {name!r}: give another with NAME=DIR")
        if len(set(models)) != len(models):
            raise ValueError(f"model names {models} repeat: name them with NAME=DIR")
        if not models:
            raise ValueError("give at least one --colorized directory")
        folders = [(REAL, Path(real_dir))] + [(name, Path(d)) for name, d in colorized]
        roots = [d.resolve() for _, d in folders]
        self.refused: list[tuple[Path, str]] = []
        files = {}
        for name, directory in folders:
            files[name], refused = scan_folder(directory, roots)
            self.refused += refused
            if not files[name]:
                why = f" ({len(refused)} refused, e.g. {refused[0][0].name}: {refused[0][1]})" \
                    if refused else ""
                raise ValueError(f"no {'/'.join(IMAGE_TYPES)} images for {name!r}{why}")
        real = files.pop(REAL)
        stems = {name: {found[0].stem for found in listed} for name, listed in files.items()}
        self.models = models
        self.pools: dict[str, list[Image]] = {REAL: [
            self._image(f, "real", "", tuple(m for m in models if f[0].stem in stems[m]))
            for f in real]}
        for name, found in files.items():
            self.pools[name] = [self._image(f, "colorized", name, ()) for f in found]
        self.by_token = {im.token: im for pool in self.pools.values() for im in pool}

    @staticmethod
    def _image(found, truth, model, paired) -> Image:
        path, source, ctype, identity = found
        return Image(secrets.token_hex(12), path, truth, model, path.stem, paired,
                     source, ctype, identity)

    def __len__(self) -> int:
        return len(self.by_token)

    def draw(self, rng: random.Random, n: int | None = None) -> list[Image]:
        """n images in random order, about half real and the rest shared by the
        models, so answering "real" every time scores about 0.5, not 1/(k+1)."""
        n = len(self) if n is None else min(n, len(self))
        left = {src: rng.sample(pool, len(pool)) for src, pool in self.pools.items()}
        cycle = [src for m in self.models for src in (REAL, m)]
        chosen: list[Image] = []
        while len(chosen) < n:
            for src in cycle:
                if left[src] and len(chosen) < n:
                    chosen.append(left[src].pop())
        rng.shuffle(chosen)
        return chosen

    def warnings(self) -> list[str]:
        """Differences between real and colorized files that give the answer away."""
        out = []
        real_ext = {im.path.suffix.lower() for im in self.pools[REAL]}
        real_size = self._sizes(REAL)
        for m in self.models:
            ext = {im.path.suffix.lower() for im in self.pools[m]}
            if not ext & real_ext:
                out.append(f"{m} images are {sorted(ext)} but real ones {sorted(real_ext)}: "
                           "the file type reveals which is which")
            size = self._sizes(m)
            if real_size and size and not size & real_size:
                out.append(f"{m} images are {_sizes_text(size)} but real ones "
                           f"{_sizes_text(real_size)}: the size reveals which is which")
        return out

    def _sizes(self, src: str) -> set[tuple[int, int]]:
        from PIL import Image as PILImage

        sizes = set()
        for im in self.pools[src]:
            try:
                with PILImage.open(im.source) as f:
                    sizes.add(f.size)
            except OSError:
                pass
        return sizes


def read_served(image: Image) -> bytes:
    """The bytes of a pool image, refusing (OSError) a file changed since start-up: one
    swapped for a link or a non-regular file (O_NOFOLLOW on the resolved path), for
    another file (a hard link to /etc/passwd: another device or inode), or rewritten
    (another size or modification time, or no longer the verified format's header)."""
    f, info = _open_regular(image.source)
    with f:
        if image.identity and _identity(info) != image.identity:
            raise OSError(f"{image.source} changed since start-up")
        data = f.read(info.st_size + 1)
    if len(data) != info.st_size or not data.startswith(MAGIC.get(image.ctype, (b"",))) \
            or (image.ctype == "image/webp" and data[8:12] != b"WEBP"):
        raise OSError(f"{image.source} changed since start-up")
    return data


def _sizes_text(sizes) -> str:
    return ", ".join(f"{w}x{h}" for w, h in sorted(sizes)[:3]) + (" ..." if len(sizes) > 3 else "")
