"""PyTorch's checkpoint container: an uncompressed zip whose records start 64-byte aligned.

The writer streams records in order (no seeking, so any writable file object works), padding
each local header with an extra field named ``FB`` (as PyTorch's miniz writer does) so the
record's data starts at a multiple of 64. The reader uses Python's zipfile for the central
directory and reads record payloads straight from their offsets (optionally memory-mapped).
"""
import io
import os
import struct
import zipfile
import zlib

import numpy as np

__all__ = ["ZipWriter", "ZipReader", "ALIGNMENT"]

ALIGNMENT = 64
_U32 = 0xFFFFFFFF
# NOTE: sizes/offsets at or above this use zip64 fields (a name of its own so tests can lower it).
ZIP64_LIMIT = 0xFFFFFFFF
_DOS_DATE = 0x21  # 1980-01-01


class ZipWriter:
    """Write stored (uncompressed) zip records under `<prefix>/`, data 64-byte aligned."""

    def __init__(self, fileobj, prefix):
        self.f = fileobj
        self.prefix = prefix
        self.pos = 0
        self.entries = []  # (name bytes, crc, size, header offset)

    def _write(self, b):
        self.f.write(b)
        self.pos += memoryview(b).nbytes

    def write_record(self, name, data):
        """Append one record; `data` is bytes or a contiguous NumPy array (written raw)."""
        if isinstance(data, str):
            data = data.encode("utf-8")
        if isinstance(data, np.ndarray):
            data = np.ascontiguousarray(data).reshape(-1).view(np.uint8)
        size = memoryview(data).nbytes
        crc = zlib.crc32(data) & _U32
        fname = f"{self.prefix}/{name}".encode("utf-8")
        off = self.pos
        zip64 = size >= ZIP64_LIMIT or off >= ZIP64_LIMIT
        z64 = struct.pack("<HHQQ", 1, 16, size, size) if zip64 else b""
        base = off + 30 + len(fname) + len(z64) + 4
        pad = (-base) % ALIGNMENT
        extra = z64 + b"FB" + struct.pack("<H", pad) + b"Z" * pad
        hdr = struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if zip64 else 20, 0x0800, 0, 0,
                          _DOS_DATE, crc, _U32 if zip64 else size, _U32 if zip64 else size,
                          len(fname), len(extra))
        self._write(hdr + fname + extra)
        if size:
            self._write(data)
        self.entries.append((fname, crc, size, off))

    def close(self):
        """Write the central directory (zip64 records when sizes/offsets/counts need them)."""
        cd_start = self.pos
        any64 = False
        for fname, crc, size, off in self.entries:
            fields = []
            big_size, big_off = size >= ZIP64_LIMIT, off >= ZIP64_LIMIT
            if big_size:
                fields += [size, size]
            if big_off:
                fields.append(off)
            extra = struct.pack("<HH" + "Q" * len(fields), 1, 8 * len(fields), *fields) \
                if fields else b""
            any64 = any64 or bool(fields)
            hdr = struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45 if fields else 20,
                              45 if fields else 20, 0x0800, 0, 0, _DOS_DATE, crc,
                              _U32 if big_size else size, _U32 if big_size else size,
                              len(fname), len(extra), 0, 0, 0, 0, _U32 if big_off else off)
            self._write(hdr + fname + extra)
        cd_size = self.pos - cd_start
        n = len(self.entries)
        if any64 or n >= 0xFFFF or cd_start >= ZIP64_LIMIT or cd_size >= ZIP64_LIMIT:
            z64_off = self.pos
            self._write(struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, n, n, cd_size,
                                    cd_start))
            self._write(struct.pack("<IIQI", 0x07064B50, 0, z64_off, 1))
            self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, _U32, _U32, 0))
        else:
            self._write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, n, n, cd_size, cd_start, 0))


