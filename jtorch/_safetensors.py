"""safetensors interop: save_file / load_file (and bytes save / load) for jtorch tensors.

Mirrors `safetensors.torch`'s API on top of the `safetensors` package's NumPy-level API
(TensorSpec + serialize/serialize_file for writing, safe_open for validation and metadata).
NOTE: safetensors' own NumPy loader cannot produce bfloat16, so payloads are read from the
header's offsets (the format: u64 header length, JSON header, raw little-endian data).
"""
import json
import os
import struct
import sys

import jax
import numpy as np

from . import _dtype as D
from . import _device as DEV
from ._tensor import Tensor, wrap

__all__ = ["save_file", "load_file", "save", "load", "load_model", "save_model"]

# safetensors dtype codes <-> jtorch dtypes (complex128 has no safetensors code)
_CODES = {"F64": D.float64, "F32": D.float32, "F16": D.float16, "BF16": D.bfloat16,
          "I64": D.int64, "I32": D.int32, "I16": D.int16, "I8": D.int8, "U8": D.uint8,
          "BOOL": D.bool, "C64": D.complex64, "U64": D.uint64, "U32": D.uint32,
          "U16": D.uint16, "F8_E4M3": D.float8_e4m3fn, "F8_E5M2": D.float8_e5m2,
          "F8_E4M3FNUZ": D.float8_e4m3fnuz, "F8_E5M2FNUZ": D.float8_e5m2fnuz,
          "F8_E8M0": D.float8_e8m0fnu}


def _lib():
    try:
        import safetensors
        return safetensors
    except ImportError as e:  # pragma: no cover - optional dependency
        raise RuntimeError("safetensors interop needs the `safetensors` package: "
                           "pip install safetensors") from e


def _root_id(t):
    return id(t if t._base is None else t._base)


def _arrays(tensors):
    if not isinstance(tensors, dict):
        raise ValueError(f"Expected a dict of [str, torch.Tensor] but received {type(tensors)}")
    seen, out = {}, {}
    for k, v in tensors.items():
        if not isinstance(k, str):
            raise ValueError(f"Key `{k!r}` is invalid, expected str but received {type(k)}")
        if not isinstance(v, Tensor):
            raise ValueError(f"Key `{k}` is invalid, expected torch.Tensor but received "
                             f"{type(v)}")
        if v.dtype is D.complex128:
            raise ValueError(f"Key `{k}`: safetensors has no complex128 dtype")
        if v.numel():
            other = seen.setdefault(_root_id(v), k)
            if other != k:
                raise RuntimeError(
                    f"Some tensors share memory, this will lead to duplicate memory on disk and "
                    f"potential differences when loading them again: [{{{other!r}, {k!r}}}].\n"
                    f"A potential way to correctly save your model is to use `save_model`.")
        a = np.asarray(v.detach()._arr())
        # NOTE: not np.ascontiguousarray, which turns a 0-d array into shape (1,).
        out[k] = a if a.flags.c_contiguous else np.array(a, order="C")
    return out


def _specs(arrays):
    lib = _lib()
    return {k: lib.TensorSpec(dtype=a.dtype.name, shape=list(a.shape), data_ptr=a.ctypes.data,
                              data_len=a.nbytes) for k, a in arrays.items()}


def _check_metadata(metadata):
    if metadata is not None and not (isinstance(metadata, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items())):
        raise ValueError("metadata must be a dict of str -> str")


def save_file(tensors, filename, metadata=None):
    """Save a dict of tensors to a .safetensors file (safetensors.torch.save_file)."""
    _check_metadata(metadata)
    arrays = _arrays(tensors)
    _lib().serialize_file(_specs(arrays), os.fspath(filename), metadata=metadata)


def save(tensors, metadata=None):
    """The safetensors bytes of a dict of tensors (safetensors.torch.save)."""
    _check_metadata(metadata)
    arrays = _arrays(tensors)
    return bytes(_lib().serialize(_specs(arrays), metadata=metadata))


def _parse(buf, device):
    if len(buf) < 8:
        raise _lib().SafetensorError("Error while deserializing header: HeaderTooSmall")
    n = struct.unpack("<Q", bytes(buf[:8]))[0]
    if 8 + n > len(buf):
        raise _lib().SafetensorError("Error while deserializing header: InvalidHeaderLength")
    header = json.loads(bytes(buf[8:8 + n]))
    jdev = DEV.to_jax_device(device)
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dt = _CODES.get(info["dtype"])
        if dt is None:
            raise NotImplementedError(f"safetensors dtype {info['dtype']} (tensor {name!r}) is "
                                      f"not supported by jtorch")
        start, stop = info["data_offsets"]
        raw = np.frombuffer(buf, np.uint8, count=stop - start, offset=8 + n + start)
        a = raw.view(dt._np).reshape(info["shape"])
        if sys.byteorder == "big":  # pragma: no cover - little-endian hosts only
            a = a.byteswap()
        out[name] = wrap(jax.device_put(a, jdev))
    return out


def load_file(filename, device="cpu"):
    """Load a .safetensors file into a dict of tensors (safetensors.torch.load_file)."""
    filename = os.fspath(filename)
    lib = _lib()
    # NOTE: safe_open validates the header (offsets, overlaps, sizes) before we trust it.
    with lib.safe_open(filename, framework="np") as fh:
        # NOTE: safetensors.torch returns tensors in data-offset order.
        keys = list(fh.offset_keys() if hasattr(fh, "offset_keys") else fh.keys())
    device = str(device) if not isinstance(device, int) else f"cuda:{device}"
    # NOTE: copy-on-write mapping: arrays may alias it; writes can never reach the file.
    buf = np.memmap(filename, dtype=np.uint8, mode="c") if os.path.getsize(filename) else b""
    tensors = _parse(buf, device)
    return {k: tensors[k] for k in keys}


def load(data):
    """A dict of tensors from safetensors bytes (safetensors.torch.load)."""
    lib = _lib()
    lib.deserialize(data)  # NOTE: validation only
    return _parse(data, "cpu")


def save_model(model, filename, metadata=None, force_contiguous=False):
    """Save a module's state_dict, keeping one name per shared storage (safetensors.torch)."""
    sd = model.state_dict()
    kept, seen = {}, set()
    for k, v in sd.items():
        rid = _root_id(v)
        if v.numel() and rid in seen:
            continue
        seen.add(rid)
        kept[k] = v
    save_file(kept, filename, metadata=metadata)


def load_model(model, filename, strict=True, device="cpu"):
    """Load a .safetensors file into a module; returns (missing, unexpected) keys."""
    sd = load_file(filename, device=device)
    result = model.load_state_dict(sd, strict=strict)
    missing = list(getattr(result, "missing_keys", []))
    unexpected = list(getattr(result, "unexpected_keys", []))
    return missing, unexpected
