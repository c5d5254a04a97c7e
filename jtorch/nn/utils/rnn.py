"""torch.nn.utils.rnn: PackedSequence and the pack/pad helpers.

NOTE: packing is host-side bookkeeping (lengths are CPU data in torch too); the tensor data moves
with one gather (pack) or one gather from data plus a padding row (unpack), so autograd flows.
"""
from collections import namedtuple

import numpy as np

from ..._ops.creation import full, tensor
from ..._ops.shape import cat, stack

__all__ = ["PackedSequence", "invert_permutation", "pack_padded_sequence",
           "pad_packed_sequence", "pad_sequence", "unpad_sequence", "pack_sequence",
           "unpack_sequence"]

_PackedSequenceBase = namedtuple("PackedSequence_",
                                 ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


def _np(t):
    if t is None:
        return None
    if hasattr(t, "_arr"):
        return np.asarray(t.detach()._arr())
    return np.asarray(t)


class PackedSequence(_PackedSequenceBase):
    """Data and batch sizes of a packed batch of variable-length sequences."""

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if unsorted_indices is None:
            unsorted_indices = invert_permutation(sorted_indices)
        if batch_sizes is not None:
            if batch_sizes.device.type != "cpu":
                raise ValueError("batch_sizes should always be on CPU. Instances of "
                                 "PackedSequence should never be created manually. They should "
                                 "be instantiated by functions like pack_sequence and "
                                 "pack_padded_sequences in nn.utils.rnn. "
                                 "https://pytorch.org/docs/stable/nn.html#torch.nn.utils.rnn."
                                 "pack_sequence")
            return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)
        if not (isinstance(data, (list, tuple)) and len(data) == 2):
            raise TypeError("Expected data to be a tuple (data, batch_sizes)")
        return super().__new__(cls, data[0], data[1], sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """Move/cast data (batch_sizes stay on CPU)."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def cpu(self, *args, **kwargs):
        """Data on the CPU."""
        return self.to("cpu")

    def double(self):
        """Data as float64."""
        return self.to(dtype=_dt("float64"))

    def float(self):
        """Data as float32."""
        return self.to(dtype=_dt("float32"))

    def half(self):
        """Data as float16."""
        return self.to(dtype=_dt("float16"))

    @property
    def is_cuda(self):
        """Whether data lives on a CUDA device."""
        return self.data.is_cuda

    def is_pinned(self):
        """Always False (no pinned memory in jtorch)."""
        return False


def _dt(name):
    from ... import _dtype
    return getattr(_dtype, name)


def invert_permutation(permutation):
    """The inverse of a permutation tensor (None stays None)."""
    if permutation is None:
        return None
    p = _np(permutation)
    inv = np.empty_like(p)
    inv[p] = np.arange(p.size)
    return tensor(inv)


def _lengths(lengths):
    return [int(v) for v in (_np(lengths).reshape(-1) if not isinstance(lengths, (list, tuple))
                             else lengths)]


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch of sequences (lengths on the host)."""
    lens = np.asarray(_lengths(lengths), dtype=np.int64)
    if enforce_sorted:
        if np.any(lens[:-1] < lens[1:]):
            raise RuntimeError("`lengths` array must be sorted in decreasing order when "
                               "`enforce_sorted` is True. You can pass `enforce_sorted=False` "
                               "to pack_padded_sequence and/or pack_sequence to sidestep this "
                               "requirement if you do not need ONNX exportability.")
        order = np.arange(lens.size)
        sorted_indices = None
    else:
        order = np.argsort(-lens, kind="stable")
        sorted_indices = tensor(order)
    if lens.size and lens.min() <= 0:
        raise RuntimeError("Length of all samples has to be greater than 0, but found an "
                           "element in 'lengths' that is <= 0")
    T = input.shape[1] if batch_first else input.shape[0]
    if lens.size and lens.max() > T:
        raise RuntimeError(f"Expected sequence length to be larger than or equal to the max "
                           f"length, got {T} and {lens.max()}")
    sl = lens[order]
    bs = np.array([(sl > t).sum() for t in range(int(sl[0]) if sl.size else 0)], np.int64)
    ti = np.concatenate([np.full(b, t) for t, b in enumerate(bs)]) if bs.size else \
        np.zeros(0, np.int64)
    bi = np.concatenate([order[:b] for b in bs]) if bs.size else np.zeros(0, np.int64)
    if batch_first:
        data = input[tensor(bi), tensor(ti)]
    else:
        data = input[tensor(ti), tensor(bi)]
    return PackedSequence(data, tensor(bs), sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Unpack a PackedSequence into (padded batch, lengths) in the original batch order."""
    data, bs = sequence.data, _np(sequence.batch_sizes)
    max_len = bs.size
    if total_length is not None:
        if total_length < max_len:
            raise ValueError(f"Expected total_length to be at least the length of the longest "
                             f"sequence in input, but got total_length={total_length} and max "
                             f"sequence length being {max_len}")
    else:
        total_length = max_len
    B = int(bs[0]) if bs.size else 0
    n = data.shape[0]
    idx = np.full((total_length, B), n, np.int64)
    off = 0
    for t, b in enumerate(bs):
        idx[t, :b] = np.arange(off, off + b)
        off += b
    lens = (idx[:max_len] < n).sum(0)
    un = _np(sequence.unsorted_indices)
    if un is not None:
        idx = idx[:, un]
        lens = lens[un]
    pad_row = full((1,) + tuple(data.shape[1:]), padding_value, dtype=data.dtype)
    ext = cat([data, pad_row], 0)
    if batch_first:
        idx = idx.T
    return ext[tensor(np.ascontiguousarray(idx))], tensor(lens.astype(np.int64))


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack variable-length sequences (first dim) into one padded tensor."""
    if padding_side not in ("left", "right"):
        raise ValueError(f"Expected padding_side to be one of left or right, but got "
                         f"{padding_side}.")
    if not isinstance(sequences, (list, tuple)):
        sequences = list(sequences.unbind(0))
    if len(sequences) == 0:
        raise RuntimeError("received an empty list of sequences")
    T = max(s.shape[0] for s in sequences)
    out = []
    for s in sequences:
        k = T - s.shape[0]
        if k:
            pad = full((k,) + tuple(s.shape[1:]), padding_value, dtype=s.dtype)
            s = cat([s, pad] if padding_side == "right" else [pad, s], 0)
        out.append(s)
    return stack(out, 0 if batch_first else 1)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into a list of sequences."""
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :n] for i, n in enumerate(_lengths(lengths))]


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of variable-length sequences."""
    lengths = [s.shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpack_sequence(packed_sequences):
    """Unpack a PackedSequence into a list of sequences."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
