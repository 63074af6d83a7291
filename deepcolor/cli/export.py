"""`deepcolor export`: a colorizer as a SavedModel, a TFLite or an ONNX file.

    deepcolor export [MODEL] --to {savedmodel,tflite,onnx} [--fp16 | --int8]
                     [--out PATH] [--channels 1|3] [--overwrite]

MODEL: a `.keras` file, a run folder holding one (deepcolor/serving/api.py), or
nothing for the shipped colorizer. All three take uint8 photos (batch, H, W, channels)
of any size and return them colorized at full size, uint8 (batch, H, W, 3): the resize
to the model's working size and back is inside the graph (deepcolor/serving/render.py),
so they match `deepcolor colorize` within 1 level. `savedmodel` and `onnx` take 1 to 4
channels (gray or colour photos; `--channels` fixes ONNX to 1 or 3); `tflite` takes
`--channels` (default 1 gray, 3 RGB); a TFLite runtime sets the photo's size with
`resize_tensor_input` before `allocate_tensors`. An ONNX file colorizes on onnxruntime
alone (`deepcolor colorize --model m.onnx`, no TensorFlow, Keras or JAX: the README's
light install). `--fp16` / `--int8` quantize the
TFLite model's weights (the TFLite converter's optimizations; `export_tflite` says
why activations stay float). ONNX needs the optional `tf2onnx` package (`pip install 'deepcolor[onnx]'`).
The default `--out` is `<model name>[_fp16|_int8].<ext>` in the current folder; an
existing one is refused unless `--overwrite`, before the model loads, and even then
only what the suite itself writes is replaced: a TFLite or ONNX file, or a SavedModel
folder (anything else, e.g. a folder of other files, is refused with one line). The
export is written beside `--out` under a temporary name and swapped into place only
once complete, so a failed export (a full disk) leaves the previous model as it was.
Exit status: 0 written, 1 the export failed (I/O or conversion), 2 misuse.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
from pathlib import Path
from typing import List, Optional

from deepcolor.errors import UsageError, first_line, printable, run_command

PROG = "deepcolor export"
TARGETS = {"savedmodel": "_savedmodel", "tflite": ".tflite", "onnx": ".onnx"}


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse would print usage and exit; we want one line
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("model", nargs="?", help=".keras file or run folder (default: shipped)")
    parser.add_argument("--to", required=True, choices=list(TARGETS), help="what to write")
    quant = parser.add_mutually_exclusive_group()
    quant.add_argument("--fp16", action="store_true", help="TFLite: float16 weights")
    quant.add_argument("--int8", action="store_true", help="TFLite: 8-bit weights")
    parser.add_argument("--out", type=Path, help="output file or folder")
    parser.add_argument("--channels", type=int, choices=(1, 3),
                        help="input channels, 1 gray or 3 RGB (default: tflite 1, "
                             "onnx any of 1 to 4)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")
    return parser


def _source(model: Optional[str]):
    """(keras model, colour space, input size, name) for MODEL, or the shipped colorizer."""
    from deepcolor.serving.quiet import import_tensorflow

    import_tensorflow()
    if model is None:
        from deepcolor.serving import pretrained

        manifest = pretrained.read_manifest()
        return (pretrained.load_shipped_colorizer(), manifest["colorspace"],
                manifest["input_size"], manifest["model"])
    import keras

    import deepcolor.models  # noqa: F401  registers the suite's custom layers
    from deepcolor.serving.export import read_metadata

    path = Path(model)
    meta = read_metadata(path)
    if "colorspace" not in meta:
        raise UsageError(f"{path}: colour space unknown; the .keras file needs its sidecar "
                         f"{path.name}.json (written by save_keras_with_metadata)")
    return (keras.models.load_model(path, compile=False), meta["colorspace"],
            meta.get("input_size"), meta.get("model_name") or path.stem)


def _model_path(model: Optional[str]) -> Optional[str]:
    if model is None:
        return None
    from deepcolor.serving.api import find_model

    path = find_model(model, prefer="keras")
    if path.suffix != ".keras":
        raise UsageError(f"{path} is a SavedModel, which cannot be re-exported; give the "
                         f".keras file saved beside it (a run folder holds both)")
    return str(path)


def _suite_wrote(out: Path, target: str) -> bool:
    """Whether `out` is something `--to target` writes: a SavedModel folder, or a file of
    the target's kind (TFLite's flatbuffer tag, ONNX's protobuf first field)."""
    if out.is_symlink():
        return False
    if target == "savedmodel":
        return out.is_dir() and (out / "saved_model.pb").is_file()
    if not out.is_file():
        return False
    with open(out, "rb") as f:
        head = f.read(8)
    if target == "tflite":
        return head[4:8] == b"TFL3"
    return out.suffix.lower() == ".onnx" and head[:1] == b"\x08"  # ModelProto.ir_version


