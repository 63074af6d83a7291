"""`deepcolor turing` against hostile files and clients: links out of the study
folders and non-images stay out of the pool; nested JSON, short bodies, hang-ups
and internal errors get a reply or a clean close, never a traceback. All sockets
are on 127.0.0.1 with timeouts and bounded loops."""
import os
import socket
import struct
import time

import pytest

from tests.test_turing_server import start_cli
from tests.turing_helpers import (make_study, make_study_dirs, post, read_rows, request,
                                  running_server)

SECRET = b"root:x:0:0:root:/root:/bin/bash\n"


@pytest.fixture
def hostile_dir(tmp_path):
    """The usual study plus files that must not be served (all in real/)."""
    known = make_study_dirs(tmp_path)
    (tmp_path / "secret.txt").write_bytes(SECRET)
    (tmp_path / "outside.png").write_bytes((tmp_path / "real" / "a.png").read_bytes())
    real = tmp_path / "real"
    (real / "evil.png").symlink_to(tmp_path / "secret.txt")       # like -> /etc/passwd
    (real / "passwd.png").symlink_to("/etc/passwd")
    (real / "outside.png").symlink_to(tmp_path / "outside.png")   # an image, but outside
    (real / "broken.png").symlink_to(tmp_path / "missing.png")
    (real / "loop.png").symlink_to("loop.png")
    (real / "text.png").write_bytes(SECRET)                        # not an image
    (real / "cut.png").write_bytes((real / "a.png").read_bytes()[:40])  # truncated
    os.mkfifo(real / "fifo.png")                                   # would block a reader
    (real / "alias.png").symlink_to("b.png")                       # inside: allowed
    return tmp_path, known


REFUSED = {"evil.png": "outside", "passwd.png": "outside", "outside.png": "outside",
           "broken.png": "broken", "loop.png": "broken", "text.png": "not a readable image",
           "cut.png": "not a readable image", "fifo.png": "not a regular file"}


def test_only_verified_images_inside_the_folders_enter_the_pool(hostile_dir):
    root, known = hostile_dir
    study = make_study(root)
    refused = {path.name: why for path, why in study.refused}
    assert set(refused) == set(REFUSED)
    for name, words in REFUSED.items():
        assert words in refused[name], (name, refused[name])
    assert sorted(im.path.name for im in study.pools["real"]) == \
        ["a.png", "alias.png", "b.png", "c.png", "d.png"]
    out = root / "answers.csv"
    with running_server(study, out, seed=0) as server:
        for token, image in study.by_token.items():
            status, body = request(server, "GET", f"/image/{token}")
            assert status == 200 and body in known and SECRET not in body, image.label
        _, state = post(server, "/api/start", {})
        for index in range(state["total"]):  # bounded: one answer per trial
            _, reply = post(server, "/api/answer", {"session": state["session"],
                                                    "index": index, "answer": "real", "ms": 5})
    labels = {row["image"] for row in read_rows(out)}
    assert len(labels) == len(study) and not labels & {f"real/{n}" for n in REFUSED}


def test_cli_lists_refused_files_at_start_up(hostile_dir):
    root, _ = hostile_dir
    (root / "real" / "alias.png").unlink()  # start_cli expects the usual 4 real images
    proc, _ = start_cli(root, "--max-seconds", "1")
    try:
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    lines = [line for line in err.splitlines() if line.startswith("refused ")]
    assert sorted(line.split(": ")[0].rsplit("/", 1)[1] for line in lines) == sorted(REFUSED)
    assert "Traceback" not in err and proc.returncode == 0


def _raw(server, data: bytes, wait: float = 10.0) -> bytes:
    """Send raw bytes; return everything the server sends until it closes."""
    with socket.create_connection(server.server_address[:2], timeout=wait) as sock:
        sock.sendall(data)
        chunks = []
        while True:
            chunk = sock.recv(65536)  # a timeout here fails the test
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)


def _post_raw(path: str, body: bytes, length: int) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {length}\r\n\r\n").encode() + body


@pytest.fixture
def server(tmp_path):
    make_study_dirs(tmp_path)
    with running_server(make_study(tmp_path), tmp_path / "a.csv",
                        request_timeout=3.0) as server:  # slack for a loaded CI machine
        yield server


def test_nested_json_and_bad_content_length_get_400(server):
    nested = b"[" * 2000 + b"]" * 2000  # 4,000 bytes: under the body limit
    status, body = request(server, "POST", "/api/answer", raw_body=nested)
    assert status == 400 and b"nested" in body
    for length in ("abc", "-5", "99999"):
        reply = _raw(server, _post_raw("/api/start", b"{}", 0).replace(
            b"Content-Length: 0", f"Content-Length: {length}".encode()))
        assert reply.startswith(b"HTTP/1.0 400"), (length, reply[:80])


def test_a_body_shorter_than_its_length_is_timed_out(server):
    started = time.monotonic()
    reply = _raw(server, _post_raw("/api/start", b'{"a"', 100), wait=8)
    assert reply.startswith(b"HTTP/1.0 408") and time.monotonic() - started < 5
    assert request(server, "GET", "/")[0] == 200  # still serving


def test_hang_ups_and_internal_errors_print_no_traceback(server, capfd):
    token = next(iter(server.study.by_token))
    for _ in range(50):  # clients that reset the connection while being answered
        sock = socket.create_connection(server.server_address[:2], timeout=5)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.sendall(f"GET /image/{token} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        sock.close()
    # An unexpected error inside a handler: a 500 reply and one line, no traceback.
    server.start = lambda participant: 1 / 0
    status, body = request(server, "POST", "/api/start", {})
    assert status == 500 and b"ZeroDivisionError" in body
    assert request(server, "GET", "/")[0] == 200  # still serving
    time.sleep(0.5)  # let the hung-up clients' threads finish
    err = capfd.readouterr().err
    assert "Traceback" not in err and "ConnectionReset" not in err and "BrokenPipe" not in err
    assert err.count("ZeroDivisionError") == 1, err
