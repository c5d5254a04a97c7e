"""The recorded tape: Node (one per differentiable op call), AccumulateGrad, recording, and the
in-place bookkeeping (torch's rebase_history / CopySlices, regenerated view grad_fns)."""
import functools
import weakref

import jax
import jax.numpy as jnp
import numpy as np

from .. import _view
from .._ops.registry import Op, dispatch, hooks
from ._saved import op_meta, version_error

__all__ = ["Node", "AccumulateGrad", "record", "rebase", "regen_view", "edge_of", "check_saved",
           "torch_edges", "run_post_accumulate_hooks"]

# NOTE: torch's public helpers live in _graph_extra (it needs jtorch.utils.hooks, which imports
# jtorch.nn: loaded on first access so the tape itself imports nothing above autograd).
_EXTRA = ("GradientEdge", "get_gradient_edge", "register_multi_grad_hook", "increment_version",
          "saved_tensors_hooks", "save_on_cpu", "disable_saved_tensors_hooks")
__all__ += list(_EXTRA)


def __getattr__(name):
    if name in _EXTRA:
        from . import _graph_extra
        return getattr(_graph_extra, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

_INEXACT = frozenset("fc")  # NOTE: dtype kinds that carry gradients (floating, complex)


def grad_kind(dtype):
    """dtype.kind, except 'f' for bfloat16/float8 (ml_dtypes 'V' kinds that are floating point)."""
    k = dtype.kind
    return "f" if k == "V" and (dtype.name == "bfloat16" or dtype.name.startswith("float8")) \
        else k


def torch_edges(edges):
    """torch's next_functions from the tape's per-argument edges: one (node, input_nr) pair per
    Tensor input ((None, 0) where it needs no grad); non-Tensor arguments (False) are left out."""
    return tuple(e if e else (None, 0) for e in edges if e is not False)


class Node:
    """A grad_fn: the op, its statics and saved inputs; edges to the inputs' grad_fns."""

    # NOTE: _edges has one entry per op argument: (node, index), None (a Tensor that needs no
    # grad) or False (not a Tensor); _saved: ((arg index, version), ...) of the inputs torch's
    # backward of this op saves; _outref: (weakref to the output, version, index) when torch
    # saves the result; _name: an overload-specific grad_fn name (else op.grad_name).
    __slots__ = ("op", "statics", "arrs", "inputs", "_edges", "out_avals", "_hooks",
                 "_pre_hooks", "__weakref__", "metadata", "_name", "_saved", "_outref")

    def name(self):
        """torch's name for this node, e.g. 'MulBackward0'."""
        return self._name or self.op.grad_name

    @property
    def next_functions(self):
        if self.op is _COPY_SLICES:
            # NOTE: torch's CopySlices wraps the in-place op's node: its edges are the base's
            # old edge plus that node's edges other than the written view's.
            e = self._edges[1]
            if e and e[0].__class__ is Node:
                return torch_edges(self._edges[:1]) + e[0].next_functions[1:]
        return torch_edges(self._edges)

    def __repr__(self):
        return f"<{self.name().rsplit('::', 1)[-1]} object at {hex(id(self))}>"

    def register_hook(self, fn):
        """fn(grad_inputs, grad_outputs) runs after this node computes its input grads."""
        if self._hooks is None:
            self._hooks = []
        self._hooks.append(fn)
        return _Handle(self._hooks, fn)

    def register_prehook(self, fn):
        """fn(grad_outputs) runs before this node; may return replacement grads."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        self._pre_hooks.append(fn)
        return _Handle(self._pre_hooks, fn)


class AccumulateGrad:
    """The sink node of a leaf tensor: accumulates into leaf.grad."""

    # NOTE: _post_acc is the leaf's register_post_accumulate_grad_hook dict (None until one is
    # registered), kept here so the engine tests one slot per leaf.
    __slots__ = ("variable", "_hooks", "_pre_hooks", "_post_acc", "__weakref__")
    next_functions = ()
    _edges = ()

    def __init__(self, variable):
        self.variable = variable
        self._hooks = None
        self._pre_hooks = None
        self._post_acc = None

    def name(self):
        """'torch::autograd::AccumulateGrad', as torch names it."""
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"

    register_hook = Node.register_hook
    register_prehook = Node.register_prehook


def run_post_accumulate_hooks(hooks_dict, t):
    """Call a leaf's post-accumulate-grad hooks with the leaf (its .grad just updated)."""
    for h in tuple(hooks_dict.values()):
        if h(t) is not None:
            raise RuntimeError("Tensor post accumulate grad hooks should return None.")


class _Handle:
    """A removable hook handle."""

    def __init__(self, lst, fn):
        self._lst, self._fn = lst, fn

    def remove(self):
        """Unregister the hook."""
        if self._fn in self._lst:
            self._lst.remove(self._fn)


def edge_of(t):
    """(node, output index) gradients for tensor t flow into, or None."""
    if not t._rg:
        return None
    fn = t.grad_fn
    if fn is not None:
        return (fn, t._out_idx)
    acc = t.__dict__.get("_accumulate")
    if acc is None:
        acc = AccumulateGrad(t)
        t.__dict__["_accumulate"] = acc
    return (acc, 0)


_new_node = object.__new__
_T = [None]
_ref = weakref.ref


def record(o, statics, args, arrs, res):
    """Dispatch's single tape hook: make `res` outputs of a new Node over `args`."""
    T = _T[0] or hooks.tensor_cls
    meta = o.ag
    if meta is None:
        meta = o.ag = op_meta(o)
    namer, excl, save, numarg = meta
    node = _new_node(Node)
    node.op = o
    node.statics = statics
    node.arrs = arrs
    node.inputs = args
    edges = []
    for a in args:
        if isinstance(a, T):
            e = edge_of(a)
            if e is None and excl and grad_kind(a._a.dtype) not in _INEXACT:
                e = False  # NOTE: an index/mask/condition argument: no edge in torch's graph
            edges.append(e)
        else:
            # NOTE: None: torch wraps this number into a Tensor input ((None, 0) in its graph)
            edges.append(None if numarg and len(edges) in numarg else False)
    node._edges = edges
    node._hooks = node._pre_hooks = None
    node.metadata = {}
    node._name = namer(args, T) if namer is not None else None
    outs = (res,) if o.nout == 1 else res
    node._outref = None
    if save is None:
        node._saved = None
    else:
        always, cross, out = save if save.__class__ is tuple else save(args, T)
        chk = []
        n = len(args)
        for i in always:
            if i < n and isinstance(args[i], T):
                chk.append((i, args[i]._version))
        for i, j in cross:
            if i < n and j < n and edges[j] and isinstance(args[i], T):
                chk.append((i, args[i]._version))
        node._saved = tuple(chk) if chk else None
        if out:
            node._outref = (_ref(outs[0]), 0, 0)
    avals = []
    for i, r in enumerate(outs):
        a = r._a
        avals.append((a.shape, a.dtype))
        if grad_kind(a.dtype) in _INEXACT and i not in o.nondiff_outputs:
            r._gfn = node
            r._out_idx = i
            r._rg = True
    node.out_avals = tuple(avals)


def check_saved(node):
    """torch's saved-variable version check: raise if a saved input/output was modified."""
    s = node._saved
    if s is not None and node.inputs is not None:
        for i, v in s:
            t = node.inputs[i]
            if t._version != v:
                raise version_error(t, v, None)
    o = node._outref
    if o is not None:
        t = o[0]()
        if t is not None and t._version != o[1]:
            raise version_error(t, o[1], (node, o[2]))


# ---- in-place writes ------------------------------------------------------------------------

def _gather_fn(shape, strides, offset, base):
    return base.reshape(-1).at[_view._index(shape, strides, offset)].get(mode="promise_in_bounds")


def _scatter_fn(shape, strides, base, src, offset):
    # NOTE: the offset is a runtime int: writes into views at many offsets share one program
    idx = _view._index(shape, strides, offset).reshape(-1)
    flat = base.reshape(-1).at[idx].set(src.reshape(-1).astype(base.dtype),
                                        mode="promise_in_bounds")
    return flat.reshape(base.shape)


# NOTE: not in OPS (they are tape plumbing, not torch functions). _COPY_SLICES is the grad_fn a
# base gets when one of its views is written in place: the view's part of the incoming gradient
# goes to the written value's graph (the in-place op's node), the rest to the base's old graph.
_COPY_SLICES = Op("_copy_slices", _scatter_fn, grad_name="torch::autograd::CopySlices")
_VIEW_OF_BASE = Op("_view_of_base", _gather_fn, grad_name="AsStridedBackward0")
_ALIAS = Op("_alias", lambda x: x, grad_name="AliasBackward0")

_LEAF_MSG = "a leaf Variable that requires grad is being used in an in-place operation."
_LEAF_VIEW_MSG = "a view of a leaf Variable that requires grad is being used in an in-place " \
                 "operation."
_NOGRAD_VIEW_MSG = (
    "A view was created in no_grad mode and is being modified inplace with grad mode enabled. "
    "Given that this use case is ambiguous and error-prone, it is forbidden. You can clarify "
    "your code by moving both the view and the inplace either both inside the no_grad block (if "
    "you don't want the inplace to be tracked) or both outside (if you want the inplace to be "
    "tracked).")


def _exempt_self(r, self):
    """The in-place op's node saved `self` before the write: torch keeps the original there."""
    node = r._gfn
    if node.__class__ is Node and node._saved is not None:
        inputs = node.inputs
        kept = tuple(p for p in node._saved if inputs[p[0]] is not self)
        node._saved = kept or None


def _retarget(r, self):
    """An in-place op whose node saves its result saves `self` (after the write) instead."""
    node = r._gfn
    if node.__class__ is Node and node._outref is not None and node._outref[0]() is r:
        node._outref = (_ref(self), self._version, node._outref[2])


def rebase(self, r):
    """Write out-of-place result r into self in place, with torch's autograd bookkeeping
    (rebase_history): self takes r's place in the graph; a written view makes its base's
    grad_fn a CopySlices and its own grad_fn is regenerated (AsStridedBackward0) when read."""
    ra = r._arr()
    if not hooks.mode.enabled:
        self._set_array(ra)
        return
    if r._rg and r._gfn is None:  # NOTE: r is a leaf itself: route its grad through a node
        r = dispatch(_ALIAS, (r,))
    b = self._base
    if b is not None:
        gv = self._gv
        if gv is not None and (r._rg or b._rg):
            if gv < 0 and b._rg:
                raise RuntimeError(_NOGRAD_VIEW_MSG)
            if b._rg and b._gfn is None:
                raise RuntimeError(_LEAF_VIEW_MSG)
            if r._rg:
                _exempt_self(r, self)
            strides, offset = self._st
            new = dispatch(_COPY_SLICES, (b, r, int(offset)), (tuple(ra.shape), strides))
            b._gfn = new._gfn
            b._out_idx = 0
            b._rg = True
            b._a = new._a
            b._ver += 1
            self._a = ra
            self._seen = b._ver
            self._rg = True
            if r._rg:
                _retarget(r, self)
            return
        self._set_array(ra)
        return
    if self._rg and self._gfn is None:
        raise RuntimeError(_LEAF_MSG)
    if r._rg:
        _exempt_self(r, self)
        self._gfn = r._gfn
        self._out_idx = r._out_idx
        self._rg = True
        self._set_array(ra)
        _retarget(r, self)
        return
    if self._gfn is not None:  # NOTE: the new value does not depend on the old graph
        self._gfn = None
        self._rg = False
    self._set_array(ra)


def regen_view(v):
    """Remake view v's grad_fn over its base's current graph (torch's AsStridedBackward0)."""
    b = v._base
    v._gv = b._ver
    if not b._rg:
        if v._gfn is not None:  # NOTE: the base's graph was cut by a write of a constant
            v._gfn = None
            v._rg = False
        return
    strides, offset = v._st
    record(_VIEW_OF_BASE, (tuple(v._a.shape), strides, offset), (b,), [b._a], v)


@functools.lru_cache(maxsize=None)
def vjp_op(o, statics, need, out_kinds):
    """A registered Op computing the input cotangents of `o` (recompute-VJP, compiled)."""
    f = functools.partial(o.fn, *statics) if statics else o.fn
    nin = len(need)

    def fn(*xs):
        primals, cts = xs[:nin], xs[nin:]
        out, vjp = jax.vjp(f, *primals)
        outs = (out,) if o.nout == 1 else tuple(out)
        full = []
        for k, (y, kind) in enumerate(zip(outs, out_kinds)):
            c = cts[k]
            if kind not in _INEXACT:
                full.append(np.zeros(y.shape, jax.dtypes.float0))
            elif c is None:
                full.append(jnp.zeros(y.shape, y.dtype))
            else:
                # NOTE: torch's complex gradients are the conjugates of JAX's cotangents:
                # torch_vjp(c) = conj(jax_vjp(conj(c))); conj is the identity on real arrays.
                full.append(jnp.conj(c.astype(y.dtype)) if kind == "c" else c.astype(y.dtype))
        grads = vjp(full[0] if o.nout == 1 else tuple(full))
        out = tuple(jnp.conj(g) if jnp.iscomplexobj(g) else g
                    for g, n in zip(grads, need) if n)
        return out[0] if len(out) == 1 else out

    return Op(o.name + "_backward", fn, nout=sum(need),
              grad_name=o.grad_name.replace("Backward", "BackwardBackward"))
