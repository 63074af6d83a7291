"""A second held-out set of photographs that share no source with `photos` (issue 24, point 2).

    apt-get download lomiri-wallpapers-16.04=20.04.0-2 lomiri-wallpapers-20.04=20.04.0-2 \\
        mate-backgrounds=1.26.0-1 tuxpaint-data=1:0.9.28-sdl2-1 scribus-template=1.2.4.1-6
    python -m benchmarks.heldout_photos --debs DIR         # DIR holds those .deb files
    python -m benchmarks.heldout_photos --debs DIR --download   # runs apt-get download first

rebuilds `heldout-photos/` in the data folder (DEEPCOLOR_DATA, else data/):
`<package>__<name>.jpg` (long side at most 1024 px, JPEG quality 92) and MANIFEST.tsv
(file, package, version, licence, original size, sha256 of the written JPEG, path and
sha256 of the file as the package ships it, 64-bit difference hash). A copy of the
manifest is committed as results/heldout_photos/MANIFEST.tsv; the photos are not.

None of the packages is a source of real-photos.tar (its MANIFEST.tsv is read and
checked). Every image file under each package's declared folders is a candidate; the
automatic filter (benchmarks/photo_filter.py) keeps those that look like colour
photographs; its survivors were then looked at on a contact sheet and the renders,
abstracts and screenshots in REJECTED_BY_EYE dropped (with their other sizes).
Duplicates go by content: the shipped file's sha256, and a difference hash plus a
16 x 16 thumbnail (photo_filter.near) against every real-photos photo and every photo
already taken. Looked at and left out entirely (renders only): gnome-backgrounds
43.1-1, ukui-wallpapers 20.04.3-1.1, xfdesktop4-data 4.18.1-1, wordpress-theme-
twentytwentyone/-two (paintings and drawings); jigzo-data ships its photos cut into
puzzle pieces.
"""
from __future__ import annotations

import argparse
import dataclasses
import fnmatch
import hashlib
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

from PIL import Image

from benchmarks.photo_filter import dhash, fingerprint, judge, near, open_rgb
from data_pipelines.paths import data_dir, photos_tar
from deepcolor.errors import UsageError, run_command

FOLDER = "heldout-photos"
MANIFEST = "MANIFEST.tsv"
COLUMNS = ("file", "package", "version", "licence", "original_size", "sha256", "src_path",
           "src_sha256", "dhash")
MAX_SIDE, QUALITY = 1024, 92
EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")


@dataclasses.dataclass(frozen=True)
class Source:
    package: str
    version: str
    folders: Tuple[str, ...]  # searched recursively
    licence: str  # when debian/copyright names no licence for the file


SOURCES = (
    Source("lomiri-wallpapers-16.04", "20.04.0-2", ("usr/share/backgrounds",), "CC-BY-SA-3.0"),
    Source("lomiri-wallpapers-20.04", "20.04.0-2", ("usr/share/backgrounds",), "CC-BY-SA-3.0"),
    Source("mate-backgrounds", "1.26.0-1", ("usr/share/backgrounds/mate",),
           "GPL-2+ (debian/copyright; holders in AUTHORS)"),
    Source("tuxpaint-data", "1:0.9.28-sdl2-1",
           ("usr/share/tuxpaint/templates", "usr/share/tuxpaint/starters"), "GPL-2+"),
    Source("scribus-template", "1.2.4.1-6", ("usr/share/scribus/templates",),
           "public domain (Riku Leino's templates, debian/copyright)"),
)

# Survivors of the automatic filter that a look at the contact sheet showed are not
# photographs: (package, file name) -> what they are.
REJECTED_BY_EYE: Dict[Tuple[str, str], str] = {
    ("lomiri-wallpapers-16.04", "lomiri-wallpapers-16.04__analogpattern_by_Peter_Nerlich.jpg"):
        "an abstract tinted pattern",
    ("lomiri-wallpapers-20.04", "lomiri-wallpapers-20.04__Infinite-Sea_by_Aury88.jpg"):
        "a composite (sky over sea in false colour)",
    ("mate-backgrounds", "mate-backgrounds__abstract_Elephants.jpg"): "a render",
    ("mate-backgrounds", "mate-backgrounds__desktop_Float-into-MATE.jpg"): "a render",
    ("mate-backgrounds", "mate-backgrounds__desktop_Ubuntu-Mate-Cold-no-logo.jpg"): "a render",
    ("mate-backgrounds", "mate-backgrounds__desktop_Ubuntu-Mate-Radioactive-no-logo.jpg"):
        "a render",
    ("mate-backgrounds", "mate-backgrounds__desktop_Ubuntu-Mate-Warm-no-logo.jpg"): "a render",
    ("scribus-template", "scribus-template__scribus_project_de_scribus_min_de.jpg"): "a screenshot",
    ("scribus-template", "scribus-template__scribus_project_pl_scribus_min.jpg"): "a screenshot",
}


