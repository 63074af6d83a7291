"""The `deepcolor turing` web server: what it serves, what it records, how it stops."""
import json
import random
import re
import signal
import subprocess
import sys
import time
from collections import Counter

import pytest
from PIL import Image

from deepcolor.cli import turing
from deepcolor.turing import score as turing_score
from deepcolor.turing.server import AnswerLog, Study
from tests.turing_helpers import (fetch, make_study, make_study_dirs, post, read_rows,
                                  request, running_server)


@pytest.fixture
def study_dir(tmp_path):
    known = make_study_dirs(tmp_path)
    return tmp_path, known


def test_a_full_session_is_recorded_and_scored(study_dir):
    root, known = study_dir
    out = root / "answers.csv"
    with running_server(make_study(root), out, seed=3, participant="P7") as server:
        status, page = request(server, "GET", "/")
        assert status == 200 and b"Real or colorized?" in page and b'value="P7"' in page
        status, state = post(server, "/api/start", {"participant": "  Ann \n Lee "})
        assert status == 200 and state["total"] == 9
        sid, shown, answers = state["session"], [], []
        while not state["done"]:
            status, data = request(server, "GET", state["trial"]["image"])
            assert status == 200
            shown.append(known[data])
            answers.append(random.Random(len(shown)).choice(["real", "colorized"]))
            status, state = post(server, "/api/answer", {
                "session": sid, "index": len(shown) - 1, "answer": answers[-1],
                "ms": 250.4 * len(shown)})
            assert status == 200, state
    rows = read_rows(out)
    assert sorted(shown) == sorted(f"{s}/{x}.png" for s, xs in
                                   {"real": "abcd", "unet": "abc", "dense": "ad"}.items()
                                   for x in xs)
    assert [r["image"] for r in rows] == shown
    assert [r["answer"] for r in rows] == answers
    assert [int(r["trial"]) for r in rows] == list(range(1, 10))
    assert [int(r["response_ms"]) for r in rows] == [round(250.4 * i) for i in range(1, 10)]
    assert {r["participant"] for r in rows} == {"Ann Lee"}
    for r in rows:
        source, name = r["image"].split("/")
        assert r["truth"] == ("real" if source == "real" else "colorized")
        assert r["model"] == ("" if source == "real" else source)
        assert r["correct"] == str(int(r["answer"] == r["truth"]))
    paired = {r["image"]: r["paired_models"] for r in rows if r["truth"] == "real"}
    assert paired == {"real/a.png": "unet;dense", "real/b.png": "unet",
                      "real/c.png": "unet", "real/d.png": "dense"}
    total = turing_score.score(turing_score.read_answers([out]))["overall"]
    correct = sum(a == ("real" if s.startswith("real/") else "colorized")
                  for s, a in zip(shown, answers))
    assert state["score"]["correct"] == total.correct == correct
    assert state["score"]["turing_fraction"] == f"{correct / 9:.3f}"
    assert state["score"]["public_acceptance"] == turing_score.fmt_percent(
        total.public_acceptance)


BAD_PATHS = ["/image/../../etc/passwd", "/../../etc/passwd", "/etc/passwd",
             "/image//etc/passwd", "/image/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
             "/image/..%2f..%2fetc%2fpasswd", "/image/%2Fetc%2Fpasswd", "/image/",
             "/image/" + "0" * 24, "/image/real/a.png", "/real/a.png", "/unet/a.png",
             "//etc/passwd", "http://127.0.0.1/etc/passwd", "/image/..\\..\\etc\\passwd",
             "/index.html", "/api/start"]


def test_only_the_given_images_are_served(study_dir):
    root, _ = study_dir
    study = make_study(root)
    token = next(iter(study.by_token))
    bad = BAD_PATHS + [f"/image/{root}/real/a.png", f"{root}/real/a.png",
                       f"/image/{token}/../{token}", f"/image/{token}%00",
                       f"/image/{token}/", f"/image/{token.upper()}"]
    with running_server(study, root / "a.csv") as server:
        assert request(server, "GET", f"/image/{token}")[0] == 200
        assert request(server, "GET", f"/image/{token}?x=1")[0] == 200
        for path in bad:
            status, body = request(server, "GET", path)
            assert status == 404, path
            assert b"root:" not in body and b"PNG" not in body, path
        assert request(server, "PUT", f"/image/{token}")[0] == 501
        assert request(server, "POST", "/image/" + token, {})[0] == 404


def test_bad_answers_are_refused_and_not_recorded(study_dir):
    root, _ = study_dir
    out = root / "a.csv"
    with running_server(make_study(root), out, n=2) as server:
        _, state = post(server, "/api/start", {})
        sid = state["session"]
        good = {"session": sid, "index": 0, "answer": "real", "ms": 100}
        for body, code in [({**good, "index": 1}, 409), ({**good, "session": "nope"}, 404),
                           ({**good, "answer": "maybe"}, 400), ({**good, "ms": -1}, 400),
                           ({**good, "ms": True}, 400), ({**good, "ms": "5"}, 400),
                           ({**good, "index": "0"}, 400), ({**good, "ms": 1e12}, 400)]:
            assert post(server, "/api/answer", body)[0] == code, body
        assert request(server, "POST", "/api/answer", raw_body=b"{not json")[0] == 400
        assert request(server, "POST", "/api/answer", raw_body=b"[1]")[0] == 400
        assert request(server, "POST", "/api/answer", raw_body=b" " * 5000)[0] == 400
        assert request(server, "POST", "/api/other", good)[0] == 404
        assert read_rows(out) == []
        assert post(server, "/api/answer", good)[0] == 200
        assert post(server, "/api/answer", good)[0] == 409  # a double click
        status, state = post(server, "/api/answer", {**good, "index": 1})
        assert status == 200 and state["done"] and state["score"]["total"] == 2
        assert post(server, "/api/answer", {**good, "index": 2})[0] == 409
    rows = read_rows(out)
    assert len(rows) == 2 and {r["participant"] for r in rows} == {"anonymous"}


