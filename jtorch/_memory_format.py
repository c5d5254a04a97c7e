"""torch's memory_format= handling: the strides a new tensor gets in a memory format, and the
memory_format-aware Tensor.contiguous / to / clone / float / double / ... (installed on import)."""
import builtins

from . import _view
from ._tensor import (Tensor, _MemoryFormat, channels_last, channels_last_3d, contiguous_format,
                      preserve_format)

__all__ = ["check_memory_format", "target_strides", "relayout", "suggest_memory_format",
           "format_strides", "clone", "original"]


# ---- strides of a memory format -----------------------------------------------------------------

def check_memory_format(fmt, fname, none_means=None):
    """torch's TypeError for a memory_format argument that is not a torch.memory_format;
    None stands for `none_means` where torch's argument is optional."""
    if fmt is None and none_means is not None:
        return none_means
    if not isinstance(fmt, _MemoryFormat):
        raise TypeError(f"{fname}(): argument 'memory_format' must be torch.memory_format, not "
                        f"{builtins.type(fmt).__name__}")
    return fmt


def _check_rank(shape, fmt):
    if fmt is channels_last and len(shape) != 4:
        raise RuntimeError("required rank 4 tensor to use channels_last format")
    if fmt is channels_last_3d and len(shape) != 5:
        raise RuntimeError("required rank 5 tensor to use channels_last_3d format")


def _order_strides(shape, order):
    """Dense strides laying dims out in `order` (outermost first)."""
    st, acc = [0] * len(shape), 1
    for d in reversed(order):
        st[d] = acc
        acc *= builtins.max(shape[d], 1)
    return tuple(st)


def format_strides(shape, fmt):
    """torch's get_channels_last_strides_2d/3d (None: contiguous)."""
    if fmt is channels_last:
        return _order_strides(shape, (0, 2, 3, 1))
    if fmt is channels_last_3d:
        return _order_strides(shape, (0, 2, 3, 4, 1))
    return None


def _non_overlapping_and_dense(shape, strides):
    """c10's compute_non_overlapping_and_dense."""
    if len(shape) == 1:
        return shape[0] < 2 or strides[0] == 1
    perm = sorted(range(len(shape)), key=lambda d: (shape[d] < 2, strides[d] if shape[d] >= 2
                                                     else 0))
    required = 1
    for d in perm:
        if shape[d] < 2:
            return True
        if strides[d] != required:
            return False
        required *= shape[d]
    return True


def suggest_memory_format(t):
    """c10's suggest_memory_format: channels_last(_3d) when the strides look like it
    (is_channels_last_strides_2d_s4 / _3d_s5), else contiguous_format."""
    shape, strides = tuple(t.shape), t.stride()
    order = {4: (1, 3, 2, 0), 5: (1, 4, 3, 2, 0)}.get(len(shape))
    if order is None or strides[1] == 0:
        return contiguous_format
    lo = 0
    for d in order:
        if shape[d] == 0 or strides[d] < lo:
            return contiguous_format
        if d == 0 and lo == strides[1]:
            return contiguous_format
        lo = strides[d] * shape[d] if shape[d] > 1 else strides[d]
    return channels_last if len(shape) == 4 else channels_last_3d


def _infer_dense_strides(shape, strides):
    """ATen's infer_dense_strides: dense strides keeping the input's dim order."""
    nd = len(shape)
    perm = list(reversed(range(nd)))

    def should_swap(d0, d1):
        s0, s1 = strides[d0], strides[d1]
        if s0 == 0 or s1 == 0:
            return 0
        if s0 != s1:
            return -1 if s0 < s1 else 1
        return 1 if shape[d0] > shape[d1] else 0
    for i in range(1, nd):
        d1 = i
        for d0 in range(i - 1, -1, -1):
            c = should_swap(perm[d0], perm[d1])
            if c > 0:
                perm[d0], perm[d1] = perm[d1], perm[d0]
                d1 = d0
            elif c < 0:
                break
    out, acc = [0] * nd, 1
    for d in perm:
        out[d] = acc
        if shape[d] > 1:
            acc *= shape[d]
    return tuple(out)


