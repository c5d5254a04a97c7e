"""The op registry and the eager dispatch path: unwrap -> cached compiled op -> wrap (+ tape).

Every op is a pure JAX function of arrays plus hashable static arguments. `dispatch` looks up
(or compiles once) `jax.jit(partial(fn, *statics))` and calls it on the unwrapped arrays. Torch's
result-dtype rules and shape checks run inside the function at trace time, so they cost nothing
per call; errors raised there surface as torch's exception classes.
"""
import functools
import math

import jax
import jax.numpy as jnp
import numpy as np

from .. import _device as DEV
from .. import _dtype as D
from .. import _float8

__all__ = ["Op", "op", "OPS", "dispatch", "promote", "result_dtype", "scalar_array", "hooks"]

OPS = {}


class hooks:
    """Late-bound hooks other layers install (autograd recording, Tensor wrapping)."""
    # NOTE: the tape and the ops never import each other (DESIGN.md point 3): autograd sets
    # `record` here; dispatch calls it in exactly one place when an input requires grad.
    record = None
    rebase = None      # (tensor, result) -> None: autograd bookkeeping + the in-place write
    regen_view = None  # (view) -> None: remake a view's grad_fn after its base was rebased
    mode = None        # thread-local grad mode, set by autograd.grad_mode
    wrap = None        # array -> Tensor, set by _tensor
    tensor_cls = None  # the Tensor class, set by _tensor


class Op:
    """One registered op: a pure JAX function plus a per-statics cache of compiled callables."""

    __slots__ = ("name", "fn", "cache", "nout", "differentiable", "grad_name", "view",
                 "nondiff_outputs", "ag", "__weakref__")

    def __init__(self, name, fn, nout=1, differentiable=True, grad_name=None, view=None,
                 nondiff_outputs=()):
        self.name = name
        self.fn = _float8.guard(name, fn)  # NOTE: fn itself unless torch has float8 rules for it
        self.cache = {}
        self.nout = nout
        self.differentiable = differentiable
        # NOTE: torch's grad_fn name, e.g. "MulBackward0"; shown in reprs of results.
        self.grad_name = grad_name or (name[:1].upper() + name[1:] + "Backward0")
        self.view = view  # None, or a function (shape, strides, offset, *statics) -> same
        self.nondiff_outputs = nondiff_outputs
        self.ag = None  # NOTE: autograd's per-op metadata, filled on the first recording

    def compiled(self, statics):
        """The jitted callable for these static arguments (compiled once, then cached)."""
        f = self.cache.get(statics)
        if f is None:
            f = jax.jit(functools.partial(self.fn, *statics) if statics else self.fn)
            self.cache[statics] = f
        return f

    def __repr__(self):
        return f"<jtorch op {self.name}>"


def register(name, fn, **kw):
    """Register the pure JAX function fn as op `name`; returns the Op."""
    o = Op(name, fn, **kw)
    OPS[name] = o
    return o


def op(name, **kw):
    """Decorator: register a pure JAX function as op `name`."""
    return lambda fn: register(name, fn, **kw)


# ---- Python scalars ------------------------------------------------------------------
_ArrayImpl = type(jnp.zeros(()))
_Single = jax.sharding.SingleDeviceSharding
# NOTE: a Python number passed straight to a jitted function costs ~9 us of conversion; a
# cached weak-typed device scalar costs ~4 us. Weak typing is how the traced function knows
# an operand was a Python number (torch's lowest promotion priority).
_SCALARS = {}


