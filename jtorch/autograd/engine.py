"""The backward engine: walk the tape in reverse topological order (iteratively)."""
import itertools

import jax.numpy as jnp

from .._ops.registry import dispatch, hooks
from . import anomaly_mode as _am
from .fused import try_fused_backward
from ._saved import NOSAVE
from .graph import (AccumulateGrad, Node, check_saved, edge_of, grad_kind,
                    run_post_accumulate_hooks, vjp_op)

__all__ = ["run_backward"]

_FREED = ("Trying to backward through the graph a second time (or directly access saved tensors "
          "after they have already been freed). Saved intermediate values of the graph are freed "
          "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
          "backward through the graph a second time or if you need to access saved tensors after "
          "calling backward.")


# NOTE: the graph tasks now running, innermost last: (task id, dependency counts (its keys are
# the nodes the task reaches), executed set or None). Read by graph.register_multi_grad_hook
# (torch's _current_graph_task_id/_will_engine_execute_node) and the reentrant checkpoint.
_TASKS = []
_TASK_IDS = itertools.count()


def _topo(edges):
    """Dependency counts of every node reachable from `edges` (iterative DFS)."""
    deps = {}
    seen = set()
    stack = [e[0] for e in edges if e is not None]
    for n in stack:
        deps.setdefault(n, 0)
    while stack:
        n = stack.pop()
        if n in seen:
            continue
        seen.add(n)
        for e in n._edges:
            if e:
                m = e[0]
                deps[m] = deps.get(m, 0) + 1
                if m not in seen:
                    stack.append(m)
    return deps


def _prune(deps, targets):
    """The nodes worth executing for grads of `targets` only (torch runs no others): those with
    a path to a target node. Returns (executed set, dependency counts over the kept edges)."""
    parents = {}
    for n in deps:
        for e in n._edges:
            if e:
                parents.setdefault(e[0], []).append(n)
    execute = set()
    stack = list(targets)
    while stack:
        m = stack.pop()
        for p in parents.get(m, ()):
            if p not in execute:
                execute.add(p)
                stack.append(p)
    keep = execute | set(targets)
    new = {n: 0 for n in deps if n in keep}
    for n in execute:
        for e in n._edges:
            if e and e[0] in keep:
                new[e[0]] += 1
    return execute, new


def _free(node):
    """Drop a node's saved arrays after a backward without retain_graph (torch frees them); an
    op whose torch backward saves nothing keeps them, so a second backward works as in torch."""
    if node.op.name not in NOSAVE:
        node.arrs = None
        node.inputs = None


def _add(a, b, create_graph):
    if a is None:
        return b
    if create_graph:
        return a + b
    return a + b if not isinstance(a, jnp.ndarray) else jnp.add(a, b)


def _proxy(node, i, wrap):
    """A tensor standing for node's i-th input as it was when recorded (for create_graph)."""
    t = node.inputs[i]
    if not isinstance(t, hooks.tensor_cls):
        return t
    e = node._edges[i]
    if not e or (isinstance(e[0], AccumulateGrad) and t._a is node.arrs[i]):
        return t
    p = wrap(node.arrs[i])
    if e:
        if isinstance(e[0], AccumulateGrad):
            p.__dict__["_accumulate"] = e[0]
            p._rg = True
        else:
            p.grad_fn, p._out_idx, p._rg = e[0], e[1], True
    return p


def run_backward(tensors, grad_tensors, retain_graph, create_graph, inputs=None,
                 accumulate=True, allow_unused=False):
    """Backpropagate grad_tensors from tensors; accumulate into leaves or return input grads."""
    wrap = hooks.wrap
    T = hooks.tensor_cls
    root_edges = [edge_of(t) for t in tensors]
    deps = _topo(root_edges)
    # NOTE: anomaly mode needs the per-node walk (to name the node that produced NaN or
    # failed); with it off, this one module-global read is all it costs.
    anomaly = _am._ENABLED
    if not create_graph and inputs is None and accumulate and not anomaly and \
            try_fused_backward(root_edges, [g._arr() for g in grad_tensors], deps, retain_graph,
                               wrap):
        return None
    # NOTE: cotangents are raw arrays unless create_graph, when they are Tensors so that the
    # backward computation itself is recorded on the tape.
    buf = {}
    for e, g in zip(root_edges, grad_tensors):
        if e is None:
            continue
        slot = buf.setdefault(e[0], {})
        gv = g if create_graph else g._arr()
        slot[e[1]] = _add(slot.get(e[1]), gv, create_graph)
    want = None
    execute = None
    captured = {}
    if inputs is not None:
        want = {}
        for k, t in enumerate(inputs):
            e = edge_of(t)
            if e is not None:
                want.setdefault((e[0], e[1]), []).append(k)
        execute, deps = _prune(deps, {n for n, _ in want})
    ready = [n for n, d in deps.items() if d == 0]
    prev_mode = hooks.mode.enabled
    hooks.mode.enabled = bool(create_graph)
    node = None
    if anomaly:
        prev_current = _am._CURRENT
    _TASKS.append((next(_TASK_IDS), deps, execute))
    try:
        while ready:
            node = ready.pop()
            if anomaly:
                _am._CURRENT = node
            cts = buf.pop(node, {})
            if want is not None:
                for idx, g in cts.items():
                    for k in want.get((node, idx), ()):
                        captured[k] = g
            if isinstance(node, AccumulateGrad):
                if cts:
                    _accumulate(node, cts[0], create_graph, accumulate and want is None, wrap, T)
                continue
            if execute is not None and node not in execute:
                continue  # NOTE: a requested non-leaf input whose own graph is not needed
            cts = _run_pre_hooks(node, cts, wrap, create_graph)
            grads = _apply(node, cts, create_graph, wrap)
            if node._hooks:
                grads = _run_post_hooks(node, grads, cts, wrap, create_graph)
            if anomaly and _am._CHECK_NAN:
                _am.check_nan(node, grads)
            if not retain_graph:
                if node.__class__ is Node:
                    _free(node)
                else:
                    node.arrs = None
                    node.inputs = None
            for e, g in zip(node._edges, grads):
                if not e:
                    continue
                m, idx = e
                if m not in deps:
                    continue  # NOTE: pruned: leads to no requested input
                if g is not None:
                    slot = buf.setdefault(m, {})
                    slot[idx] = _add(slot.get(idx), g, create_graph)
                deps[m] -= 1
                if deps[m] == 0:
                    ready.append(m)
    except Exception:
        if anomaly and node is not None:
            _am.warn_stack(node)
        raise
    finally:
        _TASKS.pop()
        hooks.mode.enabled = prev_mode
        if anomaly:
            _am._CURRENT = prev_current
    if inputs is not None:
        out = []
        for k, t in enumerate(inputs):
            g = captured.get(k)
            if g is None:
                if not allow_unused:
                    raise RuntimeError(f"The differentiated Tensor at index {k} appears to not "
                                       f"have been used in the graph. Set allow_unused=True if "
                                       f"this is the desired behavior.")
                out.append(None)
            else:
                out.append(g if isinstance(g, T) else wrap(g))
        return tuple(out)
    return None


