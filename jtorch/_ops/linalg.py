"""The matmul family: matmul/mm/bmm/mv/dot, addmm and friends, einsum, tensordot, kron, trace."""
import builtins
import math
import warnings

import jax.numpy as jnp
from jax import lax

from .. import _dtype as D
from ._common import canon_dim, torch_name
from .registry import dispatch, promote
from .registry import register as _reg
from ._common import with_out as _out

__all__ = []

# NOTE: XLA's default float32 matmul precision may use bf16/TF32 passes on TPU/GPU; HIGHEST
# keeps full float32 products so results match torch's float32 numerics on every backend.
_HI = lax.Precision.HIGHEST

# NOTE: the C++ type names torch prints in mm's dtype-mismatch message.
_CPP = {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
        "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
        "float16": "c10::Half", "bfloat16": "c10::BFloat16",
        "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}


def _public(fn):
    __all__.append(fn.__name__)
    return fn


def _dt(x):
    return D.from_np(x.dtype)


def _tn(x):
    return torch_name(_dt(x))


def _shape(x):
    return "x".join(str(s) for s in x.shape)


def _mm_dtype(a, b):
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_CPP[_dt(a)._name]} != {_CPP[_dt(b)._name]}")
    _no_bool(a, "addmm_impl_cpu_")


def _no_bool(x, what):
    if x.dtype == jnp.bool_:
        raise NotImplementedError(f"\"{what}\" not implemented for 'Bool'")


def _same_dtype(a, b):
    if a.dtype != b.dtype:
        raise RuntimeError(f"expected scalar type {_tn(a)} but found {_tn(b)}")


def _dot(a, b):
    # NOTE: integer products stay integer (int64 accumulation), as in torch.
    return jnp.matmul(a, b, precision=_HI)


# ---- matmul and its special cases --------------------------------------------------------

def _mm_check(a, b):
    if a.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if b.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({_shape(a)} and "
                           f"{_shape(b)})")
    _mm_dtype(a, b)


def _mm_fn(a, b):
    _mm_check(a, b)
    return _dot(a, b)


def _mv_check(m, v, n_in=None):
    if m.ndim != 2 or v.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {m.ndim}, {v.ndim}")
    if m.shape[1] != v.shape[0]:
        raise RuntimeError(f"size mismatch, got input ({m.shape[0] if n_in is None else n_in}), "
                           f"mat ({_shape(m)}), vec ({v.shape[0]})")
    if m.dtype != v.dtype:
        raise RuntimeError(f"addmv input tensors must have the same dtype, but got {_tn(v)}, "
                           f"{_tn(m)}, and {_tn(v)}")
    _no_bool(m, "addmv_impl_cpu")


def _mv_fn(m, v):
    _mv_check(m, v)
    return _dot(m, v)


def _dot_check(a, b, name="dot"):
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.dtype != b.dtype:
        raise RuntimeError(f"{name} : expected both vectors to have same dtype, but found "
                           f"{_tn(a)} and {_tn(b)}")
    if a.shape[0] != b.shape[0]:
        raise RuntimeError(f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src "
                           f"[{b.shape[0]}] to have the same number of elements, but got "
                           f"{a.shape[0]} and {b.shape[0]} elements respectively")
    _no_bool(a, name)


def _dot_fn(a, b):
    _dot_check(a, b)
    return _dot(a, b)


def _vdot_fn(a, b):
    _dot_check(a, b, "vdot")
    return _dot(jnp.conj(a), b)


def _vm_fn(v, m):
    if v.shape[0] != m.shape[0]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied (1x{v.shape[0]} and "
                           f"{_shape(m)})")
    _mm_dtype(v, m)
    return _dot(v, m)


