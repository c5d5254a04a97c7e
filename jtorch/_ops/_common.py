"""Helpers shared by the op families: dim canonicalisation, in-place plumbing, dtype names."""
import builtins

from .. import _dtype as D
from .registry import dispatch, hooks

__all__ = ["canon_dim", "canon_dims", "inplace_from", "inplace_compute", "torch_name", "make_inplace", "unwrap_out"]

# NOTE: the names torch uses for dtypes in its error messages (c10 ScalarType names).
_TORCH_NAMES = {
    "bool": "Bool", "uint8": "Byte", "int8": "Char", "int16": "Short", "int32": "Int",
    "int64": "Long", "uint16": "UInt16", "uint32": "UInt32", "uint64": "UInt64",
    "float16": "Half", "bfloat16": "BFloat16", "float32": "Float", "float64": "Double",
    "complex64": "ComplexFloat", "complex128": "ComplexDouble",
}


def torch_name(d):
    """c10's name for a dtype ('Float', 'Long', ...), as used in torch's messages."""
    return _TORCH_NAMES[d._name]


def canon_dim(dim, ndim):
    """Wrap a possibly negative dim into [0, ndim); torch's IndexError when out of range."""
    n = builtins.max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-n}, {n - 1}], "
                         f"but got {dim})")
    return dim + n if dim < 0 else dim


def canon_dims(dim, ndim):
    """A sorted tuple of wrapped dims for int / sequence / None (None -> all dims)."""
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, (list, tuple)):
        out = tuple(sorted(canon_dim(d, ndim) for d in dim))
        if len(set(out)) != len(out):
            raise RuntimeError(f"dim {out[0]} appears multiple times in the list of dims")
        return out
    return (canon_dim(dim, ndim),)


def inplace_from(self, r):
    """Write out-of-place result `r` into `self` with torch's in-place checks; return self."""
    if r._a.shape != self._a.shape:
        raise RuntimeError(f"output with shape {list(self._a.shape)} doesn't match the broadcast "
                           f"shape {list(r._a.shape)}")
    sd, rd = self.dtype, r.dtype
    if rd is not sd:
        if rd._cat > sd._cat:
            raise RuntimeError(f"result type {torch_name(rd)} can't be cast to the desired output "
                               f"type {torch_name(sd)}")
        from .pointwise import _to
        r = _to(r, sd)
    if hooks.rebase is not None:
        hooks.rebase(self, r)  # NOTE: autograd's rebase_history; it also performs the write
    else:
        self._set_array(r._arr())
    return self


def inplace_compute(fn, self, args, kwargs):
    """fn(self, *args, **kwargs) for an in-place op. When the op has no kernel for the common
    dtype, torch's error for an in-place result that can't be cast to self's dtype takes
    precedence (torch checks the cast before picking a kernel); the check runs only on that
    failure path."""
    try:
        return fn(self, *args, **kwargs)
    except NotImplementedError:
        T = hooks.tensor_cls
        dims, zeros, scalars = [], [], []
        for x in (self,) + tuple(args):
            if isinstance(x, T):
                (dims if x.dim() else zeros).append(x.dtype)
            elif isinstance(x, (builtins.bool, builtins.int, builtins.float, builtins.complex)):
                scalars.append(D.scalar_dtype(x))
        rt = D.promote_dtypes(dims, zeros, scalars)
        if rt._cat > self.dtype._cat:
            raise RuntimeError(f"result type {torch_name(rt)} can't be cast to the desired "
                               f"output type {torch_name(self.dtype)}") from None
        raise


def make_inplace(fn, name):
    """The in-place variant `name_` of an out-of-place function `fn(self, ...)`."""
    def inplace(self, *args, **kwargs):
        return inplace_from(self, inplace_compute(fn, self, args, kwargs))
    inplace.__name__ = name
    inplace.__doc__ = f"In-place version of {fn.__name__}."
    return inplace


def unwrap_out(result, out):
    """Implement torch's `out=` argument: copy result into `out` (resized) and return it."""
    if out is None:
        return result
    if isinstance(out, (tuple, list)):
        for o, r in zip(out, result):
            unwrap_out(r, o)
        return out
    if out._a.shape != result._a.shape:
        out._base = None
        out._st = None
    if out.dtype is not result.dtype and result.dtype._cat > out.dtype._cat:
        raise RuntimeError(f"result type {torch_name(result.dtype)} can't be cast to the desired "
                           f"output type {torch_name(out.dtype)}")
    from .pointwise import _to
    out._set_array(_to(result, out.dtype)._a if out.dtype is not result.dtype else result._a)
    return out


def with_out(result, out):
    """result, or (torch's out=) result written into out."""
    return result if out is None else unwrap_out(result, out)


def exporter(names):
    """Decorator appending a function's name to `names` (an op module's TORCH_NAMES)."""
    def export(fn):
        names.append(fn.__name__)
        return fn
    return export
