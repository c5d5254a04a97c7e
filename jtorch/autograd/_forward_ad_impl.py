"""Forward-mode AD machinery: the tangent side table, the dispatch hook, in-place tangent writes.

A dual tensor is an ordinary Tensor with an entry in `_TAN` (keyed by id, cleaned up by a
weakref callback), so Tensor itself carries nothing and ops pay nothing while no dual tensor
exists. While one does, `registry.FORWARD_AD` is `_hook`: an op with a dual input runs as usual
(tape, profiler, autocast), then its output tangents come from ONE extra compiled op, the
jax.jvp of the op's pure function (cached per op, statics and which inputs carry tangents).
That extra op is dispatched like any other, so it is recorded on the backward tape when its
inputs require grad: backward through a tangent (reverse-over-forward) works as in torch.
"""
import functools
import weakref

import jax
import jax.numpy as jnp

from .. import _view
from .._ops import registry as _reg
from .._ops.registry import Op, dispatch, hooks
from .._tensor import make_view
from . import graph as _graph

__all__ = ["tangent_of", "set_tangent", "activate", "deactivate", "clear", "identity_op",
           "NO_FWD_MSG", "no_forward_ad", "custom_function_jvp"]

_INEXACT = frozenset("fc")
# NOTE: id(tensor) -> (weakref to it, tangent Tensor, the root tangent a view tangent was
# derived from, or None). The id keys avoid Tensor.__eq__/__hash__ (elementwise in torch).
_TAN = {}
# NOTE: [suspended]: while autograd's rebase runs inside _rebase, its internal dispatches
# (CopySlices, alias) must not compute tangents; _rebase sets the tangents itself.
_STATE = [False]
_ORIG_REBASE = [None]
# NOTE: the jvp-op keys whose op contains a custom_vjp (see _jvp_by_transposed_vjp).
_VIA_VJP = set()

NO_FWD_MSG = ("Trying to use forward AD with {} that does not support it because it has not "
              "been implemented yet.\nPlease file an issue to PyTorch at https://github.com/"
              "pytorch/pytorch/issues/new?template=feature-request.yml so that we can "
              "prioritize its implementation or submit a PR adding the implementation to "
              "derivatives.yaml")


def identity_op(name, grad_name):
    """An unregistered identity Op (a fresh alias that records a tape node named grad_name)."""
    return Op(name, lambda x: x, grad_name=grad_name)


# ---- the side table --------------------------------------------------------------------

def _forget(key, ref):
    e = _TAN.get(key)
    if e is not None and e[0] is ref:
        del _TAN[key]


def _direct(t):
    e = _TAN.get(id(t))
    if e is not None and e[0]() is not t:
        return None  # NOTE: a dead tensor's id reused before its callback ran
    return e


def set_tangent(t, tan, derived_from=None):
    """Make t dual with tangent tan (None: make it non-dual)."""
    k = id(t)
    if tan is None:
        _TAN.pop(k, None)
        return
    _TAN[k] = (weakref.ref(t, functools.partial(_forget, k)), tan, derived_from)


def tangent_of(t):
    """t's tangent Tensor, or None. NOTE: as in torch, a view's tangent is the same view of
    its base's tangent (made on first use, and remade if the base got a new tangent), so
    writes through either side reach the other."""
    b = t._base
    # NOTE: _gv None marks a detach()/.data alias, which torch gives no tangent.
    if b is not None and t._gv is not None:
        be = _direct(b)
        if be is not None:
            bt = be[1]
            e = _direct(t)
            if e is not None and e[2] is bt:
                return e[1]
            v = _view_of(bt, t)
            set_tangent(t, v, bt)
            return v
    e = _direct(t)
    return None if e is None else e[1]


def _view_of(bt, t):
    """The view of root tangent bt with view t's layout (a real view: shares bt's storage)."""
    strides, offset = t._st
    out = make_view(hooks.wrap(_view.read(bt._arr(), t._a.shape, strides, offset)), bt,
                    strides, offset)
    if bt._rg and hooks.mode.enabled:
        hooks.regen_view(out)  # NOTE: gives the view its grad_fn over bt's graph
    return out