def _batched_fn(a, b):
    """matmul with at least one operand of >= 3 dims: broadcast batch dims, then bmm."""
    if b.ndim == 1:
        n = math.prod(a.shape[:-1])
        if a.shape[-1] != b.shape[0]:
            raise RuntimeError(f"size mismatch, got input ({n}), mat ({n}x{a.shape[-1]}), vec "
                               f"({b.shape[0]})")
        _same_dtype(a, b)
    elif a.ndim == 1:
        if a.shape[0] != b.shape[-2]:
            bb = math.prod(b.shape[:-2])
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{bb}, {a.shape[0]}] but got: [{bb}, {b.shape[-2]}].")
        _same_dtype(a, b)
    elif b.ndim == 2:
        if a.shape[-1] != b.shape[0]:
            raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied "
                               f"({math.prod(a.shape[:-1])}x{a.shape[-1]} and {_shape(b)})")
        _same_dtype(a, b)
    else:
        from .pointwise import _bshape
        _bshape(jnp.zeros(a.shape[:-2], bool), jnp.zeros(b.shape[:-2], bool))
        if a.shape[-1] != b.shape[-2]:
            bb = math.prod(jnp.broadcast_shapes(a.shape[:-2], b.shape[:-2]))
            raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                               f"[{bb}, {a.shape[-1]}] but got: [{bb}, {b.shape[-2]}].")
        _same_dtype(a, b)
    _no_bool(a, "addmm_impl_cpu_")
    return _dot(a, b)


_MM = _reg("mm", _mm_fn)
_MV = _reg("mv", _mv_fn)
_DOTO = _reg("dot", _dot_fn)
_VDOT = _reg("vdot", _vdot_fn)
# NOTE: torch's matmul decomposes by rank; the grad_fn names are those of the pieces it uses.
_VM = _reg("matmul_vm", _vm_fn, grad_name="SqueezeBackward4")
_BATCHED = _reg("matmul", _batched_fn, grad_name="UnsafeViewBackward0")


@_public
def matmul(input, other, *, out=None):
    """Matrix product with torch's 1-d and batch-broadcasting rules (torch.matmul)."""
    da, db = input.ndim, other.ndim
    if da == 0 or db == 0:
        raise RuntimeError(f"both arguments to matmul need to be at least 1D, but they are "
                           f"{da}D and {db}D")
    if da <= 2 and db <= 2:
        o = {(1, 1): _DOTO, (2, 1): _MV, (1, 2): _VM, (2, 2): _MM}[(da, db)]
    else:
        o = _BATCHED
    return _out(dispatch(o, (input, other)), out)


@_public
def mm(input, mat2, *, out=None):
    """Matrix product of two 2-d tensors (torch.mm)."""
    return _out(dispatch(_MM, (input, mat2)), out)


def _bmm_check(a, b):
    if a.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if b.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise RuntimeError(f"Expected size for first two dimensions of batch2 tensor to be: "
                           f"[{a.shape[0]}, {a.shape[2]}] but got: [{b.shape[0]}, {b.shape[1]}].")
    _same_dtype(a, b)
    _no_bool(a, "bmm")


def _bmm_fn(a, b):
    _bmm_check(a, b)
    return _dot(a, b)


_BMM = _reg("bmm", _bmm_fn)


@_public
def bmm(input, mat2, *, out=None):
    """Batched matrix product of two 3-d tensors (torch.bmm)."""
    return _out(dispatch(_BMM, (input, mat2)), out)


@_public
def mv(input, vec, *, out=None):
    """Matrix-vector product (torch.mv)."""
    return _out(dispatch(_MV, (input, vec)), out)


@_public
def dot(input, tensor, *, out=None):
    """Inner product of two 1-d tensors of the same dtype (torch.dot)."""
    return _out(dispatch(_DOTO, (input, tensor)), out)


@_public
def vdot(input, other, *, out=None):
    """Dot product with the first argument conjugated (torch.vdot)."""
    return _out(dispatch(_VDOT, (input, other)), out)


# ---- add* family: beta * input + alpha * product -------------------------------------------