def scalar_array(v, like=None):
    """A cached weak-typed JAX scalar for a Python number (bool stays a strong bool), on the
    device of the array `like` (default: JAX's default device).
    NOTE: a scalar on another device than the op's tensors is copied over in every call (a
    device->host wait for CPU tensors on a GPU machine, whose JAX default is the GPU; measured
    with two CPU devices: x * 0.5 took 114 us instead of 30)."""
    t = type(v)
    key = (t, v) if t is not float else (t, v, math.copysign(1.0, v))
    sh = None
    if like is not None and type(like) is _ArrayImpl:
        sh = like.sharding
        if type(sh) is _Single:  # NOTE: a sharded array's scalar stays replicated by jit
            key += (sh,)
        else:
            sh = None
    try:
        return _SCALARS[key]
    except KeyError:
        pass
    except TypeError:  # unhashable
        raise TypeError(f"expected a Tensor or a number, got {t.__name__}") from None
    # NOTE: concrete even when first seen inside a jit trace (jtorch.compile): a cached tracer
    # would leak into every later call.
    with jax.ensure_compile_time_eval():
        a = _scalar_const(t, v)
    if sh is not None:
        a = jax.device_put(a, sh)
    if v == v and len(_SCALARS) < 4096:  # NOTE: NaN never hits a dict; don't fill with them
        _SCALARS[key] = a
    return a


def _scalar_const(t, v):
    if t is bool or isinstance(v, np.bool_):
        a = jnp.asarray(bool(v))
    elif t is int or isinstance(v, np.integer):
        v = int(v)
        if not -(1 << 63) <= v < (1 << 63):
            raise RuntimeError(f"value cannot be converted to type int64 without overflow")
        a = jnp.asarray(v)  # NOTE: a bare Python number gives a weak int64 (x64 is on)
    elif t is float or isinstance(v, np.floating):
        a = jnp.asarray(float(v))
    elif t is complex or isinstance(v, np.complexfloating):
        a = jnp.asarray(complex(v))
    else:
        raise TypeError(f"expected a Tensor or a number, got {t.__name__}")
    return a


# ---- trace-time dtype rules -------------------------------------------------------------

def _is_scalar(x):
    return getattr(x, "weak_type", False)


def result_dtype(*xs):
    """torch's result dtype (a jtorch dtype) for traced operands (Python numbers are weak)."""
    dims, zeros, scalars = [], [], []
    for x in xs:
        if x is None:
            continue
        if isinstance(x, (bool, int, float, complex)):
            scalars.append(D.scalar_dtype(x))
            continue
        d = D.from_np(x.dtype)
        if _is_scalar(x):
            scalars.append(D.scalar_dtype({D.bool: True, D.int64: 1, D.float64: 1.0,
                                           D.complex128: 1j}[d]))
        elif x.ndim == 0:
            zeros.append(d)
        else:
            dims.append(d)
    return D.promote_dtypes(dims, zeros, scalars)


def cast(x, npd):
    """x.astype(npd) for a traced operand. NOTE: a bool goes through uint8: XLA's simplifier
    turns convert(pred) * y into select(pred, y, 0), which gives 0 instead of NaN when y is
    inf/NaN (False * inf must be NaN, as in torch); the extra convert keeps it a real multiply."""
    x = jnp.asarray(x)
    if x.dtype == np.bool_ and npd != np.bool_:
        x = x.astype(np.uint8)
    return x.astype(npd)


def promote(*xs):
    """Cast traced operands to torch's common result dtype; returns (arrays, torch dtype)."""
    rt = result_dtype(*xs)
    npd = rt._np
    return [x if x is None or (x.dtype == npd and not _is_scalar(x)) else
            cast(x, npd) for x in xs], rt


def to_float(x):
    """Integer/bool traced operand -> default float dtype (torch's int -> float ops)."""
    d = D.from_np(x.dtype)
    if d._cat < 2:
        return cast(x, D.get_default_dtype()._np)
    return x


# ---- dispatch ---------------------------------------------------------------------------

