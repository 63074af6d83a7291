"""The `deepcolor` command: one subcommand per module, each with its own `main(argv)`.

    deepcolor models     list every registered model (deepcolor.cli.models)
    deepcolor colorize   colorize photos (deepcolor.cli.colorize)
    deepcolor export     export a model to SavedModel, TFLite or ONNX (deepcolor.cli.export)
    deepcolor turing     run or score a "real or colorized?" study (deepcolor.cli.turing)
    deepcolor data       check a preset's dataset before training (deepcolor.cli.data)
    deepcolor serve      a local page to colorize photos in (deepcolor.cli.serve)
    deepcolor backbone   top ImageNet classes of photos (deepcolor.cli.backbone)
"""
from __future__ import annotations

import importlib
import os
import sys
from pathlib import Path

SUBCOMMANDS = {
    "models": ("deepcolor.cli.models", "list every registered model"),
    "colorize": ("deepcolor.cli.colorize", "colorize photos (the shipped model by default)"),
    "export": ("deepcolor.cli.export", "export a model to SavedModel, TFLite or ONNX"),
    "turing": ("deepcolor.cli.turing", "run or score a 'real or colorized?' study"),
    "data": ("deepcolor.cli.data", "data check: what a preset would train and test on"),
    "serve": ("deepcolor.cli.serve", "a local page to colorize photos in (127.0.0.1)"),
    "backbone": ("deepcolor.cli.backbone", "top ImageNet classes of photos (--classify)"),
}


def _usage() -> str:
    lines = ["usage: deepcolor {" + ",".join(SUBCOMMANDS) + "} [options]",
             "       deepcolor --version", ""]
    lines += [f"  {name:<10} {help_}" for name, (_, help_) in SUBCOMMANDS.items()]
    return "\n".join(lines)


def _jax_compile_cache() -> None:
    """Under Keras on JAX every eager op is compiled at first use, which made one photo
    take about a minute in every new process; JAX's persistent cache keeps those
    compilations between runs (about 40 s -> 1.5 s to build the shipped model, measured
    on the 2-core CPU). Settings the user made win."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    os.environ.setdefault("JAX_COMPILATION_CACHE_DIR", str(root / "deepcolor" / "jax"))
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")


def main(argv=None) -> int:
    _jax_compile_cache()
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(_usage())
        return 0
    if argv[0] in ("-V", "--version"):
        # The package (deepcolor/__init__.py) is imported already, as this module's parent.
        print(f"deepcolor {sys.modules['deepcolor'].__version__}")
        return 0
    name, rest = argv[0], argv[1:]
    if name not in SUBCOMMANDS:
        print(f"deepcolor: unknown command {name!r}\n{_usage()}", file=sys.stderr)
        return 2
    module = importlib.import_module(SUBCOMMANDS[name][0])
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