def _out_path(args, name: str) -> Path:
    suffix = "_fp16" if args.fp16 else "_int8" if args.int8 else ""
    out = args.out or Path(name + suffix + TARGETS[args.to])
    if out.exists() or out.is_symlink():
        if not args.overwrite:
            raise UsageError(f"{printable(out)} exists (use --overwrite to replace it)")
        if not _suite_wrote(out, args.to):
            kind = "a SavedModel folder" if args.to == "savedmodel" else f"a {args.to} file"
            what = "a folder" if out.is_dir() else "a link" if out.is_symlink() else "a file"
            raise UsageError(f"refusing to replace {printable(out)}: it is {what}, not {kind} "
                             f"(--overwrite replaces only what deepcolor export writes)")
    return out


def _write_beside(out: Path, write) -> None:
    """`write(temporary path beside out)`, then swap it into place: until the swap the
    previous `out` is untouched, and a failure leaves no temporary files."""
    partial = out.with_name(f".{out.name}.partial-{os.getpid()}")
    old = out.with_name(f".{out.name}.old-{os.getpid()}")
    for leftover in (partial, old):
        _remove(leftover)
    try:
        write(partial)
        if partial.is_dir() and out.exists():  # a folder cannot replace a folder in one step
            os.replace(out, old)
            try:
                os.replace(partial, out)
            except OSError:
                os.replace(old, out)
                raise
        else:
            os.replace(partial, out)
    finally:
        _remove(partial)
        _remove(old)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists() or path.is_symlink():
        path.unlink()


def run(argv) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as done:  # --help
        return int(done.code or 0)
    if (args.fp16 or args.int8) and args.to != "tflite":
        raise UsageError("--fp16 and --int8 are for --to tflite")
    if args.to == "onnx" and importlib.util.find_spec("tf2onnx") is None:
        raise UsageError("--to onnx needs the tf2onnx package (pip install 'deepcolor[onnx]' "
                         "or pip install tf2onnx onnx); --to tflite or savedmodel work without")
    path = _model_path(args.model)
    if args.out is not None:
        _out_path(args, "")  # refuse an existing --out before the model loads
    elif path is None:
        from deepcolor.serving.pretrained import MODEL_NAME

        _out_path(args, MODEL_NAME)
    try:
        keras_model, colorspace, size, name = _source(path)
    except UsageError:
        raise
    except Exception as error:  # a broken file or missing weights: one line
        raise UsageError(f"cannot load model {args.model or 'shipped'}: {first_line(error)}"
                         ) from None
    out = _out_path(args, name)
    from deepcolor.serving import export
    from deepcolor.serving.quiet import c_stderr_silenced

    quantize = "fp16" if args.fp16 else "int8" if args.int8 else None

    def write(path: Path) -> None:
        with c_stderr_silenced():  # the converters' C++ log lines
            if args.to == "savedmodel":
                export.export_saved_model(keras_model, colorspace, path, size)
            elif args.to == "tflite":
                export.export_tflite(keras_model, colorspace, path, size,
                                     args.channels or 1, quantize)
            else:
                # The shipped model's files say so, as its own colorized files do.
                shipped = {"source": "shipped"} if args.model is None else None
                export.export_onnx(keras_model, colorspace, path, size, args.channels,
                                   provenance=shipped)

    kept = " (the existing one is unchanged)" if out.exists() else ""
    try:
        _write_beside(out, write)
    except OSError as error:  # a full disk, no permission: a failure, not misuse
        print(f"{PROG}: error: cannot write {printable(out)}: "
              f"{error.strerror or first_line(error)}"
              f"{kept}", file=sys.stderr)
        return 1
    except Exception as error:
        print(f"{PROG}: error: cannot export to {args.to}: {type(error).__name__}: "
              f"{first_line(error)}{kept}", file=sys.stderr)
        return 1
    kind = args.to + (f", {quantize}" if quantize else "")
    print(f"wrote {printable(out)} ({kind}, from "
          f"{printable(args.model or 'the shipped colorizer')})")
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    return run_command(PROG, run, argv)
