"""Whole-tape backward as ONE compiled XLA program, cached by the tape's structure.

DESIGN.md point 4: a per-node VJP dispatch costs ~20 us; a training step's tape has the same
structure every iteration, so the backward of the whole tape is traced once (each node's
recompute-VJP inlined), cached under a key describing the tape, and replayed with that step's
saved arrays. Used when nothing needs Python in the middle of backward (no hooks, no custom
Functions, no create_graph); otherwise the engine walks node by node.
"""
import jax

from ._saved import NOSAVE
from .graph import AccumulateGrad, Node, check_saved, grad_kind, run_post_accumulate_hooks, vjp_op

__all__ = ["try_fused_backward"]

_CACHE = {}


def _plan(root_edges, deps):
    """Kahn order of the graph, or None if some node needs the Python engine."""
    deps = dict(deps)
    ready = [n for n, d in deps.items() if d == 0]
    order = []
    while ready:
        n = ready.pop()
        if n.__class__ is AccumulateGrad:
            if n._hooks or n._pre_hooks or n.variable._hooks:
                return None
        elif n.__class__ is not Node or n._hooks or n._pre_hooks or n.metadata \
                or n.arrs is None:
            return None
        order.append(n)
        for e in n._edges:
            if e:
                m = e[0]
                deps[m] -= 1
                if deps[m] == 0:
                    ready.append(m)
    return order


def try_fused_backward(root_edges, root_cts, deps, retain_graph, wrap):
    """Run the whole backward as one compiled call; False if this graph needs the slow path."""
    order = _plan(root_edges, deps)
    if order is None:
        return False
    index = {n: i for i, n in enumerate(order)}
    # NOTE: the cache key holds only (op, statics, edges, output kinds) per node; the compiled
    # VJP ops are looked up on a miss only (per-node lookups cost ~10 us a step otherwise).
    struct = []
    arrs = []
    leaves = []
    for n in order:
        if n.__class__ is AccumulateGrad:
            g = n.variable._grad
            struct.append(g is not None)
            leaves.append(n)
            arrs.append((g._arr(),) if g is not None else ())
            continue
        if n._saved is not None or n._outref is not None:
            check_saved(n)
        struct.append((n.op, n.statics, tuple((index[e[0]], e[1]) if e else None
                                              for e in n._edges),
                       tuple(grad_kind(a[1]) for a in n.out_avals)))
        arrs.append(n.arrs)
    roots = tuple((index[e[0]], e[1]) for e in root_edges if e is not None)
    key = (tuple(struct), roots)
    fn = _CACHE.get(key)
    if fn is None:
        fn = _CACHE[key] = jax.jit(_build(_expand(struct), roots))
    cts = [c for e, c in zip(root_edges, root_cts) if e is not None]
    out = fn(arrs, cts)
    for acc, g in zip(leaves, out):
        if g is not None:
            t = acc.variable
            t._grad = wrap(g)
            if acc._post_acc:
                run_post_accumulate_hooks(acc._post_acc, t)
    if not retain_graph:
        for n in order:
            if n.__class__ is Node and n.op.name not in NOSAVE:
                n.arrs = None
                n.inputs = None
    return True


def _expand(struct):
    """The cache key's per-node entries -> what _build runs (leaf flags, compiled VJP ops)."""
    out = []
    for s in struct:
        if s is True or s is False:
            out.append(("acc", s))
            continue
        o, statics, edges, kinds = s
        need = tuple(e is not None for e in edges)
        out.append((vjp_op(o, statics, need, kinds), len(kinds), need, edges))
    return out


def _build(struct, roots):
    """The traced backward: inline every node's recompute-VJP in topological order."""
    def run(arrs, cts):
        buf = [dict() for _ in struct]
        for (i, k), c in zip(roots, cts):
            buf[i][k] = c if k not in buf[i] else buf[i][k] + c
        out = []
        for i, s in enumerate(struct):
            if s[0] == "acc":
                g = buf[i].get(0)
                if s[1] and g is not None:
                    g = arrs[i][0] + g.astype(arrs[i][0].dtype)
                out.append(g)
                continue
            vop, nout, need, edges = s
            got = buf[i]
            if not got:
                continue
            res = vop.fn(*arrs[i], *[got.get(k) for k in range(nout)])
            if vop.nout == 1:
                res = (res,)
            it = iter(res)
            for e, nd in zip(edges, need):
                if not nd:
                    continue
                g = next(it)
                j, k = e
                b = buf[j]
                b[k] = g if k not in b else b[k] + g
        return out
    return run
