"""`deepcolor turing` defects of the second reliability run (issue 19); each test failed
before its fix. N5 a file name that is not UTF-8 was served, but no answer to it could
be recorded (400 on every retry: every participant stuck there); N13 a served image
replaced after start-up by a hard link to another file (like /etc/passwd) was served."""
import os

from tests.test_turing_server import start_cli
from tests.turing_helpers import (make_study, make_study_dirs, post, read_rows, request,
                                  running_server)

SECRET = b"root:x:0:0:root:/root:/bin/bash\n"
LATIN1 = os.fsdecode(b"caf\xe9.png")  # a Latin-1 name on a UTF-8 file system


def _answer_all(server):
    _, state = post(server, "/api/start", {"participant": "P\udce9"})  # a lone surrogate too
    statuses = []
    for index in range(state["total"]):  # bounded: one answer per trial
        status, reply = post(server, "/api/answer", {"session": state["session"],
                                                     "index": index, "answer": "real", "ms": 5})
        statuses.append(status)
    return state, statuses


def test_n5_a_non_utf8_file_name_is_refused_at_start_up_and_every_answer_recorded(tmp_path):
    make_study_dirs(tmp_path)
    (tmp_path / "real" / LATIN1).write_bytes((tmp_path / "real" / "a.png").read_bytes())
    study = make_study(tmp_path)
    refused = {path.name: why for path, why in study.refused}
    assert list(refused) == [LATIN1] and "not UTF-8" in refused[LATIN1]
    out = tmp_path / "answers.csv"
    with running_server(study, out, seed=0) as server:
        state, statuses = _answer_all(server)
    assert statuses == [200] * state["total"]
    rows = read_rows(out)
    assert len(rows) == state["total"] and rows[0]["participant"] == "P?"


def test_n5_the_refusal_is_one_printable_line(tmp_path):
    make_study_dirs(tmp_path)
    (tmp_path / "real" / LATIN1).write_bytes((tmp_path / "real" / "a.png").read_bytes())
    proc, _ = start_cli(tmp_path, "--max-seconds", "1")
    try:
        _, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    lines = [line for line in err.splitlines() if line.startswith("refused ")]
    assert len(lines) == 1 and "caf\\xe9.png" in lines[0] and "not UTF-8" in lines[0], err
    assert "Traceback" not in err and proc.returncode == 0


def test_n13_an_image_swapped_after_start_up_is_not_served(tmp_path):
    known = make_study_dirs(tmp_path)
    secret = tmp_path / "secret.txt"  # /etc/passwd is on another file system here
    secret.write_bytes(SECRET)
    study = make_study(tmp_path)
    tokens = {im.path.name: token for token, im in study.by_token.items()
              if im.truth == "real"}
    with running_server(study, tmp_path / "a.csv", seed=0) as server:
        assert request(server, "GET", f"/image/{tokens['a.png']}")[1] in known
        # A hard link to another file in its place (a regular file, not a symlink):
        (tmp_path / "real" / "a.png").unlink()
        os.link(secret, tmp_path / "real" / "a.png")
        status, body = request(server, "GET", f"/image/{tokens['a.png']}")
        assert status == 404 and SECRET not in body
        # The same file rewritten in place with other bytes (same inode):
        b = tmp_path / "real" / "b.png"
        with open(b, "r+b") as f:
            f.write(SECRET)
        status, body = request(server, "GET", f"/image/{tokens['b.png']}")
        assert status == 404 and SECRET not in body
        # The untouched images are still served.
        status, body = request(server, "GET", f"/image/{tokens['c.png']}")
        assert status == 200 and body in known
