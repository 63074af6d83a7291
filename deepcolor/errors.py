"""How the suite reports misuse and failure: one line, never a traceback.

Every command (`deepcolor ...`, `python -m experiments.<name>`, the benchmarks)
catches these and prints `first_line(error)`; `DEEPCOLOR_DEBUG=1` shows the traceback.
"""
from __future__ import annotations

import os
import sys
from typing import Callable, List, Optional


class UsageError(ValueError):
    """Misuse of a command (a bad option or argument): one line, exit status 2."""


class BackboneUnavailable(RuntimeError):
    """Pretrained backbone weights could not be had (deepcolor.models.backbone,
    efficientnet_lite); the message names the offline alternatives."""


def first_line(error: BaseException) -> str:
    """The first non-empty line of an exception's message, or its type's name."""
    text = str(error).strip()
    if not text:
        return type(error).__name__
    return text.splitlines()[0].strip().strip("'")


def printable(text) -> str:
    """A path or text any terminal can print: a file name's bytes that are not UTF-8
    (e.g. Latin-1 `caf\\xe9.jpg`, held by Python as surrogates) appear as `\\xe9`
    instead of crashing `print` under a UTF-8 locale."""
    text = os.fspath(text) if isinstance(text, os.PathLike) else str(text)
    return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def run_command(prog: str, run: Callable[[List[str]], int],
                argv: Optional[List[str]] = None) -> int:
    """A subcommand's `main`: `run(argv)`, with misuse as one line and status 2, and
    Ctrl-C as one line and status 130 (the shell's convention)."""
    try:
        return run(sys.argv[1:] if argv is None else list(argv))
    except UsageError as error:
        print(f"{prog}: error: {printable(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return 130
