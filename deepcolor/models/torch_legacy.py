"""Read a PyTorch LEGACY (non-zip) ``.pth`` state dict into numpy, without PyTorch.

Used to bring ImageNet weights (EfficientNet-Lite0, issue 12) into Keras offline.
A legacy file is a run of pickles followed by raw storage bytes:

1. magic number, 2. protocol version (1001), 3. system info (endianness, sizes),
4. the state dict, whose tensors refer to storages through ``persistent_load`` ids
   ``("storage", StorageClass, key, location, numel[, view_metadata])``,
5. the list of storage keys, in the order their bytes follow,
6. per storage: an 8-byte little-endian element count, then the raw little-endian data.

Tensors are rebuilt with ``torch._utils._rebuild_tensor_v2(storage, offset, size,
stride, ...)``. The strides matter: converted TensorFlow checkpoints keep HWIO memory
order behind an OIHW view, so a plain reshape scrambles every kernel. We honour them
with ``numpy.lib.stride_tricks.as_strided`` and return contiguous copies.
"""
from __future__ import annotations

import collections
import pickle
import struct
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import as_strided

LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
LEGACY_PROTOCOL = 1001
ZIP_SIGNATURE = b"PK\x03\x04"

# torch.<Name>Storage → numpy dtype (little-endian, as legacy files store them).
STORAGE_DTYPES = {
    "DoubleStorage": "<f8", "FloatStorage": "<f4", "HalfStorage": "<f2",
    "BFloat16Storage": None,  # no numpy dtype; rejected with a clear message
    "LongStorage": "<i8", "IntStorage": "<i4", "ShortStorage": "<i2",
    "CharStorage": "i1", "ByteStorage": "u1", "BoolStorage": "?",
}


class LegacyFormatError(ValueError):
    """The file is not a PyTorch legacy checkpoint this reader understands."""


class _StorageType:
    """Stands in for ``torch.FloatStorage`` etc.: only its dtype is needed."""

    def __init__(self, name: str):
        dtype = STORAGE_DTYPES.get(name)
        if dtype is None:
            raise LegacyFormatError(f"unsupported tensor storage type torch.{name}")
        self.name, self.dtype = name, np.dtype(dtype)


class _Storage:
    """A storage's dtype and size; its flat array is filled after the pickles are read."""

    def __init__(self, dtype: np.dtype, numel: int):
        self.dtype, self.numel, self.array = dtype, numel, None


class _PendingTensor:
    """A tensor whose storage bytes have not been read yet."""

    def __init__(self, storage, offset, size, stride):
        self.storage, self.offset = storage, int(offset)
        self.size, self.stride = tuple(size), tuple(stride)

    def materialise(self) -> np.ndarray:
        flat = self.storage.array
        if self.size and any(d == 0 for d in self.size):
            return np.zeros(self.size, dtype=flat.dtype)
        # Bounds check before as_strided, which would otherwise read arbitrary memory.
        last = self.offset + sum((d - 1) * s for d, s in zip(self.size, self.stride))
        if self.offset < 0 or last >= flat.size or min(self.stride, default=0) < 0:
            raise LegacyFormatError("a tensor's size/offset/stride runs outside its storage")
        item = flat.dtype.itemsize
        view = as_strided(flat[self.offset:], shape=self.size,
                          strides=tuple(s * item for s in self.stride), writeable=False)
        return np.ascontiguousarray(view)


def _rebuild_tensor(storage, storage_offset, size, stride, *_rest):
    return _PendingTensor(storage, storage_offset, size, stride)


def _rebuild_parameter(data, *_rest):
    return data


# The only globals a state dict needs; anything else is refused (no arbitrary code).
_SAFE_GLOBALS = {
    ("collections", "OrderedDict"): collections.OrderedDict,
    ("torch._utils", "_rebuild_tensor_v2"): _rebuild_tensor,
    ("torch._utils", "_rebuild_tensor"): _rebuild_tensor,
    ("torch._utils", "_rebuild_parameter"): _rebuild_parameter,
}