def _run_pre_hooks(node, cts, wrap, create_graph):
    """Tensor hooks and retain_grad of non-leaf outputs, then node pre-hooks."""
    md = node.metadata
    th = md.get("tensor_hooks")
    if th:
        for idx, fns in th.items():
            if idx in cts:
                g = cts[idx] if create_graph else wrap(cts[idx])
                for fn in fns:
                    r = fn(g)
                    if r is not None:
                        g = r
                cts[idx] = g if create_graph else g._arr()
    ret = md.get("retain")
    if ret:
        for idx, ref in ret.items():
            t = ref()
            if t is not None and idx in cts:
                g = cts[idx] if create_graph else wrap(cts[idx])
                t._grad = g if t._grad is None else t._grad + g
    if node._pre_hooks:
        # NOTE: torch hands pre-hooks the grad_outputs as Tensors (None where there is none)
        def as_t(g):
            return g if g is None or create_graph else wrap(g)
        for h in node._pre_hooks:
            r = h(tuple(as_t(cts.get(i)) for i in range(len(node.out_avals))))
            if r is not None:
                cts = {i: (g if create_graph else g._arr()) for i, g in enumerate(r)
                       if g is not None}
    return cts


def _run_post_hooks(node, grads, cts, wrap, create_graph):
    """Node hooks: hook(grad_inputs, grad_outputs) as Tensors; a returned tuple replaces
    grad_inputs (torch's Node.register_hook)."""
    def as_t(g):
        return g if g is None or create_graph else wrap(g)
    outs = tuple(as_t(cts.get(i)) for i in range(len(node.out_avals)))
    for h in node._hooks:
        r = h(tuple(as_t(g) for g in grads), outs)
        if r is not None:
            grads = [None if g is None else (g if create_graph else g._arr()) for g in r]
    return grads


def _apply(node, cts, create_graph, wrap):
    """Input cotangents of one node (None where an input needs no gradient)."""
    if node.__class__ is not Node:  # NOTE: a custom autograd.Function: run the user's backward
        return node.apply_backward(cts, create_graph)
    if node.arrs is None:
        raise RuntimeError(_FREED)
    check_saved(node)
    need = tuple(bool(e) for e in node._edges)
    kinds = tuple(grad_kind(a[1]) for a in node.out_avals)
    vop = vjp_op(node.op, node.statics, need, kinds)
    nout = len(node.out_avals)
    if create_graph:
        prim = [_proxy(node, i, wrap) for i in range(len(node.arrs))]
        cot = [cts.get(i) for i in range(nout)]
        res = dispatch(vop, (*prim, *cot))
    else:
        cot = [cts.get(i) for i in range(nout)]
        res = vop.compiled(())(*node.arrs, *cot)
    if vop.nout == 1 and not isinstance(res, tuple):
        res = (res,)
    it = iter(res)
    return [next(it) if n else None for n in need]


def _accumulate(acc, g, create_graph, accumulate, wrap, T):
    """Run a leaf's hooks, then accumulate g into leaf.grad."""
    t = acc.variable
    if t._hooks:
        gt = g if isinstance(g, T) else wrap(g)
        for fn in t._hooks:
            r = fn(gt)
            if r is not None:
                gt = r
        g = gt
    if not accumulate:
        return
    if not isinstance(g, T):
        g = wrap(g)
    if acc._pre_hooks:  # NOTE: torch: hook(grad_outputs) before accumulating; may replace
        for h in acc._pre_hooks:
            r = h((g,))
            if r is not None:
                g = r[0]
    if t._grad is None:
        t._grad = g if create_graph else g.detach() if g._rg else g
    else:
        t._grad = t._grad + g if create_graph else wrap(t._grad._arr() + g._arr())
    if acc._post_acc:
        run_post_accumulate_hooks(acc._post_acc, t)
    if acc._hooks:  # NOTE: torch: hook(grad_inputs=(), grad_outputs=(grad,)) after accumulating
        for h in acc._hooks:
            h((), (g,))
