"""Web server for a "real or colorized?" study (see `deepcolor turing`).

Only the image files handed to `Study` are ever served, each under a random
opaque token: nothing from a request path is joined to the filesystem, and a
token says nothing about whether its image is real.
"""
from __future__ import annotations

import csv
import json
import math
import random
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from deepcolor import turing_score
from deepcolor.turing_page import render_page

IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".gif": "image/gif", ".webp": "image/webp", ".bmp": "image/bmp"}
REAL = "real"
MAX_BODY = 4096            # the JSON bodies we accept are tiny
MAX_RESPONSE_MS = 3_600_000


@dataclass(frozen=True)
class Image:
    token: str
    path: Path
    truth: str                      # "real" or "colorized"
    model: str                      # "" for real images
    pair: str                       # file stem: pairs originals with colorizations
    paired_models: tuple[str, ...]  # real: models with this stem; colorized: ()

    @property
    def label(self) -> str:
        return f"{self.model or REAL}/{self.path.name}"


def list_images(directory) -> list[Path]:
    directory = Path(directory)
    if not directory.is_dir():
        raise ValueError(f"{directory}: not a directory")
    return sorted(p for p in directory.iterdir()
                  if p.is_file() and not p.name.startswith(".")
                  and p.suffix.lower() in IMAGE_TYPES)


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
        files = {name: list_images(d) for name, d in colorized}
        real = list_images(real_dir)
        for name, paths in [(REAL, real), *files.items()]:
            if not paths:
                raise ValueError(f"no {'/'.join(IMAGE_TYPES)} images for {name!r}")
        stems = {name: {p.stem for p in paths} for name, paths in files.items()}
        self.models = models
        self.pools: dict[str, list[Image]] = {REAL: [
            self._image(p, "real", "", tuple(m for m in models if p.stem in stems[m]))
            for p in real]}
        for name, paths in files.items():
            self.pools[name] = [self._image(p, "colorized", name, ()) for p in paths]
        self.by_token = {im.token: im for pool in self.pools.values() for im in pool}

    @staticmethod
    def _image(path, truth, model, paired) -> Image:
        return Image(secrets.token_hex(12), path, truth, model, path.stem, paired)

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
        try:  # PIL only reads headers here; without PIL skip the check
            from PIL import Image as PILImage
        except ImportError:
            return set()
        sizes = set()
        for im in self.pools[src]:
            try:
                with PILImage.open(im.path) as f:
                    sizes.add(f.size)
            except OSError:
                pass
        return sizes


def _sizes_text(sizes) -> str:
    return ", ".join(f"{w}x{h}" for w, h in sorted(sizes)[:3]) + (" ..." if len(sizes) > 3 else "")


class AnswerLog:
    """Appends one CSV row per answer; writes the header only into a new file."""

    def __init__(self, path):
        self.path = Path(path)
        self.lock = threading.Lock()
        if self.path.exists() and self.path.stat().st_size:
            with open(self.path, newline="", encoding="utf-8") as f:
                header = next(csv.reader(f), [])
            if header != turing_score.FIELDS:
                raise ValueError(f"{self.path} has columns {header}, not a "
                                 "`deepcolor turing` log: choose another --out")
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.path, "w", newline="", encoding="utf-8") as f:
                csv.writer(f).writerow(turing_score.FIELDS)

    def write(self, row: dict) -> None:
        with self.lock, open(self.path, "a", newline="", encoding="utf-8") as f:
            csv.DictWriter(f, turing_score.FIELDS).writerow(row)


class Session:
    def __init__(self, participant: str, trials: list[Image]):
        self.id = secrets.token_hex(12)
        self.participant = participant
        self.trials = trials
        self.rows: list[dict] = []
        self.lock = threading.Lock()


def session_score(rows: list[dict]) -> dict:
    """The participant's own numbers, computed exactly as `--score` does."""
    checked = [turing_score.check_row(r, "session") for r in rows]
    table = turing_score.score(checked)
    total = table.pop(turing_score.OVERALL)
    return {"correct": total.correct, "total": total.answers,
            "turing_fraction": turing_score.fmt_fraction(total.turing_fraction),
            "judged_real": total.judged_real, "colorized": total.colorized,
            "public_acceptance": turing_score.fmt_percent(total.public_acceptance)}


