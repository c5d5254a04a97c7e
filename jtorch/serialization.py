"""torch.save / torch.load in PyTorch's zip checkpoint format (see DESIGN.md), without torch.

Files written here load in real torch (also with weights_only=True) and files torch 2.x writes
load here. weights_only=True (the default) runs a restricted unpickler that only calls torch's
allow-listed rebuild functions (plus add_safe_globals); nothing else in the file is executed.
Tensors sharing a storage are written once and come back as jtorch views of one base.

Differences from torch: the legacy (torch < 1.6) format is neither read (RuntimeError) nor
written (NotImplementedError); TorchScript archives, map_location='meta', quantized / sparse /
nested tensors and conj/neg tensor metadata are refused; only the standard `pickle` module is
accepted as pickle_module; a map_location callable receives a jtorch LoadedStorage
(cpu/cuda/to/size/nbytes); with mmap=True (and on the cpu generally) loaded arrays alias the
read buffer or a copy-on-write mapping of the file, so writes never reach the file; storage
records' CRCs are not verified on load (as in torch), data.pkl's is.
"""
import io
import os
import pickle

from ._serialization import safe_globals_state as _safe

# NOTE: only save/load are star-exported into the torch namespace; add_safe_globals,
# safe_globals, get_safe_globals, clear_safe_globals, get_unsafe_globals_in_checkpoint and
# DEFAULT_PROTOCOL are public as torch.serialization.<name>, as in torch.
__all__ = ["save", "load"]

DEFAULT_PROTOCOL = 2
_LEGACY_MAGIC = b"\x80\x02\x8a\x0al\xfc\x9cF\xf9 j\xa8P\x19."
_UNSAFE_MESSAGE = (
    "In PyTorch 2.6, we changed the default value of the `weights_only` argument in "
    "`torch.load` from `False` to `True`. Re-running `torch.load` with `weights_only` set to "
    "`False` will likely succeed, but it can result in arbitrary code execution. Do it only if "
    "you got the file from a trusted source.")


# ---- safe globals ---------------------------------------------------------------------------

def add_safe_globals(safe_globals):
    """Allow-list globals (callables or (callable, 'module.name') pairs) for weights_only load."""
    _safe.update(safe_globals)


def get_safe_globals():
    """The user-added weights_only allow-list."""
    return list(_safe)


def clear_safe_globals():
    """Empty the user-added weights_only allow-list."""
    _safe.clear()


class safe_globals:
    """Context manager adding globals to the weights_only allow-list for its duration."""

    def __init__(self, safe_globals):
        self.safe_globals = safe_globals

    def __enter__(self):
        self._added = [g for g in self.safe_globals if g not in _safe]
        add_safe_globals(self.safe_globals)

    def __exit__(self, exc_type, exc, tb):
        _safe.difference_update(self._added)


# ---- save -----------------------------------------------------------------------------------

def _new_file_mode(path):
    """The mode open(path, 'wb') would leave: the existing file's, else 0o666 & ~umask."""
    try:
        return os.stat(path).st_mode & 0o7777
    except OSError:
        pass
    try:
        # NOTE: read the umask without os.umask(), which would briefly change it for every
        # thread of the process.
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except OSError:
        pass
    m = os.umask(0o022)
    os.umask(m)
    return 0o666 & ~m


def _write_archive(fobj, prefix, pkl, storages, byteorder_record):
    import uuid
    from ._serialization._zip import ZipWriter
    w = ZipWriter(fobj, prefix)
    w.write_record("data.pkl", pkl)
    w.write_record(".format_version", "1")
    w.write_record(".storage_alignment", "64")
    if byteorder_record:
        w.write_record("byteorder", "little")
    import numpy as np
    for ref in storages.values():
        w.write_record(f"data/{ref.key}", np.asarray(ref.root._a))
    w.write_record("version", "3\n")
    w.write_record(".data/serialization_id", f"{uuid.uuid4().int:040d}"[:40])
    w.close()