class ZipReader:
    """Read records of a PyTorch zip checkpoint from a seekable binary file object."""

    def __init__(self, fileobj, path=None):
        self.f = fileobj
        self.path = path
        self._mm = None
        try:
            self.zf = zipfile.ZipFile(fileobj)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
                struct.error) as e:
            raise RuntimeError(f"PytorchStreamReader failed reading zip archive: {e} (the file "
                               f"is truncated or is not a valid checkpoint)") from None
        self.infos = {}
        for info in self.zf.infolist():
            self.infos.setdefault(info.filename, info)
        names = [n for n in self.infos if n.endswith("/data.pkl") and n.count("/") == 1]
        if names:
            self.prefix = names[0][: -len("data.pkl")]
        else:
            first = next(iter(self.infos), "")
            self.prefix = first.split("/", 1)[0] + "/" if "/" in first else ""

    def has_record(self, name):
        """Whether the archive holds `<prefix>/name`."""
        return self.prefix + name in self.infos

    def get_record(self, name):
        """The record's bytes, CRC-checked (for small records such as data.pkl)."""
        info = self.infos.get(self.prefix + name)
        if info is None:
            raise RuntimeError(f"PytorchStreamReader failed locating file {name}: file not found")
        try:
            return self.zf.read(info)
        except (zipfile.BadZipFile, EOFError, OSError, ValueError, struct.error,
                NotImplementedError, zlib.error) as e:
            raise RuntimeError(f"PytorchStreamReader failed reading file {name}: {e}") from None

    def _data_offset(self, info):
        if info.compress_type != zipfile.ZIP_STORED:
            raise RuntimeError(f"PytorchStreamReader: record {info.filename} is compressed; "
                               f"checkpoints store records uncompressed")
        self.f.seek(info.header_offset)
        hdr = self.f.read(30)
        if len(hdr) != 30 or hdr[:4] != b"PK\x03\x04":
            raise RuntimeError(f"PytorchStreamReader failed reading file {info.filename}: bad "
                               f"local header (corrupt archive)")
        n, m = struct.unpack("<HH", hdr[26:30])
        return info.header_offset + 30 + n + m

    def get_array(self, name, nbytes, mmap=False):
        """The first `nbytes` bytes of a record as a uint8 array (read, or mapped copy-on-write)."""
        info = self.infos.get(self.prefix + name)
        if info is None:
            raise RuntimeError(f"PytorchStreamReader failed locating file {name}: file not found")
        if info.file_size < nbytes:
            raise RuntimeError(f"PytorchStreamReader: record {name} holds {info.file_size} bytes "
                               f"but the checkpoint describes {nbytes}")
        off = self._data_offset(info)
        if nbytes == 0:
            return np.empty(0, np.uint8)
        if mmap:
            if self._mm is None:
                # NOTE: copy-on-write mapping: arrays may alias it (JAX's CPU zero-copy) and a
                # later write can never reach the file.
                self._mm = np.memmap(self.path, dtype=np.uint8, mode="c")
            if off + nbytes > self._mm.size:
                raise RuntimeError(f"PytorchStreamReader: record {name} runs past the end of "
                                   f"the file (truncated checkpoint)")
            return self._mm[off: off + nbytes]
        # NOTE: 64-byte aligned, so JAX can adopt the buffer without copying it.
        block = np.empty(nbytes + ALIGNMENT, np.uint8)
        start = (-block.ctypes.data) % ALIGNMENT
        out = block[start: start + nbytes]
        self.f.seek(off)
        got = self.f.readinto(out) if hasattr(self.f, "readinto") else None
        if got is None:
            self.f.seek(off)
            b = self.f.read(nbytes)
            got = len(b)
            out[:got] = np.frombuffer(b, np.uint8)
        if got != nbytes:
            raise RuntimeError(f"PytorchStreamReader failed reading file {name}: the record is "
                               f"truncated ({got} of {nbytes} bytes)")
        return out

    def is_torchscript(self):
        """Whether this archive is a TorchScript program rather than a torch.save file."""
        return self.has_record("constants.pkl")

    def close(self):
        """Release the zipfile handle."""
        self.zf.close()


def open_for_read(f):
    """(file object, path or None, must_close) for a path or a binary file-like object."""
    if isinstance(f, (str, bytes, os.PathLike)):
        path = os.fsdecode(os.fspath(f))
        return open(path, "rb"), path, True
    if not hasattr(f, "read"):
        raise TypeError(f"load: expected a path or a binary file-like object, got "
                        f"{type(f).__name__}")
    if not (hasattr(f, "seek") and getattr(f, "seekable", lambda: True)()):
        return io.BytesIO(f.read()), None, True
    return f, None, False
