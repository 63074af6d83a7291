"""How the suite reports misuse and failure: one line, never a traceback.

Every command (`deepcolor ...`, `python -m experiments.<name>`, the benchmarks)
catches these and prints `first_line(error)`; `DEEPCOLOR_DEBUG=1` shows the traceback.
"""
from __future__ import annotations


class UsageError(ValueError):
    """Misuse of a command (a bad option or argument): one line, exit status 2."""


def first_line(error: BaseException) -> str:
    """The first non-empty line of an exception's message, or its type's name."""
    text = str(error).strip()
    if not text:
        return type(error).__name__
    return text.splitlines()[0].strip().strip("'")