def known_photos(tar_path: Path) -> Tuple[set, set, List]:
    """(packages, sha256s, fingerprints) of real-photos.tar's photos: what the
    held-out set must not share."""
    if not Path(tar_path).is_file():
        raise UsageError(f"{tar_path} not found: the held-out set is checked against "
                         f"real-photos.tar (set DEEPCOLOR_PHOTOS_TAR)")
    packages, shas, hashes = set(), set(), []
    with tarfile.open(tar_path) as tar:
        for member in tar:
            if not member.isfile():
                continue
            blob = tar.extractfile(member).read()
            if member.name.endswith(MANIFEST):
                for line in blob.decode("utf-8").splitlines()[1:]:
                    fields = line.split("\t")
                    packages.add(fields[1])
                    shas.update(fields[i] for i in (5, 7) if len(fields) > i)
            elif member.name.lower().endswith(".jpg"):
                shas.add(hashlib.sha256(blob).hexdigest())
                hashes.append(fingerprint(open_rgb(blob)))
    return packages, shas, hashes


def licence_of(root: Path, package: str, relpath: str, default: str) -> str:
    """The licence debian/copyright (DEP-5) gives the file, matched by file name (the
    stanzas name upstream paths, not installed ones; the last match wins), else `default`."""
    path = Path(root) / "usr/share/doc" / package / "copyright"
    if not path.is_file():
        return default
    found, patterns = None, []
    name = Path(relpath).name
    for line in path.read_text(errors="replace").splitlines():
        if line.startswith("Files:"):
            patterns = line[len("Files:"):].split()
        elif line.startswith("License:") and patterns:
            if any(fnmatch.fnmatch(name, Path(p).name) for p in patterns
                   if Path(p).name != "*"):
                found = line[len("License:"):].strip()
            patterns = []
    return found or default


def candidates(root: Path, source: Source) -> List[str]:
    """Image files under the source's folders, relative to the package root, sorted."""
    found = []
    for folder in source.folders:
        for path in sorted((Path(root) / folder).rglob("*")):
            if path.is_file() and path.suffix.lower() in EXTENSIONS:
                found.append(path.relative_to(root).as_posix())
    return found


def output_name(source: Source, relpath: str) -> str:
    """`<package>__<path under its folder, '/' as '_', no suffix>.jpg`."""
    folder = next(f for f in source.folders if relpath.startswith(f + "/"))
    inner = relpath[len(folder) + 1:].rsplit(".", 1)[0].replace("/", "_")
    return f"{source.package}__{inner}.jpg"


@dataclasses.dataclass
class Built:
    rows: List[Dict[str, str]]
    rejected: List[Tuple[str, str]]  # (package/path, reason)


def build(roots: Dict[str, Tuple[Path, str]], out: Path, known=(set(), set(), []),
          sources: Sequence[Source] = SOURCES, eye: Optional[Dict] = None) -> Built:
    """Write the photos of the extracted packages `roots` ({package: (root, version)})
    into `out` and return the manifest rows and what was left out, and why."""
    eye = REJECTED_BY_EYE if eye is None else eye
    real_packages, real_shas, hashes = known[0], set(known[1]), list(known[2])
    out.mkdir(parents=True, exist_ok=True)
    built = Built([], [])
    for source in sources:
        if source.package in real_packages:
            raise UsageError(f"{source.package} is a source of real-photos: not held out")
        root, version = roots[source.package]
        for relpath in candidates(root, source):
            blob = (Path(root) / relpath).read_bytes()
            where, fname = f"{source.package}/{relpath}", output_name(source, relpath)
            reason, mark = _reason(blob, source, fname, eye, real_shas, hashes)
            if reason:
                if reason.startswith("by eye") and mark is not None:
                    hashes.append(mark)  # its other sizes go too
                built.rejected.append((where, reason))
                continue
            built.rows.append(_write(blob, out / fname, source, version, relpath, root))
            real_shas.add(built.rows[-1]["src_sha256"])
            hashes.append(mark)
    return built


def _reason(blob, source, fname, eye, shas, hashes):
    """(why the file is left out or None, its fingerprint)."""
    if hashlib.sha256(blob).hexdigest() in shas:
        return "same file as a photo already taken or in real-photos", None
    try:
        image = open_rgb(blob)
    except (OSError, ValueError) as error:
        return f"not decodable ({type(error).__name__})", None
    reason, mark = judge(image), fingerprint(image)
    if reason is None and (source.package, fname) in eye:
        reason = f"by eye: {eye[(source.package, fname)]}"
    if reason is None and near(mark, hashes):
        reason = "near-duplicate of a photo already taken, left out or in real-photos"
    return reason, mark


