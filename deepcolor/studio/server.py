"""The local web page of `deepcolor serve`: drop photos, get gray | colorized | original.

Uploads get the Turing server's checks (deepcolor/turing/server.py and pool.py): a
body over its limit is refused before it is read (413), a stalled body is dropped
after REQUEST_TIMEOUT seconds, the image type comes from PIL's verified format (PNG,
JPEG, GIF, WebP, BMP; anything else is 415), and a run takes at most `max_photos`
photos (429 after). A photo over MAX_PIXELS is refused before it is decoded.

Files: only ever inside `out`: the colorized PNG (`<name>-<token>.png`, with the
photo's metadata and the colorized mark) and two previews under `out/.preview/`. A
file name from the browser is reduced to letters, digits, '.', '_' and '-' and used
only as a label; results are looked up by a random token, never by a request path.
"""
from __future__ import annotations

import io
import json
import os
import re
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np

from deepcolor.serving import images as image_io
from deepcolor.serving import metadata
from deepcolor.studio.page import render_page
from deepcolor.turing.pool import FORMAT_TYPES
from deepcolor.turing.server import REQUEST_TIMEOUT

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_PIXELS = 50_000_000  # a 24-megapixel scan fits; a decompression bomb does not
MAX_PHOTOS = 500         # per run of the server
KINDS = ("gray", "colorized", "original")