def test_log_appends_with_one_header_and_refuses_foreign_csv(study_dir):
    root, _ = study_dir
    out = root / "log.csv"
    for participant in ("one", "two"):
        with running_server(make_study(root), out, n=1) as server:
            _, state = post(server, "/api/start", {"participant": participant})
            post(server, "/api/answer", {"session": state["session"], "index": 0,
                                         "answer": "real", "ms": 5})
    lines = out.read_text().splitlines()
    assert lines[0] == ",".join(turing_score.FIELDS) and len(lines) == 3
    assert [r["participant"] for r in read_rows(out)] == ["one", "two"]
    foreign = root / "foreign.csv"
    foreign.write_text("x,y\n")
    with pytest.raises(ValueError, match="not a `deepcolor turing` log"):
        AnswerLog(foreign)


def test_draw_is_half_real_seeded_and_complete(study_dir):
    root, _ = study_dir
    study = make_study(root)
    labels = lambda ims: [im.label for im in ims]  # noqa: E731
    six = study.draw(random.Random(0), 6)  # real, unet, real, dense, real, unet
    assert Counter(im.model or "real" for im in six) == {"real": 3, "unet": 2, "dense": 1}
    assert labels(study.draw(random.Random(5), 6)) == labels(study.draw(random.Random(5), 6))
    everything = labels(study.draw(random.Random(1), 100))
    assert len(everything) == len(set(everything)) == len(study) == 9
    orders = {tuple(labels(study.draw(random.Random(s)))) for s in range(5)}
    assert len(orders) > 1  # the order really is shuffled


def test_study_checks_its_inputs(study_dir, tmp_path):
    root, _ = study_dir
    (root / "empty").mkdir()
    with pytest.raises(ValueError, match="repeat"):
        Study(root / "real", [("unet", root / "unet"), ("unet", root / "dense")])
    with pytest.raises(ValueError, match="no .* images"):
        Study(root / "real", [("empty", root / "empty")])
    with pytest.raises(ValueError, match="not a directory"):
        Study(root / "missing", [("unet", root / "unet")])
    for name in ("real", "overall", "a;b", ""):
        with pytest.raises(ValueError, match="NAME=DIR"):
            Study(root / "real", [(name, root / "unet")])
    assert make_study(root).warnings() == []
    (root / "big").mkdir()
    Image.new("RGB", (30, 20)).save(root / "big" / "a.jpg")
    warnings = Study(root / "real", [("big", root / "big")]).warnings()
    assert len(warnings) == 2 and "size" in warnings[1] and "30x20" in warnings[1]


def test_colorized_names(tmp_path):
    (tmp_path / "out").mkdir()
    (tmp_path / "a=b").mkdir()
    assert turing.parse_colorized(str(tmp_path / "out")) == ("out", str(tmp_path / "out"))
    assert turing.parse_colorized("unet=some/dir") == ("unet", "some/dir")
    assert turing.parse_colorized(str(tmp_path / "a=b"))[0] == "a=b"


def test_cli_argument_errors(capsys):
    with pytest.raises(SystemExit):
        turing.main(["--real", "x"])
    with pytest.raises(SystemExit):
        turing.main(["--score", "a.csv", "--real", "x"])
    assert turing.main(["--real", "/nonexistent", "--colorized", "/nonexistent2"]) == 1
    assert "not a directory" in capsys.readouterr().err


def start_cli(root, *extra):
    cmd = [sys.executable, "-m", "deepcolor", "turing", "--real", str(root / "real"),
           "--colorized", str(root / "unet"), "--colorized", f"d2={root / 'dense'}",
           "--port", "0", "--out", str(root / "cli.csv"), *extra]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    match = re.search(r"(http://127\.0\.0\.1:\d+/)", line)
    assert match, line + proc.stderr.read()
    assert "4 real, 3 unet, 2 d2 images" in line
    return proc, match.group(1)


def test_cli_serves_on_loopback_and_stops_after_max_seconds(study_dir):
    root, _ = study_dir
    started = time.monotonic()
    proc, url = start_cli(root, "--max-seconds", "4")
    try:
        assert b"Real or colorized?" in fetch(url)
        assert json.loads(fetch(url + "api/start", b"{}"))["total"] == 9
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert time.monotonic() - started < 15
    assert "0 answers recorded" in out


def test_cli_stops_cleanly_on_ctrl_c(study_dir):
    root, _ = study_dir
    proc, url = start_cli(root)
    try:
        assert b"Real or colorized?" in fetch(url)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    finally:
        proc.kill()
    assert proc.returncode == 0, err
    assert "answers recorded" in out and "Traceback" not in err


def test_turing_command_does_not_import_heavy_libraries():
    code = ("import sys, deepcolor.cli, deepcolor.cli.turing, deepcolor.turing.server; "
            "print(sorted({m.split('.')[0] for m in sys.modules} & "
            "{'tensorflow', 'keras', 'numpy', 'cv2', 'pandas'}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert out.strip() == "[]"