def target_strides(fmt, src):
    """The strides torch gives a new tensor made from `src` in memory format `fmt` (None:
    row-major contiguous)."""
    shape = tuple(src.shape)
    if fmt is None or fmt is preserve_format:
        if src._base is None or suggest_memory_format(src) is contiguous_format:
            # NOTE: torch would also keep the dim order of any other dense permutation (a
            # clone of x.t() has x.t()'s strides); jtorch keeps only channels_last layouts and
            # makes other copies row-major: a permuted layout would be a view over a hidden
            # storage, and cost a scatter per copy.
            return None
        st = src.stride()
        if _non_overlapping_and_dense(shape, st):
            return st
        return _infer_dense_strides(shape, st)
    _check_rank(shape, fmt)
    return format_strides(shape, fmt)


def relayout(out, strides):
    """`out` (a fresh contiguous tensor) with the same values laid out with `strides`."""
    shape = tuple(out.shape)
    if strides is None or tuple(strides) == _view.contiguous_strides(shape):
        return out
    from ._ops.creation import zeros
    size = 0 if 0 in shape else 1 + builtins.sum((n - 1) * s for n, s in zip(shape, strides))
    # NOTE: jtorch roots are row-major; another layout is a view over a fresh flat storage
    # (the same trick torch.empty_permuted uses). The copy keeps autograd flowing into `out`.
    view = zeros(size, dtype=out.dtype, device=out.device).as_strided(shape, strides)
    return view.copy_(out)


def _contiguous(self, memory_format=contiguous_format):
    """self if already laid out in memory_format, else a copy that is (Tensor.contiguous)."""
    check_memory_format(memory_format, "contiguous")
    if self.is_contiguous(memory_format=memory_format):
        return self
    if memory_format is preserve_format:
        raise RuntimeError("preserve memory format is unsupported by the contiguous operator")
    _check_rank(self.shape, memory_format)
    out = _orig["contiguous"](self)
    if out is self:
        out = self.clone()
    return relayout(out, format_strides(tuple(self.shape), memory_format))


def _to(self, *args, memory_format=preserve_format, **kwargs):
    """Cast/move self (Tensor.to), laying a new result out like torch's memory_format rule."""
    memory_format = check_memory_format(memory_format, "to", preserve_format)
    if memory_format is not preserve_format:
        _check_rank(self.shape, memory_format)
    out = _orig["to"](self, *args, **kwargs)
    if out is self:
        # NOTE: ATen's to_will_alias: self is returned when its suggested format is the one
        # asked for (a transposed tensor "is" contiguous_format here; a sliced channels_last
        # one is channels_last).
        if memory_format is preserve_format or suggest_memory_format(self) is memory_format:
            return self
        out = _orig["clone"](self)
    elif self._base is None and memory_format is preserve_format:
        return out  # NOTE: fast path: a root is row-major, and so is the new tensor
    return relayout(out, target_strides(memory_format, self))


def clone(input, *, memory_format=preserve_format):
    """A copy of input laid out per memory_format (Tensor.clone / torch.clone)."""
    memory_format = check_memory_format(memory_format, "clone", preserve_format)
    if input._base is None and memory_format is preserve_format:
        return _orig["clone"](input)  # NOTE: fast path: a root is row-major already
    strides = target_strides(memory_format, input)
    return relayout(_orig["clone"](input), strides)


def _caster(name):
    orig = _orig[name]

    def cast(self, *, memory_format=preserve_format):
        memory_format = check_memory_format(memory_format, name, preserve_format)
        out = orig(self)
        if out is self and memory_format is preserve_format:
            return self
        if out is self:
            return _to(self, memory_format=memory_format)
        return relayout(out, target_strides(memory_format, self))
    cast.__name__ = name
    cast.__doc__ = f"self.to(torch.{name}-type), keeping torch's memory_format rule."
    return cast


_CAST_NAMES = ("float", "double", "half", "bfloat16", "long", "int", "short", "char", "byte",
               "bool", "cfloat", "cdouble")
_orig = {n: getattr(Tensor, n) for n in ("contiguous", "to", "clone") + _CAST_NAMES}


def original(name):
    """Tensor's `name` method as it was before this module wrapped it."""
    return _orig[name]


# NOTE: installed on import; _tensor_methods_extra imports this module first, so these wrappers
# are in place before its own methods (which call original() for the unwrapped versions).
_WRAPPERS = {"contiguous": _contiguous, "to": _to, "clone": clone}
_WRAPPERS.update({n: _caster(n) for n in _CAST_NAMES})
for _n, _f in _WRAPPERS.items():
    setattr(Tensor, _n, _f)