def _zeros_for(t):
    """A fresh zero tangent for root tensor t (torch's lazily created zero forward grad)."""
    z = hooks.wrap(jnp.zeros_like(t._arr()))
    set_tangent(t, z)
    return z


def clear():
    """Drop every tangent (a dual level ended)."""
    _TAN.clear()


# ---- per-op tangents ------------------------------------------------------------------

def _jvp_by_transposed_vjp(g, ps, ts):
    """J t for g whose JAX derivative is a custom_vjp (which jax.jvp refuses): the VJP is
    linear in its cotangent, so J t is the VJP of the VJP, applied to t.
    NOTE: this is how the ops whose torch gradient rule is restated as a custom_vjp (max/min/
    median without dim, logcumsumexp, ...) get torch's forward derivative, which is the
    transpose of that same rule (e.g. the mean tangent over tied maxima)."""
    out, vjp_g = jax.vjp(g, *ps)
    # NOTE: any point linearises a linear map; ones, not zeros, since some restated rules
    # (logcumsumexp's) work in log|grad| space, which is not differentiable at 0.
    ones = tuple(jnp.ones_like(y) for y in out)
    _, vjp_of_vjp = jax.vjp(vjp_g, ones)
    (tout,) = vjp_of_vjp(tuple(ts))
    return tuple(tout)


@functools.lru_cache(maxsize=None)
def _jvp_op(o, statics, pos, keep, n, via_vjp):
    """An Op computing the tangents of outputs `keep` of o from args + tangents of args `pos`."""
    f = functools.partial(o.fn, *statics) if statics else o.fn

    def fn(*xs):
        prim, tans = xs[:n], xs[n:]

        def g(*d):
            full = list(prim)
            for k, i in enumerate(pos):
                full[i] = d[k]
            return f(*full)

        def gk(*d):
            out = g(*d)
            outs = (out,) if o.nout == 1 else tuple(out)
            return tuple(outs[k] for k in keep)

        ps = tuple(prim[i] for i in pos)
        # NOTE: jax.jvp needs tangents of the primal's dtype; torch accepts e.g. a float64
        # tangent for a float32 primal.
        ts = tuple(tn.astype(p.dtype) for tn, p in zip(tans, ps))
        if via_vjp:
            sel = _jvp_by_transposed_vjp(gk, ps, ts)
        else:
            _, sel = jax.jvp(gk, ps, ts)
        wider = [tn.dtype for tn, p in zip(tans, ps) if tn.dtype != p.dtype]
        if wider:
            # NOTE: torch's tangent formulas mix the tangent in, so a wider tangent widens
            # the output tangents (x * 2 with a float64 tangent has a float64 tangent).
            sel = tuple(y.astype(functools.reduce(jnp.promote_types, wider, y.dtype))
                        for y in sel)
        return sel[0] if len(sel) == 1 else sel

    return Op(o.name + "_jvp", fn, nout=len(keep), grad_name=o.grad_name)


def _hook(o, args, statics, run):
    """registry.FORWARD_AD: run o, then give its floating outputs the JVP as tangents."""
    if _STATE[0] or not o.differentiable:
        return run(o, args, statics)
    T = hooks.tensor_cls
    tans = None
    for i, a in enumerate(args):
        if isinstance(a, T) and _graph.grad_kind(a._a.dtype) in _INEXACT:
            tg = tangent_of(a)
            if tg is not None:
                if tans is None:
                    tans = {}
                tans[i] = tg
    if tans is None:
        return run(o, args, statics)
    if _reg.AUTOCAST is not None:
        # NOTE: the tangents are computed on the inputs as autocast casts them (the casts are
        # ops, so the cast inputs carry the cast tangents).
        args = tuple(_reg.autocast_args(o, args))
        tans = {i: tangent_of(a) for i, a in enumerate(args)
                if isinstance(a, T) and _graph.grad_kind(a._a.dtype) in _INEXACT}
        tans = {i: tg for i, tg in tans.items() if tg is not None}
    res = run(o, args, statics)
    outs = (res,) if o.nout == 1 else res
    keep = tuple(k for k, r in enumerate(outs)
                 if _graph.grad_kind(r._a.dtype) in _INEXACT and k not in o.nondiff_outputs)
    if not keep or not tans:
        return res
    pos = tuple(sorted(tans))
    key = (o, statics, pos, keep, len(args))
    targs = tuple(args) + tuple(tans[i] for i in pos)
    via = key in _VIA_VJP
    try:
        touts = dispatch(_jvp_op(*key, via), targs, (), True)
    except TypeError as e:
        if "custom_vjp" not in str(e) or via:
            raise
        # NOTE: JAX reports a custom_vjp under jvp only when the jitted op is traced, so the
        # fallback is chosen here, once per (op, statics, tangent positions).
        _VIA_VJP.add(key)
        try:
            touts = dispatch(_jvp_op(*key, True), targs, (), True)
        except TypeError:
            raise NotImplementedError(NO_FWD_MSG.format(o.name)) from None
    if len(keep) == 1:
        touts = (touts,)
    for k, tt in zip(keep, touts):
        set_tangent(outs[k], tt)
    return res


