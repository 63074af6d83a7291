"""What a colorized file keeps of its photo, and what it says about itself.

Kept: the EXIF (caption, dates, camera, copyright...), the ICC colour profile and the
resolution (DPI), in JPEG, PNG and WebP outputs. The pixels were turned upright when
read (`images.read_image` applies the EXIF orientation), so the orientation tag is
reset to 1: a viewer must not rotate them a second time.

Marked: EXIF Software names deepcolor and the model; the EXIF ImageDescription says
"colorized by ..." unless the photo had a caption there, which is kept as it is; an
XMP packet records the same (dc:description stays the photo's), and PNG files get
the same as text chunks ("Software", "Comment"), which PNG tools show. The photo
itself is only ever read.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Optional, Tuple
from xml.sax.saxutils import escape

from PIL import Image, PngImagePlugin

ORIENTATION, DESCRIPTION, SOFTWARE = 0x0112, 0x010E, 0x0131
X_RESOLUTION, Y_RESOLUTION, RESOLUTION_UNIT = 0x011A, 0x011B, 0x0128
INCH = 2


@dataclasses.dataclass
class SourceMetadata:
    """The parts of a photo's metadata that its colorized file carries."""

    exif: Optional[Image.Exif] = None
    icc_profile: Optional[bytes] = None
    dpi: Optional[Tuple[float, float]] = None


def read_source_metadata(source) -> SourceMetadata:
    """The EXIF, ICC profile and DPI of the photo at `source` (a path or a binary file
    object); empty parts where it has none or they cannot be read (metadata never
    stops a photo being colorized)."""
    try:
        with Image.open(source if hasattr(source, "read") else Path(source)) as image:
            exif = image.getexif()
            for pointer in (0x8769, 0x8825):  # Exif and GPS sub-IFDs: load them to copy
                if pointer in exif:
                    exif.get_ifd(pointer)
            dpi = image.info.get("dpi")
            return SourceMetadata(exif if len(exif) else None, image.info.get("icc_profile"),
                                  tuple(float(v) for v in dpi) if dpi else None)
    except Exception:  # a damaged EXIF block: colorize the photo without it
        return SourceMetadata()


def _xmp(mark: str) -> bytes:
    text = escape(mark)
    return ('<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
            '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
            'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            '<rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
            'xmlns:photoshop="http://ns.adobe.com/photoshop/1.0/">'
            f'<xmp:CreatorTool>{text}</xmp:CreatorTool>'
            f'<photoshop:History>{text}</photoshop:History>'
            '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>').encode("utf-8")


def _exif(source: SourceMetadata, mark: str) -> Image.Exif:
    exif = source.exif if source.exif is not None else Image.Exif()
    if ORIENTATION in exif:
        exif[ORIENTATION] = 1  # the pixels are upright already
    exif[SOFTWARE] = mark
    if not str(exif.get(DESCRIPTION, "")).strip():
        exif[DESCRIPTION] = mark
    if source.dpi and X_RESOLUTION not in exif:  # WebP has no DPI field but EXIF's
        exif[X_RESOLUTION], exif[Y_RESOLUTION] = source.dpi
        exif[RESOLUTION_UNIT] = INCH
    return exif


def save_options(source: Optional[SourceMetadata], fmt: str, mark: str) -> dict:
    """PIL `save` options for format `fmt` ("png", "jpg" or "webp") that carry `source`'s
    metadata and mark the file with `mark` (e.g. "colorized by deepcolor 0.1.0, model
    effnet_unet")."""
    source = source or SourceMetadata()
    options = {"exif": _exif(source, mark).tobytes(), "xmp": _xmp(mark)}
    if source.icc_profile:
        options["icc_profile"] = source.icc_profile
    if source.dpi and fmt in ("png", "jpg"):
        options["dpi"] = source.dpi
    if fmt == "png":
        text = PngImagePlugin.PngInfo()
        text.add_text("Software", mark)
        text.add_text("Comment", mark)
        text.add_itxt("XML:com.adobe.xmp", options.pop("xmp").decode("utf-8"))
        options["pnginfo"] = text
    return options


def mark_text(version: str, model_name: str) -> str:
    return f"colorized by deepcolor {version}, model {model_name}"