def _expand_to(x, shape):
    """torch's expand check for the `input` of addmm & co."""
    if x.ndim > len(shape):
        raise RuntimeError(f"The expanded size of the tensor ({shape[0]}) must match the existing "
                           f"size ({x.shape[0]}) at non-singleton dimension 0.  Target sizes: "
                           f"{list(shape)}.  Tensor sizes: {list(x.shape)}")
    pad = (1,) * (len(shape) - x.ndim) + tuple(x.shape)
    for i, (s, t) in enumerate(zip(pad, shape)):
        if s != t and s != 1:
            j = i - (len(shape) - x.ndim)
            raise RuntimeError(f"The expanded size of the tensor ({t}) must match the existing "
                               f"size ({s}) at non-singleton dimension {j}.  Target sizes: "
                               f"{list(shape)}.  Tensor sizes: {list(x.shape)}")
    return jnp.broadcast_to(x, shape)


def _scaled_sum(x, prod, beta, alpha):
    if x.dtype != prod.dtype:
        raise RuntimeError(f"self and mat2 must have the same dtype, but got {_tn(x)} and "
                           f"{_tn(prod)}")
    x = _expand_to(x, prod.shape)
    dt = prod.dtype
    if _dt(prod)._cat < 2:  # NOTE: torch truncates float beta/alpha for integer inputs
        beta, alpha = beta.astype(jnp.float64).astype(dt), alpha.astype(jnp.float64).astype(dt)
    else:
        beta, alpha = beta.astype(dt), alpha.astype(dt)
    # NOTE: beta == 0 ignores input entirely (NaN/inf in it do not propagate), as in torch.
    scaled = jnp.where(beta == 0, jnp.zeros((), dt), beta * x)
    return scaled + alpha * prod


def _addmm_fn(x, a, b, beta, alpha):
    return _scaled_sum(x, _mm_fn(a, b), beta, alpha)


def _addmv_fn(x, m, v, beta, alpha):
    _mv_check(m, v, x.shape[0] if x.ndim else 1)
    return _scaled_sum(x, _dot(m, v), beta, alpha)


def _addbmm_fn(x, a, b, beta, alpha):
    _bmm_check(a, b)
    return _scaled_sum(x, jnp.sum(_dot(a, b), axis=0), beta, alpha)


def _baddbmm_fn(x, a, b, beta, alpha):
    _bmm_check(a, b)
    return _scaled_sum(x, _dot(a, b), beta, alpha)


def _addr_fn(x, u, v, beta, alpha):
    if u.ndim != 1 or v.ndim != 1:
        raise RuntimeError(f"addr: Expected 1-d argument vec{1 if u.ndim != 1 else 2}, but got "
                           f"{(u if u.ndim != 1 else v).ndim}-D")
    (u, v), rt = promote(u, v)
    prod = jnp.logical_and(u[:, None], v[None, :]) if rt is D.bool else u[:, None] * v[None, :]
    return _scaled_sum(x.astype(prod.dtype), prod, beta, alpha)


def _def_add(name, fn, doc):
    o = _reg(name, fn)

    def public(input, a, b, *, beta=1, alpha=1, out=None):
        return _out(dispatch(o, (input, a, b, beta, alpha)), out)
    public.__name__ = name
    public.__doc__ = doc
    globals()[name] = public
    __all__.append(name)


_def_add("addmm", _addmm_fn, "beta * input + alpha * (mat1 @ mat2) (torch.addmm).")
_def_add("addmv", _addmv_fn, "beta * input + alpha * (mat @ vec) (torch.addmv).")
_def_add("addbmm", _addbmm_fn, "beta * input + alpha * sum_b(batch1[b] @ batch2[b]) "
                               "(torch.addbmm).")
_def_add("baddbmm", _baddbmm_fn, "beta * input + alpha * bmm(batch1, batch2) (torch.baddbmm).")
_def_add("addr", _addr_fn, "beta * input + alpha * outer(vec1, vec2) (torch.addr).")


# ---- outer / inner / tensordot / einsum / kron / trace / cross ----------------------------

