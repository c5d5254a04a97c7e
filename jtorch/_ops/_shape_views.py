"""View ops: results share their input's storage, with the strides/offset torch would give.

(The multi-output views -- split, chunk, unbind, tensor_split -- live in shape.py.)

Each op computes its array with one registered op through `dispatch`, then `make_view` marks the
result as a view of the input's root with torch's layout (computed here in Python from
`input.stride()` / `input.storage_offset()`), so writes through it land in the base.

The ops live in private modules by job; this module re-exports them and builds METHODS:
  _views_base     layout, mkview, ints, type_name (shared by all view ops)
  _views_reshape  view/view_as/view(dtype), reshape, flatten/unflatten, ravel; contiguous
  _views_dims     permute/transpose/t/adjoint/T/mT/mH/H, movedim, squeeze/unsqueeze, expand
  _views_slice    basic-index slicing, narrow/select/diagonal/unfold, as_strided
"""
from ._views_base import ints, layout, mkview, type_name
from ._views_dims import (
    _H, _T_prop, _mH, _mT, _m_permute, adjoint, broadcast_to, expand, expand_as, movedim, moveaxis,
    permute, squeeze, swapaxes, swapdims, t, transpose, unsqueeze,
)
from ._views_reshape import (
    _m_reshape, contiguous, flatten, infer_size, ravel, reshape, reshape_as, unflatten, view,
    view_as,
)
from ._views_slice import (
    _SELECT, _SLICE, _positions, as_strided, basic_index_fn, basic_view, diagonal, dyn_basic_fn,
    narrow, select, select_index, split_basic, unfold,
)
from .registry import register as _reg

__all__ = ["reshape", "flatten", "unflatten", "ravel", "permute", "transpose", "swapaxes",
           "swapdims", "t", "adjoint", "movedim", "moveaxis", "squeeze", "unsqueeze", "narrow",
           "select", "diagonal", "as_strided", "broadcast_to"]

# NOTE: helpers other modules import from here (shape, shape_extra, shape_resize, indexing,
# _index_ops) and the other shared view helpers; named once so linters see the re-export used.
_REEXPORTED = (_SELECT, _SLICE, _positions, _reg, basic_index_fn, basic_view, dyn_basic_fn,
               infer_size, ints, layout, mkview, select_index, split_basic, type_name)


def _meta_inplace(fn, name):
    def inplace(self, *args, **kwargs):
        r = fn(self, *args, **kwargs)
        # NOTE: a metadata-only change: same values, new shape (and layout for a view).
        self._a = r._a
        if self._base is not None:
            self._st = r._st
        return self
    inplace.__name__ = name
    inplace.__doc__ = f"In-place version of {fn.__name__}."
    return inplace


METHODS = {n: globals()[n] for n in __all__}
METHODS.update({
    "view": view, "view_as": view_as, "reshape": _m_reshape, "reshape_as": reshape_as,
    "permute": _m_permute, "expand": expand, "expand_as": expand_as, "unfold": unfold,
    "contiguous": contiguous,
    "squeeze_": _meta_inplace(squeeze, "squeeze_"),
    "unsqueeze_": _meta_inplace(unsqueeze, "unsqueeze_"),
    "T": property(_T_prop), "mT": property(_mT), "mH": property(_mH), "H": property(_H),
})
