"""The recorded tape: Node (one per differentiable op call), AccumulateGrad, recording."""
import functools

import jax
import jax.numpy as jnp
import numpy as np

from .._ops.registry import Op, hooks

__all__ = ["Node", "AccumulateGrad", "record", "rebase", "edge_of"]

_INEXACT = frozenset("fc")  # NOTE: dtype kinds that carry gradients (floating, complex)


class Node:
    """A grad_fn: the op, its statics and saved inputs; edges to the inputs' grad_fns."""

    __slots__ = ("op", "statics", "arrs", "inputs", "next_functions", "_versions", "out_avals",
                 "_hooks", "_pre_hooks", "__weakref__", "metadata")

    def name(self):
        """torch's name for this node, e.g. 'MulBackward0'."""
        return self.op.grad_name

    def __repr__(self):
        return f"<{self.name()} object at {hex(id(self))}>"

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

    __slots__ = ("variable", "_hooks", "_pre_hooks", "__weakref__")
    next_functions = ()

    def __init__(self, variable):
        self.variable = variable
        self._hooks = None
        self._pre_hooks = None

    def name(self):
        """'torch::autograd::AccumulateGrad', as torch names it."""
        return "torch::autograd::AccumulateGrad"

    def __repr__(self):
        return f"<AccumulateGrad object at {hex(id(self))}>"

    register_hook = Node.register_hook
    register_prehook = Node.register_prehook


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


def record(o, statics, args, arrs, res):
    """Dispatch's single tape hook: make `res` outputs of a new Node over `args`."""
    T = _T[0] or hooks.tensor_cls
    node = _new_node(Node)
    node.op = o
    node.statics = statics
    node.arrs = arrs
    node.inputs = args
    edges = []
    versions = []
    for a in args:
        if isinstance(a, T):
            edges.append(edge_of(a))
            versions.append(a._version)
        else:
            edges.append(None)
            versions.append(None)
    node.next_functions = tuple(edges)
    node._versions = versions
    node._hooks = node._pre_hooks = None
    node.metadata = {}
    outs = (res,) if o.nout == 1 else res
    avals = []
    for i, r in enumerate(outs):
        a = r._a
        avals.append((a.shape, a.dtype))
        if a.dtype.kind in _INEXACT and i not in o.nondiff_outputs:
            r.grad_fn = node
            r._out_idx = i
            r._rg = True
    node.out_avals = tuple(avals)


def rebase(self, r):
    """In-place write bookkeeping: self takes r's place in the graph (torch's rebase_history)."""
    if self._rg and self.grad_fn is None and hooks.mode.enabled:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    if r.grad_fn is not None:
        self.grad_fn = r.grad_fn
        self._out_idx = r._out_idx
        self._rg = True


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
                full.append(c.astype(y.dtype))
        grads = vjp(full[0] if o.nout == 1 else tuple(full))
        out = tuple(g for g, n in zip(grads, need) if n)
        return out[0] if len(out) == 1 else out

    return Op(o.name + "_backward", fn, nout=sum(need),
              grad_name=o.grad_name.replace("Backward", "BackwardBackward"))
