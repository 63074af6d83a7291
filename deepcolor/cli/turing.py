"""`deepcolor turing`: run or score a "real or colorized?" study.

Run a study (a local web page; one participant at a time or several at once):

    deepcolor turing --real photos/ --colorized out/unet --colorized dense=out/densenet \\
        [--out turing.csv] [--n 40] [--seed 0] [--participant P01] \\
        [--host 127.0.0.1] [--port 8000] [--max-seconds 3600]

Each answer is appended to the CSV (header written once) with the image, its
truth, the answer and the response time.  Colorized images are paired with
the real ones by file name stem (out/unet/cat.png pairs photos/cat.jpg).

Score one or more answer logs (Markdown table per model and overall):

    deepcolor turing --score turing.csv [more.csv ...]

Definitions of "turing fraction" (report 001) and "public acceptance"
(report 003) are in deepcolor/turing/score.py.  This module and its helpers
use only the standard library and PIL (which verifies the images; no numpy or
TensorFlow), so the command starts fast.  Files that are not served (links out of
the given folders, non-images) are listed on stderr at start-up.
"""
from __future__ import annotations

import argparse
import ipaddress
import sys
from pathlib import Path

from deepcolor.cli.serve import serve_until_stopped
from deepcolor.errors import printable
from deepcolor.turing import score as turing_score

MAX_REFUSED_LISTED = 20  # files refused from the pool, listed one per line at start-up


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="deepcolor turing",
        description="Serve a 'real or colorized?' web study, or score its answers.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Scores: turing fraction = correctly differentiated / images counted "
               "(report 001 Eq. 2, lower is better); public acceptance = colorized "
               "images judged real (report 003, higher is better).")
    p.add_argument("--score", nargs="+", metavar="CSV",
                   help="print the score table of these answer logs and exit")
    p.add_argument("--real", metavar="DIR", help="directory of real colour photos")
    p.add_argument("--colorized", action="append", default=[], metavar="[NAME=]DIR",
                   help="directory of one model's colorizations (repeatable); the "
                        "model is NAME, else the directory's name")
    p.add_argument("--out", default="turing.csv", metavar="CSV",
                   help="answer log to append to (default: %(default)s)")
    p.add_argument("--n", type=int, metavar="N",
                   help="images per participant (default: all), about half real")
    p.add_argument("--seed", type=int, help="seed the image order (default: random)")
    p.add_argument("--participant", default="", metavar="NAME",
                   help="name pre-filled on the page")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to listen on (default: %(default)s, this machine only)")
    p.add_argument("--port", type=int, default=8000, help="0 picks a free port "
                   "(default: %(default)s)")
    p.add_argument("--max-seconds", type=float, metavar="S",
                   help="stop serving after S seconds (default: until Ctrl-C)")
    p.add_argument("--verbose", action="store_true", help="log every request")
    return p


def parse_colorized(spec: str) -> tuple[str, str]:
    """'NAME=DIR' or 'DIR' -> (name, dir); an existing directory wins over '='."""
    if "=" in spec and not Path(spec).is_dir():
        name, directory = spec.split("=", 1)
        return name, directory
    return Path(spec).resolve().name, spec


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def serve(args) -> int:
    # Imported here so `--score` does not pay for the server at all.
    from deepcolor.turing.server import Study, TuringServer

    study = Study(args.real, [parse_colorized(c) for c in args.colorized])
    for path, why in study.refused[:MAX_REFUSED_LISTED]:
        print(f"refused {printable(path)}: {printable(why)}", file=sys.stderr)
    if len(study.refused) > MAX_REFUSED_LISTED:
        print(f"refused {len(study.refused) - MAX_REFUSED_LISTED} more files (not served)",
              file=sys.stderr)
    for warning in study.warnings():
        print(f"warning: {warning}", file=sys.stderr)
    if not _is_loopback(args.host):
        print(f"warning: listening on {args.host}: other machines can see the study "
              "and post answers", file=sys.stderr)
    server = TuringServer(study, args.out, args.host, args.port, n=args.n, seed=args.seed,
                          participant=args.participant, verbose=args.verbose)
    counts = ", ".join(f"{len(pool)} {src}" for src, pool in study.pools.items())
    print(f"Serving a real-or-colorized study at {server.url} ({counts} images; "
          f"{args.n or len(study)} per participant)", flush=True)
    print(f"Answers go to {printable(args.out)}. Stop with Ctrl-C.", flush=True)
    serve_until_stopped(server, args.max_seconds)  # Ctrl-C stops it cleanly
    print(f"{server.answers} answers recorded in {printable(args.out)}; "
          f"score with: deepcolor turing --score {printable(args.out)}", flush=True)
    return 0


def main(argv=None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.score:
        if args.real or args.colorized:
            parser.error("--score does not run a study: drop --real/--colorized")
        try:
            print(turing_score.report(args.score))
        except (OSError, turing_score.ScoreError) as e:
            print(f"deepcolor turing: {e}", file=sys.stderr)
            return 1
        return 0
    if not args.real or not args.colorized:
        parser.error("a study needs --real DIR and at least one --colorized DIR "
                     "(or use --score CSV)")
    if args.n is not None and args.n < 1:
        parser.error("--n must be at least 1")
    if not 0 <= args.port <= 65535:
        parser.error("--port must be 0..65535")
    try:
        return serve(args)
    except (OSError, ValueError) as e:
        print(f"deepcolor turing: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
