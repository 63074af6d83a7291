"""Shared set-up for the `deepcolor turing` tests: a tiny study and a live server."""
from __future__ import annotations

import contextlib
import csv
import http.client
import json
import threading
import urllib.request

from PIL import Image

from deepcolor.turing.server import Study, TuringServer

# real a,b,c,d; unet colorized a,b,c; dense colorized a,d: real b pairs only unet.
LAYOUT = {"real": "abcd", "unet": "abc", "dense": "ad"}


def make_study_dirs(root) -> dict:
    """One 24x24 PNG per (source, stem), each a different colour so its bytes
    identify it; returns {source: {file bytes: "source/name.png"}}."""
    known = {}
    for s, (source, stems) in enumerate(LAYOUT.items()):
        (root / source).mkdir()
        for i, stem in enumerate(stems):
            path = root / source / f"{stem}.png"
            Image.new("RGB", (24, 24), (40 * s, 50 * i, 200)).save(path)
            known[path.read_bytes()] = f"{source}/{stem}.png"
    return known


def make_study(root) -> Study:
    return Study(root / "real", [("unet", root / "unet"), ("dense", root / "dense")])


@contextlib.contextmanager
def running_server(study, out_csv, **kw):
    """A TuringServer on 127.0.0.1 and a free port, served from a thread."""
    server = TuringServer(study, out_csv, host="127.0.0.1", port=0, **kw)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def request(server, method, path, body=None, raw_body=None):
    """(status, body bytes); the path is sent exactly as given, never normalised."""
    conn = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    try:
        data = raw_body if raw_body is not None else (
            None if body is None else json.dumps(body).encode())
        headers = {"Content-Type": "application/json"} if data is not None else {}
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def fetch(url: str, data: bytes | None = None) -> bytes:
    """GET (or POST data) a loopback URL, ignoring any *_proxy variables."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    headers = {"Content-Type": "application/json"} if data is not None else {}
    with opener.open(urllib.request.Request(url, data, headers), timeout=10) as response:
        return response.read()


def read_rows(path) -> list[dict]:
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def post(server, path, body):
    status, data = request(server, "POST", path, body)
    return status, json.loads(data)