def save(obj, f, pickle_module=pickle, pickle_protocol=DEFAULT_PROTOCOL,
         _use_new_zipfile_serialization=True, _disable_byteorder_record=False):
    """Save obj to a path or binary file in PyTorch's zip checkpoint format (atomically)."""
    if not _use_new_zipfile_serialization:
        raise NotImplementedError("jtorch.save writes only the zip format (torch >= 1.6); the "
                                  "legacy format (_use_new_zipfile_serialization=False) is not "
                                  "supported")
    if pickle_module is not pickle and pickle_module is not None:
        raise NotImplementedError("jtorch.save pickles with the standard `pickle` module only")
    buf = io.BytesIO()
    from ._serialization._pickler import TorchPickler
    p = TorchPickler(buf, protocol=pickle_protocol)
    p.dump(obj)  # NOTE: fails before any file is touched
    pkl = buf.getvalue()
    if isinstance(f, (str, bytes, os.PathLike)):
        # NOTE: realpath, so saving through a symlink replaces its target, not the link.
        path = os.path.realpath(os.fsdecode(os.fspath(f)))
        parent = os.path.dirname(path)
        if not os.path.isdir(parent):
            raise RuntimeError(f"Parent directory {parent} does not exist.")
        given = os.fsdecode(os.fspath(f))
        prefix = os.path.splitext(os.path.basename(given))[0] or "archive"
        # NOTE: write a temporary file next to the target and rename it over the target: a
        # crash or error mid-save leaves the previous checkpoint untouched.
        import tempfile
        fd, tmp = tempfile.mkstemp(dir=parent, prefix=f".{os.path.basename(path)}.",
                                   suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as out:
                _write_archive(out, prefix, pkl, p.storages, not _disable_byteorder_record)
            os.chmod(tmp, _new_file_mode(path))
            os.replace(tmp, path)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    else:
        if not hasattr(f, "write"):
            raise AttributeError(f"save: expected a path or a writable binary file object, got "
                                 f"{type(f).__name__}")
        _write_archive(f, "archive", pkl, p.storages, not _disable_byteorder_record)
        if hasattr(f, "flush"):
            f.flush()


# ---- load -----------------------------------------------------------------------------------

def _weights_only_default(weights_only, pickle_module):
    true = ("1", "y", "yes", "true")
    force_on = os.getenv("TORCH_FORCE_WEIGHTS_ONLY_LOAD", "0").lower() in true
    force_off = os.getenv("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", "0").lower() in true
    if force_on and force_off:
        raise RuntimeError("Only one of `TORCH_FORCE_WEIGHTS_ONLY_LOAD` or "
                           "`TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD` should be set, but both were set.")
    if force_on:
        return True
    if weights_only is None:
        if force_off:
            import warnings
            warnings.warn("Environment variable TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD detected, since "
                          "the `weights_only` argument was not explicitly passed to `torch.load`"
                          ", forcing weights_only=False.", UserWarning, stacklevel=3)
            return False
        return pickle_module is None
    return bool(weights_only)


def _not_a_zip(fobj, name, mmap):
    head = fobj.read(32)
    if mmap:
        raise RuntimeError("mmap can only be used with files saved with `torch.save(" +
                           (f"{name}, " if name else "") + "_use_new_zipfile_serialization=True)"
                           ", please torch.save your checkpoint with this option in order to "
                           "use mmap.")
    if not head:
        raise EOFError(f"jtorch.load: {name or 'the file'} is empty (Ran out of input)")
    if head.startswith(_LEGACY_MAGIC):
        raise RuntimeError("jtorch.load: this checkpoint uses PyTorch's legacy (torch < 1.6) "
                           "format, which jtorch does not read; load it with torch and re-save "
                           "it with torch.save (zip format)")
    raise pickle.UnpicklingError(f"jtorch.load: {name or 'the file'} is not a PyTorch "
                                 f"checkpoint: expected a zip archive (magic b'PK\\x03\\x04'), "
                                 f"found {head[:8]!r}")


def load(f, map_location=None, pickle_module=None, *, weights_only=None, mmap=None,
         **pickle_load_args):
    """Load an object saved with torch.save / jtorch.save (zip format)."""
    weights_only = _weights_only_default(weights_only, pickle_module)
    if weights_only and pickle_module is not None:
        raise RuntimeError("Can not safely load weights when explicit pickle_module is specified")
    encoding = pickle_load_args.setdefault("encoding", "utf-8")
    if isinstance(f, (str, os.PathLike)) and os.fspath(f).endswith(".safetensors"):
        from ._safetensors import load_file
        if isinstance(map_location, dict) or (callable(map_location) and
                                              not isinstance(map_location, str)):
            raise RuntimeError("Loading safetensors file with dict or callable map_location is "
                               "not supported. Use a device string or torch.device instead.")
        return load_file(f, device=str(map_location) if map_location is not None else "cpu")
    from ._serialization import _unpickler
    from ._serialization._rebuild import LoadContext
    from ._serialization._zip import ZipReader, open_for_read
    fobj, path, must_close = open_for_read(f)
    try:
        start = fobj.tell()
        magic = fobj.read(4)
        fobj.seek(start)
        if magic != b"PK\x03\x04":
            _not_a_zip(fobj, path, mmap)
        if mmap and path is None:
            raise ValueError("f must be a file path in order to use the mmap argument")
        reader = ZipReader(fobj, path)
        if reader.is_torchscript():
            raise RuntimeError("jtorch.load received a TorchScript archive; jtorch cannot run "
                               "TorchScript programs (use jtorch.jit.load for jtorch exports)")
        data = reader.get_record("data.pkl")
        byteorder = "little"
        if reader.has_record("byteorder"):
            byteorder = reader.get_record("byteorder").decode("ascii", "replace")
            if byteorder not in ("little", "big"):
                raise ValueError("Unknown endianness type: " + byteorder)
        # NOTE: batched placement only when nothing but jtorch's rebuild functions can see a
        # tensor before load() returns (no arbitrary __setstate__ running on them).
        deferred = bool(weights_only) and not _safe
        ctx = LoadContext(reader, map_location, bool(mmap), byteorder, deferred)
        if weights_only:
            try:
                obj = _unpickler.WeightsOnlyUnpickler(data, ctx.persistent_load,
                                                      encoding=encoding).load()
            except pickle.UnpicklingError as e:
                raise pickle.UnpicklingError(
                    f"Weights only load failed. {_UNSAFE_MESSAGE}\n\tWeightsUnpickler error: "
                    f"{e}") from None
        else:
            mod = pickle_module or pickle
            if mod is not pickle:
                raise NotImplementedError("jtorch.load unpickles with the standard `pickle` "
                                          "module only")
            obj = _unpickler.FullUnpickler(io.BytesIO(data), ctx.persistent_load,
                                           **pickle_load_args).load()
        ctx.finalize()
        return obj
    finally:
        if must_close:
            fobj.close()


def get_unsafe_globals_in_checkpoint(f):
    """Globals named in a checkpoint's data.pkl that weights_only=True would refuse."""
    import pickletools
    from ._serialization import _unpickler
    from ._serialization._zip import ZipReader, open_for_read
    fobj, path, must_close = open_for_read(f)
    try:
        data = ZipReader(fobj, path).get_record("data.pkl")
    finally:
        if must_close:
            fobj.close()
    allowed = set(_unpickler._rebuild.torch_globals()) | set(_unpickler._user_globals())
    found, strings = set(), []
    for op, arg, _ in pickletools.genops(data):
        if op.name == "GLOBAL":
            mod, name = arg.split(" ", 1)
            found.add("%s.%s" % _unpickler._fix_name(mod, name))
        elif op.name == "STACK_GLOBAL" and len(strings) >= 2:
            found.add(f"{strings[-2]}.{strings[-1]}")
        elif isinstance(arg, str):
            strings.append(arg)
    return sorted(g for g in found if g not in allowed)
