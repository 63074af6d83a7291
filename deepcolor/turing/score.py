"""Score "real or colorized?" answers recorded by `deepcolor turing`.

Two numbers per model (the colorized directory's name) and overall:

public acceptance (report 003, after Deep Koalarization's user study)
    colorized images judged "real" / colorized images shown.
    Higher means more convincing colorizations; computed over colorized
    answers only.

turing fraction (report 001, section 4.3, Eq. 2)
    # correctly differentiated images / # total images.
    001 shows participants original images together with their colorized
    versions and asks which are original, so its "total images" are the
    originals plus the colorizations.  Our page shows one image at a time;
    an image is "correctly differentiated" when its answer equals its truth.
    For a model M the images counted are its pairs: every answer on one of
    M's colorized images, plus every answer on a real image that has a
    colorization by M (same file stem; the `paired_models` column records
    which models have one).  A real image paired with several models
    counts once for each of them.  If no stem matches (an unpaired study)
    only M's colorized answers count and the fraction is 1 - acceptance.
    Overall it is correct answers / all answers.  Lower is better for the
    model; 0.5 is what a participant guessing at random scores.
"""
from __future__ import annotations

import csv
from dataclasses import dataclass

FIELDS = ["timestamp", "participant", "session", "trial", "image", "truth", "model",
          "pair", "paired_models", "answer", "correct", "response_ms"]
ANSWERS = ("real", "colorized")
OVERALL = "overall"


class ScoreError(ValueError):
    """A CSV that is not a `deepcolor turing` answer log."""


@dataclass
class Tally:
    """Counts behind one row of the score table."""
    answers: int = 0          # images counted for the turing fraction
    correct: int = 0          # ... of which correctly differentiated
    colorized: int = 0        # colorized images shown
    judged_real: int = 0      # ... of which the participant called real
    response_ms: int = 0      # summed over the counted answers

    @property
    def turing_fraction(self) -> float | None:
        return self.correct / self.answers if self.answers else None

    @property
    def public_acceptance(self) -> float | None:
        return self.judged_real / self.colorized if self.colorized else None

    @property
    def mean_ms(self) -> float | None:
        return self.response_ms / self.answers if self.answers else None

    def add(self, row: dict, counts_colorized: bool) -> None:
        self.answers += 1
        self.correct += row["answer"] == row["truth"]
        self.response_ms += row["response_ms"]
        if counts_colorized:
            self.colorized += 1
            self.judged_real += row["answer"] == "real"


def check_row(row: dict, where: str) -> dict:
    """Validate and normalise one answer; `where` names it in errors."""
    missing = [f for f in ("truth", "model", "answer") if row.get(f) is None]
    if missing:
        raise ScoreError(f"{where}: missing column(s) {', '.join(missing)}")
    if row["truth"] not in ANSWERS or row["answer"] not in ANSWERS:
        raise ScoreError(f"{where}: truth/answer must be 'real' or 'colorized', "
                         f"got {row['truth']!r}/{row['answer']!r}")
    if row["truth"] == "colorized" and not row["model"]:
        raise ScoreError(f"{where}: colorized image without a model")
    try:
        ms = int(float(row.get("response_ms") or 0))
    except ValueError:
        raise ScoreError(f"{where}: response_ms {row['response_ms']!r} is not a number")
    paired = [m for m in (row.get("paired_models") or "").split(";") if m]
    return {**row, "response_ms": ms, "paired": paired}


def read_answers(paths) -> list[dict]:
    rows = []
    for path in paths:
        with open(path, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            if not reader.fieldnames or "truth" not in reader.fieldnames:
                raise ScoreError(f"{path}: no header with a 'truth' column")
            # Line numbers start at 2: line 1 is the header.
            rows += [check_row(r, f"{path}:{n}") for n, r in enumerate(reader, 2)]
    return rows


def score(rows) -> dict[str, Tally]:
    """Tallies per model (sorted by name) then OVERALL, from checked rows."""
    models: dict[str, Tally] = {}
    overall = Tally()
    for row in rows:
        colorized = row["truth"] == "colorized"
        overall.add(row, colorized)
        if colorized:
            models.setdefault(row["model"], Tally()).add(row, True)
    for row in rows:
        # Second pass so a real image only counts for models actually shown.
        if row["truth"] == "real":
            for model in row["paired"]:
                if model in models:
                    models[model].add(row, False)
    table = {name: models[name] for name in sorted(models)}
    table[OVERALL] = overall
    return table


def fmt_fraction(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def fmt_percent(x: float | None) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


def markdown_table(table: dict[str, Tally]) -> str:
    lines = ["| model | colorized shown | judged real | public acceptance "
             "| images counted | correctly differentiated | turing fraction "
             "| mean response (ms) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for name, t in table.items():
        label = f"**{name}**" if name == OVERALL else name
        lines.append(f"| {label} | {t.colorized} | {t.judged_real} "
                     f"| {fmt_percent(t.public_acceptance)} | {t.answers} | {t.correct} "
                     f"| {fmt_fraction(t.turing_fraction)} "
                     f"| {'n/a' if t.mean_ms is None else round(t.mean_ms)} |")
    return "\n".join(lines)


def report(paths) -> str:
    rows = read_answers(paths)
    if not rows:
        raise ScoreError("no answers in " + ", ".join(map(str, paths)))
    participants = {r.get("participant", "") for r in rows}
    head = (f"{len(rows)} answers from {len(participants)} participant(s). "
            "Public acceptance: colorized images judged real (report 003; higher "
            "fools more). Turing fraction: correctly differentiated / images counted, "
            "a model's colorizations plus their paired originals (report 001 Eq. 2; "
            "lower is better, 0.5 = chance).")
    return head + "\n\n" + markdown_table(score(rows))