def _outer_fn(a, b):
    for x, n in ((a, "self"), (b, "vec2")):
        if x.ndim != 1:
            raise RuntimeError(f"outer: Expected 1-D argument {n}, but got {x.ndim}-D")
    (a, b), rt = promote(a, b)
    return jnp.logical_and(a[:, None], b) if rt is D.bool else a[:, None] * b


_OUTER = _reg("outer", _outer_fn, grad_name="MulBackward0")


@_public
def outer(input, vec2, *, out=None):
    """Outer product of two 1-d tensors (torch.outer)."""
    return _out(dispatch(_OUTER, (input, vec2)), out)


ger = outer
__all__.append("ger")


def _tensordot_fn(dims_a, dims_b, a, b):
    if a.dtype != b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    if len(dims_a) != len(dims_b):
        raise RuntimeError("both dimension lists should have same length")
    for da, db in zip(dims_a, dims_b):
        sa, sb = a.shape[da], b.shape[db]
        # NOTE: as torch, a size-1 dim contracts with any size: the other side is summed over
        # that dim first (keepdim), so both become size 1.
        if sb == 1:
            a = jnp.sum(a, axis=da, keepdims=True, dtype=a.dtype)
        elif sa == 1:
            b = jnp.sum(b, axis=db, keepdims=True, dtype=b.dtype)
        elif sa != sb:
            raise RuntimeError(f"contracted dimensions need to match, but first has size "
                               f"{sa} in dim {da} and second has size {sb} in dim {db}")
    return jnp.tensordot(a, b, (tuple(dims_a), tuple(dims_b)), precision=_HI)


_TENSORDOT = _reg("tensordot", _tensordot_fn, grad_name="ViewBackward0")


@_public
def tensordot(a, b, dims=2, out=None):
    """Contract dims of a with dims of b (int n: last n of a, first n of b) (torch.tensordot)."""
    if hasattr(dims, "tolist"):
        dims = dims.tolist()
    if isinstance(dims, builtins.int):
        if dims < 0:
            raise RuntimeError(f"tensordot expects dims >= 0, but got dims={dims}")
        da = tuple(range(-dims, 0)) if dims else ()
        db = tuple(range(dims))
        # NOTE: torch reports the contracted dims of a as negative in this form.
        return _out(dispatch(_TENSORDOT, (a, b), (da, db)), out)
    da, db = dims
    da = (da,) if isinstance(da, builtins.int) else tuple(da)
    db = (db,) if isinstance(db, builtins.int) else tuple(db)
    return _out(dispatch(_TENSORDOT, (a, b), (da, db)), out)


def _inner_fn(a, b):
    if a.ndim == 0 or b.ndim == 0:
        (a, b), _ = promote(a, b)
        return a * b
    if a.dtype != b.dtype:
        raise RuntimeError("both inputs should have same dtype")
    if a.shape[-1] != b.shape[-1]:
        raise RuntimeError(f"inner() the last dimension must match on both input tensors but got "
                           f"shapes {list(a.shape)} and {list(b.shape)}")
    return jnp.tensordot(a, b, ((a.ndim - 1,), (b.ndim - 1,)), precision=_HI)


_INNER = _reg("inner", _inner_fn, grad_name="ViewBackward0")


@_public
def inner(input, other, *, out=None):
    """Contract the last dims of input and other (torch.inner)."""
    return _out(dispatch(_INNER, (input, other)), out)


