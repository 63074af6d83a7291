"""Start TensorFlow without its C++ start-up lines on the terminal.

TensorFlow 2.21 writes "oneDNN custom operations are on", "Could not find cuda
drivers", "This TensorFlow binary is optimized..." and "failed call to cuInit"
from C++ straight to file descriptor 2; TF_CPP_MIN_LOG_LEVEL does not stop all of
them. So fd 2 points at /dev/null while TensorFlow imports and starts its
devices, and Python's own warnings and errors keep going to the real stderr.
"""
from __future__ import annotations

import contextlib
import os
import sys

_STARTED = []


def _is_real_stderr(stream) -> bool:
    try:
        return stream.fileno() == 2
    except (AttributeError, OSError, ValueError):  # e.g. pytest's capture object
        return False


@contextlib.contextmanager
def c_stderr_silenced():
    """fd 2 to /dev/null inside the block; sys.stderr still reaches the real stderr."""
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):  # no fd 2 to redirect: nothing to silence
        yield
        return
    python_stderr, replaced = sys.stderr, None
    if _is_real_stderr(python_stderr):  # Python-level messages go to a copy of the old fd 2
        replaced = os.fdopen(os.dup(saved), "w", buffering=1,
                             encoding=getattr(python_stderr, "encoding", None) or "utf-8",
                             errors="backslashreplace")
        sys.stderr = replaced
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
        if replaced is not None:
            sys.stderr = python_stderr
            replaced.close()


def import_tensorflow():
    """`tensorflow`, imported and its devices started quietly (once per process)."""
    if not _STARTED:
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        with c_stderr_silenced():
            import keras  # noqa: F401  (Keras 3 imports TensorFlow, and logs too)
            import tensorflow as tf

            tf.constant(0.0) + 1.0  # first op: device start-up (cuInit, CPU feature lines)
        _STARTED.append(True)
    import tensorflow as tf

    return tf
