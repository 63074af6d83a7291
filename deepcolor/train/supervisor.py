"""Under `--strategy multihost` the runner trains in a child process and watches it.

When another process dies, JAX's distributed client may end this one from its own C++
thread (`Terminating process because the JAX distributed service detected fatal
errors`, then a stack trace and an abort), which no Python handler can catch: that is
what happens to every other process when process 0, the coordinator, dies. The parent
here imports neither Keras nor JAX; it passes the child's error output through until
such a fatal line, and then says what happened in one line (exit status 1).

The child dies with its parent (Linux `PR_SET_PDEATHSIG`), so killing the command
kills the training as before.
"""
from __future__ import annotations

import ctypes
import os
import re
import signal
import subprocess
import sys
from typing import List

CHILD = "DEEPCOLOR_MULTIHOST_CHILD"
_FATAL = re.compile(r"^F\d{4} \d\d:\d\d:\d\d")  # absl's FATAL log line


def is_child() -> bool:
    return os.environ.get(CHILD) == "1"


def _die_with_parent() -> None:
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:  # not Linux: the child outlives a killed parent, as a plain run would
        pass


def _process() -> str:
    index = os.environ.get("JAX_PROCESS_ID") or os.environ.get("SLURM_PROCID") or "?"
    count = os.environ.get("JAX_NUM_PROCESSES") or os.environ.get("SLURM_NTASKS") or "?"
    return f"process {index} of {count}"


def run(module: str, argv: List[str]) -> int:
    """`python -m module argv...` as a watched child; its exit status, or 1 with one
    line when JAX ended it."""
    child = subprocess.Popen([sys.executable, "-m", module, *argv],
                             env=dict(os.environ, **{CHILD: "1"}), stderr=subprocess.PIPE,
                             preexec_fn=_die_with_parent if os.name == "posix" else None)
    fatal = ""
    try:
        for raw in child.stderr:
            line = raw.decode(errors="replace")
            if not fatal and _FATAL.match(line):
                fatal = line.split("] ", 1)[-1].strip().split(". ")[0]  # its first sentence
            if not fatal:
                sys.stderr.write(line)
                sys.stderr.flush()
        code = child.wait()
    except KeyboardInterrupt:  # the child got the same Ctrl-C and says so itself
        code = child.wait()
    if code >= 0 and not fatal:
        return code
    why = (f"JAX's distributed service stopped it: {fatal[:200]}" if fatal
           else f"it ended by signal {-code}")
    print(f"{module}: error: {_process()} stopped ({why}); if another process died, rerun "
          f"every process's command to resume from process 0's backup", file=sys.stderr,
          flush=True)
    return 1