class Refused(Exception):
    """An upload that is not colorized: (HTTP status, one-line reason)."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


def safe_stem(name: str) -> str:
    """A file name from the browser as a harmless label: no folders, no odd characters."""
    stem = Path(unquote(name or "").replace("\\", "/")).stem
    return re.sub(r"[^A-Za-z0-9._-]+", "_", stem).strip("._")[:60] or "photo"


def decode_upload(data: bytes) -> np.ndarray:
    """uint8 (H, W, 1 or 3), the camera orientation applied; Refused if not a photo."""
    from PIL import Image, ImageOps

    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt = image.format
            image.verify()
    except Exception as error:  # PIL raises many types for garbage; all mean "unusable"
        raise Refused(415, f"not a readable image ({type(error).__name__})") from None
    if fmt not in FORMAT_TYPES:
        raise Refused(415, f"unsupported image format {fmt}")
    with Image.open(io.BytesIO(data)) as image:
        if image.width * image.height > MAX_PIXELS:
            raise Refused(413, f"{image.width} x {image.height} is over "
                               f"{MAX_PIXELS // 1_000_000} megapixels")
        try:
            image = ImageOps.exif_transpose(image)
        except (SyntaxError, ValueError, KeyError, TypeError):  # a damaged EXIF block
            pass
        return image_io.from_pil(image)


class StudioServer(ThreadingHTTPServer):
    """Colorize uploads with `colorizer` (api.load) into `out`; port 0 picks a free one."""
    daemon_threads = True

    def __init__(self, colorizer, out, mark: str, host="127.0.0.1", port=0,
                 max_photos=MAX_PHOTOS, request_timeout=REQUEST_TIMEOUT, verbose=False):
        self.colorizer, self.mark, self.verbose = colorizer, mark, verbose
        self.out = Path(out).resolve()
        (self.out / ".preview").mkdir(parents=True, exist_ok=True)
        self.max_photos, self.request_timeout = max_photos, request_timeout
        self.results: dict = {}  # token -> {kind: file inside self.out}
        self.lock = threading.Lock()       # the results and the count
        self.model_lock = threading.Lock()  # one photo at a time on the CPU
        self.page = render_page(getattr(colorizer, "description", "?"),
                                MAX_UPLOAD_BYTES // (1024 * 1024), MAX_PIXELS // 1_000_000)
        super().__init__((host, port), StudioHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}/"

    def handle_error(self, request, client_address):
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError)):
            print(f"deepcolor serve: error serving {client_address[0]}: "
                  f"{type(error).__name__}: {error}", file=sys.stderr, flush=True)

    def _path(self, name: str) -> Path:
        path = (self.out / name).resolve()
        if path.parent not in (self.out, self.out / ".preview"):  # never outside out
            raise Refused(400, "bad file name")
        return path

    def _write(self, path: Path, rgb: np.ndarray, options: dict) -> None:
        from PIL import Image

        partial = path.with_name(f".{path.name}.part")
        try:
            Image.fromarray(rgb).save(partial, **options)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)

    def colorize(self, data: bytes, name: str) -> dict:
        with self.lock:
            if len(self.results) >= self.max_photos:
                raise Refused(429, f"this run has colorized {self.max_photos} photos, its "
                                   f"limit; restart deepcolor serve for more")
            token = secrets.token_hex(8)
            self.results[token] = {}  # holds the place in the count
        try:
            return self._colorize(token, data, name)
        except BaseException:
            with self.lock:  # a refused or failed photo does not count
                self.results.pop(token, None)
            raise

    def _colorize(self, token: str, data: bytes, name: str) -> dict:
        image = decode_upload(data)
        with self.model_lock:
            colorized = self.colorizer.colorize_batch(image[None])[0]
        stem = safe_stem(name)
        files = {"colorized": self._path(f"{stem}-{token}.png"),
                 "gray": self._path(f".preview/{token}_gray.jpg"),
                 "original": self._path(f".preview/{token}_original.jpg")}
        kept = metadata.save_options(metadata.read_source_metadata(io.BytesIO(data)), "png",
                                     self.mark)
        self._write(files["colorized"], colorized, {"format": "PNG", "compress_level": 1,
                                                    **kept})
        gray = np.repeat(image_io.luma(image)[..., None], 3, axis=-1)
        rgb = image if image.shape[-1] == 3 else gray
        for kind, pixels in (("gray", gray), ("original", rgb)):
            self._write(files[kind], pixels, {"format": "JPEG", "quality": 90})
        with self.lock:
            self.results[token] = files
        reply = {kind: f"/result/{token}/{kind}" for kind in KINDS}
        return {**reply, "download": files["colorized"].name, "height": image.shape[0],
                "width": image.shape[1]}


class StudioHandler(BaseHTTPRequestHandler):
    server: StudioServer
    server_version = "deepcolor-serve"
    sys_version = ""

    def setup(self):
        self.timeout = self.server.request_timeout  # socket timeout for every read/write
        super().setup()

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self):
        path = urlsplit(self.path).path  # deliberately not unquoted or normalised
        if path == "/":
            return self._send(200, "text/html; charset=utf-8", self.server.page.encode())
        parts = path.split("/")
        if len(parts) == 4 and parts[1] == "result" and parts[3] in KINDS:
            with self.server.lock:
                file = self.server.results.get(parts[2], {}).get(parts[3])
            if file is not None and file.is_file():
                ctype = "image/png" if file.suffix == ".png" else "image/jpeg"
                return self._send(200, ctype, file.read_bytes())
        self._reply(404, {"error": "not found"})

    def do_POST(self):
        if urlsplit(self.path).path != "/api/colorize":
            return self._reply(404, {"error": "not found"})
        try:
            data = self._body()
            reply = self.server.colorize(data, self.headers.get("X-Filename", ""))
        except Refused as refused:
            return self._reply(refused.status, {"error": str(refused)})
        except (ConnectionError, TimeoutError):
            raise  # the client is gone or stalled: handle_error drops it quietly
        except Exception as error:  # one line on the terminal, a reply to the page
            self.server.handle_error(self.request, self.client_address)
            return self._reply(500, {"error": f"internal error ({type(error).__name__})"})
        self._reply(200, reply)

    def _body(self) -> bytes:
        length = self.headers.get("Content-Length") or ""
        if not length.isdigit() or int(length) == 0:
            raise Refused(411, "the upload needs a Content-Length")
        if int(length) > MAX_UPLOAD_BYTES:
            self.close_connection = True  # the rest of the body is never read
            raise Refused(413, f"over {MAX_UPLOAD_BYTES // (1024 * 1024)} MB")
        try:
            data = self.rfile.read(int(length))
        except TimeoutError:
            self.close_connection = True
            raise Refused(408, "the upload stalled") from None
        if len(data) != int(length):
            raise Refused(400, "the upload is shorter than its Content-Length")
        return data

    def _reply(self, code: int, obj: dict):
        self._send(code, "application/json", json.dumps(obj).encode())

    def _send(self, code: int, ctype: str, data: bytes):
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if ctype.startswith("text/html"):
            self.send_header("Content-Security-Policy", "default-src 'none'; img-src 'self'; "
                             "script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                             "connect-src 'self'")
        self.end_headers()
        self.wfile.write(data)