class TuringServer(ThreadingHTTPServer):
    """Serve a study; port 0 picks a free port (see `.url`), handy in tests."""
    daemon_threads = True

    def __init__(self, study: Study, out_csv, host="127.0.0.1", port=0, n=None,
                 seed=None, participant="", verbose=False):
        self.study, self.n, self.participant, self.verbose = study, n, participant, verbose
        self.log = AnswerLog(out_csv)
        self.rng = random.Random(seed)
        self.sessions: dict[str, Session] = {}
        self.lock = threading.Lock()
        self.answers = 0
        super().__init__((host, port), TuringHandler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}/"

    def start(self, participant: str) -> Session:
        with self.lock:  # one shared generator: --seed makes the study repeatable
            session = Session(participant, self.study.draw(self.rng, self.n))
            self.sessions[session.id] = session
        return session

    def answer(self, session: Session, index: int, answer: str, ms: int) -> dict:
        with session.lock:
            if index != len(session.rows) or index >= len(session.trials):
                raise LookupError(f"expected an answer to image {len(session.rows) + 1}")
            image = session.trials[index]
            row = {"timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                   "participant": session.participant, "session": session.id,
                   "trial": index + 1, "image": image.label, "truth": image.truth,
                   "model": image.model, "pair": image.pair,
                   "paired_models": ";".join(image.paired_models), "answer": answer,
                   "correct": int(answer == image.truth), "response_ms": ms}
            self.log.write(row)
            session.rows.append(row)
            with self.lock:
                self.answers += 1
            return self.state(session)

    def state(self, session: Session) -> dict:
        i = len(session.rows)
        if i == len(session.trials):
            return {"done": True, "total": i, "score": session_score(session.rows)}
        return {"done": False, "total": len(session.trials),
                "trial": {"index": i, "image": "/image/" + session.trials[i].token}}


class TuringHandler(BaseHTTPRequestHandler):
    server: TuringServer
    server_version = "deepcolor-turing"
    sys_version = ""

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self):
        path = urlsplit(self.path).path  # deliberately not unquoted or normalised
        if path == "/":
            page = render_page(self.server.participant).encode()
            return self._send(200, "text/html; charset=utf-8", page)
        image = self.server.study.by_token.get(path[len("/image/"):]) \
            if path.startswith("/image/") else None
        if image is None:
            return self._error(404, "not found")
        try:
            data = image.path.read_bytes()
        except OSError:
            return self._error(404, "not found")
        self._send(200, IMAGE_TYPES[image.path.suffix.lower()], data)

    def do_POST(self):
        path = urlsplit(self.path).path
        try:
            body = self._json()
            if path == "/api/start":
                name = " ".join(str(body.get("participant", "")).split())[:100]
                session = self.server.start(name or "anonymous")
                return self._reply(200, {"session": session.id, **self.server.state(session)})
            if path == "/api/answer":
                session = self.server.sessions.get(str(body.get("session")))
                if session is None:
                    return self._error(404, "unknown session: reload the page")
                index, ms, answer = body.get("index"), body.get("ms"), body.get("answer")
                if answer not in turing_score.ANSWERS or type(index) is not int \
                        or type(ms) not in (int, float) or not math.isfinite(ms) \
                        or not 0 <= ms <= MAX_RESPONSE_MS:
                    return self._error(400, "bad answer")
                return self._reply(200, self.server.answer(session, index, answer, round(ms)))
        except ValueError as e:
            return self._error(400, str(e))
        except LookupError as e:
            return self._error(409, str(e))
        self._error(404, "not found")

    def _json(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        if not 0 < length <= MAX_BODY:
            raise ValueError("body missing or too large")
        body = json.loads(self.rfile.read(length))
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
        return body

    def _reply(self, code: int, obj: dict):
        self._send(code, "application/json", json.dumps(obj).encode())

    def _error(self, code: int, message: str):
        self._reply(code, {"error": message})

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