def _write(blob, path: Path, source: Source, version: str, relpath: str, root) -> Dict:
    image = open_rgb(blob)
    original = f"{image.width}x{image.height}"
    if max(image.size) > MAX_SIDE:
        scale = MAX_SIDE / max(image.size)
        image = image.resize((max(1, round(image.width * scale)),
                              max(1, round(image.height * scale))), Image.LANCZOS)
    image.save(path, "JPEG", quality=QUALITY, optimize=True)
    return {"file": path.name, "package": source.package, "version": version,
            "licence": licence_of(root, source.package, relpath, source.licence),
            "original_size": original, "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "src_path": relpath, "src_sha256": hashlib.sha256(blob).hexdigest(),
            "dhash": f"{dhash(image):016x}"}


def write_manifest(rows: Sequence[Dict], path: Path) -> Path:
    lines = ["\t".join(COLUMNS)] + ["\t".join(str(row[c]) for c in COLUMNS) for row in rows]
    Path(path).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return Path(path)


def find_debs(debs: Path, sources: Sequence[Source] = SOURCES) -> Dict[str, Path]:
    """{package: .deb file in `debs`}; one line naming what is missing and how to get it."""
    found, missing = {}, []
    for source in sources:
        matches = sorted(Path(debs).glob(f"{source.package}_*.deb"))
        if matches:
            found[source.package] = matches[-1]
        else:
            missing.append(f"{source.package}={source.version}")
    if missing:
        raise UsageError(f"missing in {debs}: {', '.join(missing)} (run there: apt-get "
                         f"download {' '.join(missing)}; or pass --download)")
    return found


def _run(command: List[str], cwd=None) -> str:
    try:
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    except OSError as error:
        raise UsageError(f"{command[0]} not found ({error.strerror}): needs Debian's "
                         f"apt-get and dpkg-deb") from None
    if result.returncode:
        last = (result.stderr or result.stdout).strip().splitlines()[-1:] or [""]
        raise UsageError(f"{' '.join(command[:3])} failed: {last[0]}")
    return result.stdout


def extract(deb: Path, into: Path) -> Tuple[Path, str]:
    """`dpkg-deb -x` into `into`; (root, the package's version)."""
    into.mkdir(parents=True, exist_ok=True)
    _run(["dpkg-deb", "-x", str(deb), str(into)])
    return into, _run(["dpkg-deb", "-f", str(deb), "Version"]).strip()


def build_from_debs(argv: Sequence[str], prog: str, doc: str, sources: Sequence[Source],
                    eye: Dict, folder: str, manifest_copy: str, known) -> int:
    """The command line of a photo-set builder: download and unpack the `sources`' .deb
    files, build the set into DATA/`folder` leaving out what `known()` (packages,
    sha256s, fingerprints) holds, write its manifest and a copy of it."""
    parser = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    parser.add_argument("--debs", required=True, help="folder with the packages' .deb files")
    parser.add_argument("--download", action="store_true", help="apt-get download them first")
    parser.add_argument("--out", default=None, help=f"default: DATA/{folder}")
    parser.add_argument("--manifest-copy", default=manifest_copy)
    args = parser.parse_args(argv)
    debs, out = Path(args.debs), Path(args.out) if args.out else data_dir() / folder
    if args.download:
        debs.mkdir(parents=True, exist_ok=True)
        _run(["apt-get", "download"] + [f"{s.package}={s.version}" for s in sources], cwd=debs)
    files = find_debs(debs, sources)
    excluded = known()
    with tempfile.TemporaryDirectory(prefix="photo_set_") as work:
        roots = {package: extract(deb, Path(work) / package) for package, deb in files.items()}
        built = build(roots, out, excluded, sources, eye)
    for where, reason in built.rejected:
        print(f"left out {where}: {reason}")
    write_manifest(built.rows, out / MANIFEST)
    if args.manifest_copy:
        Path(args.manifest_copy).parent.mkdir(parents=True, exist_ok=True)
        write_manifest(built.rows, Path(args.manifest_copy))
    packages = sorted({row["package"] for row in built.rows})
    print(f"wrote {len(built.rows)} photos from {len(packages)} packages to {out}; "
          f"{len(built.rejected)} files left out")
    return 0


def main(argv: Sequence[str]) -> int:
    return build_from_debs(argv, "python -m benchmarks.heldout_photos", __doc__, SOURCES,
                           REJECTED_BY_EYE, FOLDER, "results/heldout_photos/MANIFEST.tsv",
                           lambda: known_photos(photos_tar()))


if __name__ == "__main__":
    raise SystemExit(run_command("python -m benchmarks.heldout_photos", main))
