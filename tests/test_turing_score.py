"""`deepcolor turing --score` on a hand-computed example."""
import csv

import pytest

from deepcolor.cli import turing
from deepcolor.turing import score as turing_score
from deepcolor.turing.score import FIELDS

# (participant, image, truth, model, paired_models, answer, response_ms)
P1 = [
    ("p1", "real/a.png", "real", "", "unet;dense", "real", 1000),       # correct
    ("p1", "real/b.png", "real", "", "unet", "colorized", 2000),        # wrong
    ("p1", "real/c.png", "real", "", "dense", "real", 3000),            # correct
    ("p1", "real/d.png", "real", "", "mobile", "real", 4000),         # correct; mobile never shown
    ("p1", "unet/a.png", "colorized", "unet", "", "real", 500),         # fooled
    ("p1", "unet/b.png", "colorized", "unet", "", "colorized", 1500),   # correct
    ("p1", "dense/a.png", "colorized", "dense", "", "colorized", 600),  # correct
    ("p1", "dense/c.png", "colorized", "dense", "", "colorized", 900),  # correct
]
P2 = [
    ("p2", "unet/a.png", "colorized", "unet", "", "real", 1000),        # fooled
    ("p2", "dense/c.png", "colorized", "dense", "", "real", 1200),      # fooled
]
# By hand:
# unet : colorized 3, judged real 2 -> 66.7%; counted = 3 colorized + real a, b = 5,
#        correct = unet/b + real/a = 2 -> 0.400; ms (500+1500+1000+1000+2000)/5 = 1200
# dense: colorized 3, judged real 1 -> 33.3%; counted = 3 + real a, c = 5,
#        correct = dense/a, dense/c (p1), real a, real c = 4 -> 0.800; ms 6700/5 = 1340
# all  : 10 answers, correct 6 -> 0.600; colorized 6, judged real 3 -> 50.0%; ms 1570
EXPECTED = [
    "| dense | 3 | 1 | 33.3% | 5 | 4 | 0.800 | 1340 |",
    "| unet | 3 | 2 | 66.7% | 5 | 2 | 0.400 | 1200 |",
    "| **overall** | 6 | 3 | 50.0% | 10 | 6 | 0.600 | 1570 |",
]


def write_log(path, rows):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, FIELDS)
        w.writeheader()
        for i, (who, image, truth, model, paired, answer, ms) in enumerate(rows, 1):
            w.writerow({"timestamp": "2026-01-01T00:00:00+00:00", "participant": who,
                        "session": who, "trial": i, "image": image, "truth": truth,
                        "model": model, "pair": image.split("/")[1].split(".")[0],
                        "paired_models": paired, "answer": answer,
                        "correct": int(truth == answer), "response_ms": ms})
    return path


def test_hand_computed_table(tmp_path, capsys):
    logs = [write_log(tmp_path / "p1.csv", P1), write_log(tmp_path / "p2.csv", P2)]
    assert turing.main(["--score", *map(str, logs)]) == 0
    out = capsys.readouterr().out
    lines = [l for l in out.splitlines() if l.startswith("| ")]
    assert lines[0].startswith("| model | colorized shown | judged real | public acceptance")
    assert lines[1:] == EXPECTED  # sorted models, mobile (never shown) left out
    assert out.startswith("10 answers from 2 participant(s).")


def test_tallies_are_exact(tmp_path):
    table = turing_score.score(turing_score.read_answers([write_log(tmp_path / "a.csv", P1 + P2)]))
    assert list(table) == ["dense", "unet", "overall"]
    assert table["unet"].turing_fraction == pytest.approx(2 / 5)
    assert table["unet"].public_acceptance == pytest.approx(2 / 3)
    assert table["overall"].public_acceptance == pytest.approx(0.5)


def test_unpaired_study_turing_fraction_is_one_minus_acceptance(tmp_path):
    rows = [("p", "real/x.png", "real", "", "", "real", 10),
            ("p", "m/y.png", "colorized", "m", "", "real", 10),
            ("p", "m/z.png", "colorized", "m", "", "real", 10),
            ("p", "m/w.png", "colorized", "m", "", "colorized", 10)]
    table = turing_score.score(turing_score.read_answers([write_log(tmp_path / "u.csv", rows)]))
    assert table["m"].answers == 3
    assert table["m"].turing_fraction == pytest.approx(1 - table["m"].public_acceptance)
    assert table["overall"].turing_fraction == pytest.approx(2 / 4)


def test_bad_rows_are_reported_with_file_and_line(tmp_path, capsys):
    log = write_log(tmp_path / "bad.csv", P1[:2] + [("p", "m/y.png", "colorized", "m", "",
                                                    "maybe", 10)])
    assert turing.main(["--score", str(log)]) == 1
    assert f"{log}:4" in capsys.readouterr().err


def test_colorized_row_needs_a_model(tmp_path):
    log = write_log(tmp_path / "nomodel.csv", [("p", "x/y.png", "colorized", "", "", "real", 1)])
    with pytest.raises(turing_score.ScoreError, match="without a model"):
        turing_score.read_answers([log])


def test_not_a_turing_log_and_empty_log(tmp_path, capsys):
    other = tmp_path / "other.csv"
    other.write_text("a,b\n1,2\n")
    assert turing.main(["--score", str(other)]) == 1
    assert "truth" in capsys.readouterr().err
    empty = write_log(tmp_path / "empty.csv", [])
    assert turing.main(["--score", str(empty)]) == 1
    assert "no answers" in capsys.readouterr().err
