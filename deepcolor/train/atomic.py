"""Files written so that a kill at any moment leaves the old version or the new one.

Each is written under a temporary name beside it that names the writing process
(`.partial-<pid>.<name>`), flushed to disk and renamed into place; temporary files of
killed processes are removed by `remove_stale_partials`. No Keras here: the run
folders (`rundirs`) use it before Keras is imported.
"""
from __future__ import annotations

import os
import re
from typing import Callable

_PARTIAL = re.compile(r"^\.partial-(\d+)\.")


def _partial_path(path: str) -> str:
    """A temporary name beside `path` that keeps its ending (Keras checks for
    `.weights.h5`) and names this process: `.partial-<pid>.<name>`."""
    folder, name = os.path.split(path)
    return os.path.join(folder, f".partial-{os.getpid()}.{name}")


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(path: str, write: Callable[[str], None]) -> None:
    """`write(temporary path)`, flushed to disk, then renamed to `path`: a kill at any
    moment leaves either the old file or the new one, never a part of one."""
    tmp = _partial_path(path)
    try:
        write(tmp)
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise
    try:  # the rename itself, on file systems that need it
        _fsync(os.path.dirname(os.path.abspath(path)))
    except OSError:
        pass


def write_text_atomically(path: str, text: str) -> None:
    def write(tmp):
        with open(tmp, "w", newline="") as f:
            f.write(text)
    write_atomically(path, write)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):  # someone else's process / not a pid: keep
        return True
    return True


def remove_stale_partials(folder: str) -> None:
    """Delete temporary files left in `folder` by killed processes (not by live ones)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        match = _PARTIAL.match(name)
        if match and not _pid_alive(int(match.group(1))):
            try:
                os.remove(os.path.join(folder, name))
            except OSError:
                pass