def _einsum_check(eq, arrs):
    """torch's einsum errors for the common mistakes (jnp would raise ValueError)."""
    lhs, arrow, rhs = eq.replace(" ", "").partition("->")
    terms = lhs.split(",")
    if len(terms) > len(arrs):
        raise RuntimeError("einsum(): fewer operands were provided than specified in the "
                           "equation")
    if len(terms) < len(arrs):
        # NOTE: torch's Python-level path check (opt_einsum) raises this one as ValueError.
        raise ValueError(f"Number of einsum subscripts, {len(terms)}, must be equal to the "
                         f"number of operands, {len(arrs)}.")
    sizes = {}
    for k, (t, x) in enumerate(zip(terms, arrs)):
        ell = "..." in t
        labels = t.replace("...", "")
        if (not ell and len(labels) != x.ndim) or (ell and len(labels) > x.ndim):
            raise RuntimeError(f"einsum(): the number of subscripts in the equation "
                               f"({len(labels)}) does not match the number of dimensions "
                               f"({x.ndim}) for operand {k}"
                               + ("" if ell else " and no ellipsis was given"))
        pre = t.split("...")[0] if ell else labels
        dims = list(range(len(pre))) + list(range(x.ndim - (len(labels) - len(pre)), x.ndim))
        for c, d in zip(labels, dims):
            n = x.shape[d]
            if c in sizes and n != sizes[c] and 1 not in (n, sizes[c]):
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which "
                                   f"does not broadcast with previously seen size {sizes[c]}")
            if c not in sizes or sizes[c] == 1:
                sizes[c] = n
    if arrow:
        seen = set()
        for c in rhs.replace("...", ""):
            if c in seen:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in "
                                   f"the output")
            if c not in lhs:
                raise RuntimeError(f"einsum(): output subscript {c} does not appear in the "
                                   f"equation for any input operand")
            seen.add(c)
    for x in arrs[1:]:
        _same_dtype(arrs[0], x)


def _einsum_fn(eq, *arrs):
    _einsum_check(eq, arrs)
    try:
        return jnp.einsum(eq, *arrs, precision=_HI)
    except ValueError as e:
        raise RuntimeError(f"einsum(): {e}") from None


_EINSUM = _reg("einsum", _einsum_fn, grad_name="ViewBackward0")


@_public
def einsum(equation, *operands):
    """Einstein summation over operands (varargs or one list) (torch.einsum)."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    return dispatch(_EINSUM, tuple(operands), (equation,))


def _kron_fn(a, b):
    (a, b), rt = promote(a, b)
    if rt is D.bool:
        return jnp.kron(a.astype(jnp.uint8), b.astype(jnp.uint8)).astype(bool)
    return jnp.kron(a, b)


_KRON = _reg("kron", _kron_fn, grad_name="UnsafeViewBackward0")


@_public
def kron(input, other, *, out=None):
    """Kronecker product (torch.kron)."""
    return _out(dispatch(_KRON, (input, other)), out)


def _trace_fn(x):
    if x.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {x.ndim}")
    _no_bool(x, "trace")
    return jnp.trace(x, dtype=jnp.int64 if _dt(x)._cat < 2 else None)


_TRACE = _reg("trace", _trace_fn)


@_public
def trace(input):
    """Sum of the main diagonal of a 2-d tensor; integers accumulate in int64 (torch.trace)."""
    return dispatch(_TRACE, (input,))


def _cross_fn(axis, shown, a, b):
    from .pointwise import _bshape
    _bshape(a, b)
    _same_dtype(a, b)
    if a.shape[axis] != 3 or b.shape[axis] != 3:
        raise RuntimeError(f"linalg.cross: inputs dimension {shown} must have length 3. Got "
                           f"{a.shape[axis]} and {b.shape[axis]}")
    return jnp.cross(a, b, axis=axis)


_CROSS = _reg("linalg_cross", _cross_fn, grad_name="LinalgCrossBackward0")


@_public
def cross(input, other, dim=None, *, out=None):
    """Cross product of 3-vectors along dim (default: first dim of size 3) (torch.cross)."""
    if dim is None:
        warnings.warn("Using torch.cross without specifying the dim arg is deprecated.\nPlease "
                      "either pass the dim explicitly or simply use torch.linalg.cross.\nThe "
                      "default value of dim will change to agree with that of linalg.cross in a "
                      "future release.", UserWarning, stacklevel=2)
        shape = jnp.broadcast_shapes(tuple(input.shape), tuple(other.shape))
        dim = next((i for i, s in enumerate(shape) if s == 3), -1)
    nd = builtins.max(input.ndim, other.ndim)
    return _out(dispatch(_CROSS, (input, other), (canon_dim(dim, nd), dim)), out)
