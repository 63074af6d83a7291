"""Web server for a "real or colorized?" study (see `deepcolor turing`).

Only the image files handed to `Study` are ever served, each under a random
opaque token: nothing from a request path is joined to the filesystem, and a
token says nothing about whether its image is real (the pool's own checks are in
`deepcolor.turing.pool`).

Hostile or broken clients: every request gets a response or a clean close. A
body is read with a timeout (`request_timeout`), malformed JSON of any depth is a
400, an unexpected error a 500 with one line on stderr, and a client that hangs
up mid-reply is dropped silently (no traceback on the terminal).
"""
from __future__ import annotations

import csv
import json
import math
import random
import secrets
import sys
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from deepcolor.turing import score as turing_score
from deepcolor.turing.page import render_page
from deepcolor.turing.pool import Image, Study, read_served  # noqa: F401  (Study: re-export)

MAX_BODY = 4096            # the JSON bodies we accept are tiny
MAX_RESPONSE_MS = 3_600_000
REQUEST_TIMEOUT = 5.0      # seconds a client may stall mid-request before it is dropped


MAX_NESTING = 8  # an answer is {"token": ..., "answer": ...}: depth 1


def _nesting(data: bytes) -> int:
    """The deepest bracket nesting of a JSON text, brackets inside strings ignored."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in data:
        if in_string:
            escaped, in_string = (not escaped and byte == 0x5C), in_string and (escaped or byte != 0x22)
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


class StalledBody(Exception):
    """The client sent less body than its Content-Length and then went quiet."""


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
                 seed=None, participant="", verbose=False, request_timeout=REQUEST_TIMEOUT):
        self.study, self.n, self.participant, self.verbose = study, n, participant, verbose
        self.request_timeout = request_timeout
        self.log = AnswerLog(out_csv)
        self.rng = random.Random(seed)
        self.sessions: dict[str, Session] = {}
        self.lock = threading.Lock()
        self.answers = 0
        super().__init__((host, port), TuringHandler)

    def handle_error(self, request, client_address):
        """One line, never a traceback; nothing at all for a client that hung up or
        stalled (socketserver would print the traceback of each)."""
        error = sys.exc_info()[1]
        if not isinstance(error, (ConnectionError, TimeoutError)):
            print(f"deepcolor turing: error serving {client_address[0]}: "
                  f"{type(error).__name__}: {error}", file=sys.stderr, flush=True)

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

    def setup(self):
        self.timeout = self.server.request_timeout  # socket timeout for every read/write
        self.replied = False
        super().setup()

    def log_message(self, format, *args):
        if self.server.verbose:
            super().log_message(format, *args)

    def do_GET(self):
        self._guarded(self._get)

    def do_POST(self):
        self._guarded(self._post)

    def _guarded(self, route):
        """Run `route`; an unexpected error still gets a reply (500) and one line."""
        try:
            route()
        except (ConnectionError, TimeoutError):
            raise  # the client is gone or stalled: server.handle_error drops it quietly
        except Exception as error:
            self.server.handle_error(self.request, self.client_address)
            if not self.replied:
                self._error(500, f"internal error ({type(error).__name__})")
            self.close_connection = True

    def _get(self):
        path = urlsplit(self.path).path  # deliberately not unquoted or normalised
        if path == "/":
            page = render_page(self.server.participant).encode()
            return self._send(200, "text/html; charset=utf-8", page)
        image = self.server.study.by_token.get(path[len("/image/"):]) \
            if path.startswith("/image/") else None
        if image is None:
            return self._error(404, "not found")
        try:
            data = read_served(image)
        except OSError:
            return self._error(404, "not found")
        self._send(200, image.ctype, data)

    def _post(self):
        path = urlsplit(self.path).path
        try:
            body = self._json()
            if path == "/api/start":
                name = " ".join(str(body.get("participant", "")).split())[:100]
                # JSON can carry lone surrogates ("\\udce9"), which no UTF-8 log can hold.
                name = name.encode("utf-8", "replace").decode("utf-8")
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
        except StalledBody:
            self.close_connection = True
            return self._error(408, "request body timed out")
        self._error(404, "not found")

    def _json(self) -> dict:
        length = self.headers.get("Content-Length") or "0"
        if not length.isdigit() or not 0 < int(length) <= MAX_BODY:
            raise ValueError("body missing or too large")
        try:
            data = self.rfile.read(int(length))
        except TimeoutError:  # the socket timeout (setup) ends a stalled short body
            raise StalledBody() from None
        if len(data) != int(length):  # the client closed its side early
            raise ValueError("body shorter than its Content-Length")
        # "[[[[...": json recurses per level, and whether 2,000 levels overflow depends
        # on the process's recursion limit; an answer is a flat object, so refuse depth.
        if _nesting(data) > MAX_NESTING:
            raise ValueError("JSON nested too deeply")
        try:
            body = json.loads(data)
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
        if not isinstance(body, dict):
            raise ValueError("expected a JSON object")
        return body

    def _reply(self, code: int, obj: dict):
        self._send(code, "application/json", json.dumps(obj).encode())

    def _error(self, code: int, message: str):
        self._reply(code, {"error": message})

    def _send(self, code: int, ctype: str, data: bytes):
        self.replied = True
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
