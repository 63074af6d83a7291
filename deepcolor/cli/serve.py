"""`deepcolor serve`: a local page to colorize photos in.

    deepcolor serve [--model PATH] [--out DIR] [--port 8765] [--render-size PX]
                    [--saturation GAIN] [--max-seconds S]

Open the printed address (http://127.0.0.1:PORT/) in a browser, drop photos on the
page, and each comes back as gray | colorized | original with a download button. The
colorized files (PNG, with the photo's metadata and the colorized mark) are written
into `--out` (default ./colorized) and nowhere else; uploads are checked as the
Turing server checks them (deepcolor/studio/server.py). The server listens on
127.0.0.1 only: other machines cannot reach it. Stop it with Ctrl-C.
"""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import List, Optional

from deepcolor.errors import UsageError, run_command

PROG = "deepcolor serve"


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print usage and exit; we want one line
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="SavedModel, .keras file or run folder "
                                         "(default: the shipped colorizer)")
    parser.add_argument("--out", default="colorized", help="output folder (default ./colorized)")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (0: any free)")
    parser.add_argument("--render-size", type=int, metavar="PX",
                        help="the model's working resolution (see deepcolor colorize)")
    parser.add_argument("--saturation", type=float, default=1.0,
                        help="gain on the predicted colour, 0 to 4 (default 1)")
    parser.add_argument("--max-seconds", type=float, help="stop after this long (for scripts)")
    return parser


def serve_until_stopped(server, max_seconds: Optional[float]) -> None:
    """Serve until Ctrl-C or `max_seconds`. Ctrl-C asks the loop to stop from a helper
    thread (shutdown() waits for the loop): a KeyboardInterrupt raised wherever the main
    thread happens to be could be swallowed there and leave the server running."""
    timer = None
    if max_seconds is not None:
        timer = threading.Timer(max_seconds, server.shutdown)
        timer.daemon = True
        timer.start()
    previous = None
    if threading.current_thread() is threading.main_thread():
        # Ctrl-C stops the loop from a helper thread, as `deepcolor turing` does.
        def stop(signum, frame):
            print("\nstopping", file=sys.stderr, flush=True)
            threading.Thread(target=server.shutdown, daemon=True).start()
        previous = signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever()
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)
        if timer:
            timer.cancel()
        server.server_close()


def run(argv) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as done:  # --help
        return int(done.code or 0)
    if not 0 <= args.port <= 65535:
        raise UsageError("--port must be 0..65535")
    if Path(args.out).exists() and not Path(args.out).is_dir():
        raise UsageError(f"--out is not a folder: {args.out}")
    from deepcolor.cli.colorize import _load
    from deepcolor.serving.metadata import mark_text
    from deepcolor.studio.server import StudioServer

    colorizer = _load(args)  # loaded before the page opens: the first photo is quick
    mark = mark_text(sys.modules["deepcolor"].__version__, colorizer.name)
    try:
        server = StudioServer(colorizer, args.out, mark, port=args.port)
    except OSError as error:
        print(f"{PROG}: cannot listen on 127.0.0.1:{args.port}: {error.strerror or error}",
              file=sys.stderr)
        return 1
    print(f"Colorize photos at {server.url} (results in {server.out}). Stop with Ctrl-C.",
          flush=True)
    serve_until_stopped(server, args.max_seconds)
    print(f"colorized {sum(bool(r) for r in server.results.values())} photo(s) into "
          f"{server.out}", flush=True)
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    return run_command(PROG, run, argv)