# ---- in-place ops ------------------------------------------------------------------------

def _rebase(self, r):
    """hooks.rebase while forward AD is active: autograd's in-place write of result r into
    self, then self's tangent updated in place with r's (zeros when r has none), as torch's
    in-place forward gradients are."""
    rt = tangent_of(r) if _graph.grad_kind(r._a.dtype) in _INEXACT else None
    st = tangent_of(self)
    orig = _ORIG_REBASE[0] or _graph.rebase
    _STATE[0] = True
    try:
        orig(self, r)
    finally:
        _STATE[0] = False
    if rt is None and st is None:
        return
    if _graph.grad_kind(self._a.dtype) not in _INEXACT:
        set_tangent(self, None)
        return
    if st is None:
        b = self._base
        if b is None:
            st = _zeros_for(self)
        else:
            if tangent_of(b) is None:
                _zeros_for(b)
            st = tangent_of(self)
    new = rt if rt is not None else hooks.wrap(jnp.zeros_like(st._arr()))
    if new._a.dtype != st._a.dtype:
        from .._ops.pointwise import _to
        new = _to(new, st.dtype)
    _STATE[0] = True
    try:
        orig(st, new)
    finally:
        _STATE[0] = False


# ---- custom autograd.Function -------------------------------------------------------------

class no_forward_ad:
    """Context manager: ops inside compute no tangents (a custom Function's forward)."""

    def __enter__(self):
        self.prev = _STATE[0]
        _STATE[0] = True

    def __exit__(self, *exc):
        _STATE[0] = self.prev


def custom_function_jvp(cls, ctx, args, outs):
    """Give custom Function outputs `outs` the tangents of cls.jvp(ctx, *input tangents), as
    torch does (zeros for a floating Tensor input without one, None for other arguments);
    nothing to do unless an input is dual. NOTE: meant for autograd.function's apply, with
    the forward run under no_forward_ad()."""
    if _reg.FORWARD_AD is not _hook:
        return
    T = hooks.tensor_cls
    tans = [tangent_of(a) if isinstance(a, T) else None for a in args]
    if all(t is None for t in tans):
        return
    for i, a in enumerate(args):
        if tans[i] is None and isinstance(a, T) and _graph.grad_kind(a._a.dtype) in _INEXACT:
            tans[i] = hooks.wrap(jnp.zeros_like(a._arr()))
    with no_forward_ad():
        res = cls.jvp(ctx, *tans)
    res = res if isinstance(res, tuple) else (res,)
    for o, r in zip(outs, res):
        if isinstance(o, T) and isinstance(r, T) and _graph.grad_kind(o._a.dtype) in _INEXACT:
            set_tangent(o, r)


# ---- installation ------------------------------------------------------------------------

def activate():
    """Route dispatch and in-place writes through forward AD (idempotent)."""
    if _reg.FORWARD_AD is _hook:
        return
    if _ORIG_REBASE[0] is None:
        _ORIG_REBASE[0] = hooks.rebase
    hooks.rebase = _rebase
    _reg.set_forward_ad(_hook)


def deactivate():
    """Take forward AD off the dispatch path and drop all tangents."""
    if _reg.FORWARD_AD is _hook:
        _reg.set_forward_ad(None)
    if _ORIG_REBASE[0] is not None:
        hooks.rebase = _ORIG_REBASE[0]
        _ORIG_REBASE[0] = None
    clear()