class _StateDictUnpickler(pickle.Unpickler):
    def __init__(self, file):
        super().__init__(file)
        self.storages: dict[str, _Storage] = {}

    def find_class(self, module, name):
        if (module, name) in _SAFE_GLOBALS:
            return _SAFE_GLOBALS[(module, name)]
        if module == "torch" and name.endswith("Storage"):
            return _StorageType(name)
        raise LegacyFormatError(f"unexpected object {module}.{name} in the checkpoint")

    def persistent_load(self, pid):
        if not (isinstance(pid, tuple) and pid and pid[0] == "storage"):
            raise LegacyFormatError(f"unexpected persistent id {pid!r}")
        storage_type, key, _location, numel = pid[1:5]
        view = pid[5] if len(pid) > 5 else None
        if key not in self.storages:
            self.storages[key] = _Storage(storage_type.dtype, int(numel))
        if view is not None:  # very old files: a view (key, offset, size) into a storage
            raise LegacyFormatError("storage views (pre-0.4 checkpoints) are not supported")
        return self.storages[key]


def _materialise(obj):
    """Replace pending tensors in a (nested) container by numpy arrays."""
    if isinstance(obj, _PendingTensor):
        return obj.materialise()
    if isinstance(obj, dict):
        return {k: _materialise(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_materialise(v) for v in obj)
    return obj


def _check_header(f, path: Path) -> None:
    head = f.read(4)
    if head == ZIP_SIGNATURE:
        raise LegacyFormatError(
            f"{path} is a zip-format PyTorch checkpoint; only the legacy format is read "
            "(re-save it with torch.save(..., _use_new_zipfile_serialization=False))")
    f.seek(0)
    try:
        magic = pickle.load(f)
        protocol = pickle.load(f)
        pickle.load(f)  # system info: {'little_endian': True, 'type_sizes': ...}
    except Exception:
        raise LegacyFormatError(f"{path} is not a PyTorch legacy checkpoint") from None
    if magic != LEGACY_MAGIC:
        raise LegacyFormatError(f"{path} is not a PyTorch legacy checkpoint (bad magic number)")
    if protocol != LEGACY_PROTOCOL:
        raise LegacyFormatError(f"{path}: unsupported legacy protocol {protocol}")


def read_legacy_state_dict(path) -> dict[str, np.ndarray]:
    """Return ``{name: array}`` from a legacy ``.pth``; raises LegacyFormatError (one line)."""
    path = Path(path)
    if not path.is_file():
        raise LegacyFormatError(f"no such checkpoint file: {path}")
    with open(path, "rb") as f:
        _check_header(f, path)
        unpickler = _StateDictUnpickler(f)
        try:
            state = unpickler.load()
            keys = pickle.load(f)
        except LegacyFormatError:
            raise
        except Exception as err:
            raise LegacyFormatError(f"{path}: unreadable state dict ({err})") from None
        for key in keys:
            storage = unpickler.storages.get(key)
            header = f.read(8)
            if storage is None or len(header) != 8:
                raise LegacyFormatError(f"{path}: storage {key!r} missing or truncated")
            (numel,) = struct.unpack("<q", header)
            nbytes = numel * storage.dtype.itemsize
            raw = f.read(nbytes)
            if numel != storage.numel or len(raw) != nbytes:
                raise LegacyFormatError(f"{path}: storage {key!r} truncated or mis-sized")
            storage.array = np.frombuffer(raw, dtype=storage.dtype)
    if any(s.array is None for s in unpickler.storages.values()):
        raise LegacyFormatError(f"{path}: a tensor refers to a storage with no data")
    if not isinstance(state, dict):
        raise LegacyFormatError(f"{path} holds a {type(state).__name__}, not a state dict")
    return dict(_materialise(state))