# NOTE: autocast's casting hook (op, args) -> args, installed by jtorch/amp while an autocast
# region is enabled in some thread; None otherwise.
AUTOCAST = None
# NOTE: the profiler's per-op recorder (op, args, run) -> result, where run(args) dispatches;
# installed by jtorch.profiler while a profiler is recording, None otherwise.
PROFILE = None
# NOTE: forward AD's tangent propagator (op, args, statics, run) -> result, where run(o, args,
# statics) runs the rest of the chain (profiler, autocast, dispatch); installed by
# autograd.forward_ad only while a dual level is active and a dual tensor exists, None otherwise.
FORWARD_AD = None
# NOTE: non-None exactly while AUTOCAST, PROFILE or FORWARD_AD is: the one global test per op on
# the hot path. Only set through set_autocast / set_profile / set_forward_ad.
INTERCEPT = None


def set_autocast(hook):
    """Install (or, with None, remove) autocast's casting hook."""
    global AUTOCAST
    AUTOCAST = hook
    _refresh_intercept()


def set_profile(hook):
    """Install (or, with None, remove) the profiler's per-op recorder."""
    global PROFILE
    PROFILE = hook
    _refresh_intercept()


def set_forward_ad(hook):
    """Install (or, with None, remove) forward AD's tangent propagator."""
    global FORWARD_AD
    FORWARD_AD = hook
    _refresh_intercept()


def _refresh_intercept():
    global INTERCEPT
    INTERCEPT = _intercept if (AUTOCAST is not None or PROFILE is not None
                               or FORWARD_AD is not None) else None


def _intercept(o, args, statics):
    """dispatch's slow path while autocast, the profiler or forward AD is active."""
    # NOTE: forward AD is outermost: it runs the op (profiled, autocast) through the rest of
    # the chain, then its tangents as a separate op that is neither profiled nor cast again.
    fwd = FORWARD_AD
    if fwd is not None:
        return fwd(o, args, statics, _intercept_rest)
    return _intercept_rest(o, args, statics)


def _intercept_rest(o, args, statics):
    """The profiler and autocast part of the interception chain."""
    prof = PROFILE
    if prof is None:
        ac = AUTOCAST
        return dispatch(o, args if ac is None else ac(o, args), statics, True)

    def run(args):
        # NOTE: autocast's casts run inside the op's profiler range, as in torch (the
        # RecordFunction of an op opens before its autocast dispatch key casts the inputs).
        ac = AUTOCAST
        return dispatch(o, args if ac is None else ac(o, args), statics, True)
    return prof(o, args, run)


def autocast_args(o, args):
    """`args` as dispatch will see them under autocast, for functions that check dtypes before
    dispatching (torch's autocast layer casts before the kernel's own checks)."""
    return args if AUTOCAST is None else AUTOCAST(o, args)


def dispatch(o, args, statics=(), _direct=False):
    """Run op `o` eagerly on Tensors/numbers `args`; wrap results; record a tape node.
    `_direct` (internal) skips the autocast/profiler/forward-AD interception (already applied)."""
    if INTERCEPT is not None and not _direct:
        return INTERCEPT(o, args, statics)
    f = o.cache.get(statics)
    if f is None:
        f = o.compiled(statics)
    T = hooks.tensor_cls
    arrs = []
    rg = False
    scalars = None
    for t in args:
        if isinstance(t, T):
            arrs.append(t._a if t._base is None else t._sync())
            if t._rg:
                rg = True
        elif t is None:
            arrs.append(None)
        else:
            if scalars is None:
                scalars = []
            scalars.append(len(arrs))
            arrs.append(t)
    if scalars:  # NOTE: numbers become device scalars beside the op's first tensor
        like = next((a for a, t in zip(arrs, args) if isinstance(t, T)), None)
        for i in scalars:
            arrs[i] = scalar_array(arrs[i], like)
    try:
        out = f(*arrs)
    except ValueError as e:
        if "incompatible devices" not in str(e):
            raise
        arrs = DEV.same_device(arrs)  # NOTE: off the hot path: only when devices differ
        out = f(*arrs)
    wrap = hooks.wrap
    if o.nout == 1:
        res = wrap(out)
    else:
        res = tuple(wrap(x) for x in out)
    if rg and o.differentiable and hooks.mode.enabled:
        hooks.record(o, statics, args, arrs, res)
    return res
