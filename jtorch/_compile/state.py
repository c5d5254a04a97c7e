"""Find the Tensor state a compiled function touches, bind it to tracers, and write it back.

State = every root Tensor reachable from the call's arguments, the function's closure and the
globals its code names (recursively through helper functions), modules' parameters and buffers,
optimizers' parameters and per-parameter state, plus the `.grad` of each such leaf and the
default generator's key. Plain Python objects reached through a bound method's `self` (a trainer
class) are scanned one attribute level deep.
"""
import types

import jax

__all__ = ["collect", "python_fingerprint", "TensorState"]

_MAX_DEPTH = 4


def _is_tensor(x):
    return isinstance(x, _Tensor)


def _tensor_cls():
    from .._tensor import Tensor
    return Tensor


_Tensor = _tensor_cls()


def _is_module(x):
    return hasattr(x, "_parameters") and hasattr(x, "_buffers") and hasattr(x, "_modules")


def _is_optimizer(x):
    return hasattr(x, "param_groups") and hasattr(x, "state") and not _is_module(x)


class _Collector:
    def __init__(self):
        self.tensors = {}      # id(root) -> root, in discovery order
        self.modules = {}      # id -> Module
        self.optimizers = {}   # id -> Optimizer
        self.seen = set()

    def tensor(self, t):
        root = t if t._base is None else t._base
        self.tensors.setdefault(id(root), root)

    def visit(self, obj, depth=0):
        k = _KINDS.get(type(obj))
        if k is None:
            k = _kind(type(obj))
        if k == _ATOM:
            return
        if k == _TENSOR:
            self.tensor(obj)
            return
        if id(obj) in self.seen or depth > _MAX_DEPTH:
            return
        self.seen.add(id(obj))
        if k == _OTHER:  # NOTE: duck-typed: module/optimizer look-alikes, schedulers, objects
            if _is_module(obj):
                k = _MODULE
            elif _is_optimizer(obj):
                k = _OPTIMIZER
            elif hasattr(obj, "optimizer") and _is_optimizer(getattr(obj, "optimizer")):
                self.visit(obj.optimizer, depth + 1)  # an LR scheduler
                return
            elif hasattr(obj, "__dict__"):
                for v in list(vars(obj).values()):
                    self.visit(v, depth + 1)
                return
            else:
                return
        if k == _MODULE:
            self.module(obj)
        elif k == _OPTIMIZER:
            self.optimizer(obj)
        elif k == _DICT:
            for v in list(obj.values()):
                self.visit(v, depth + 1)
        elif k == _SEQ:
            for v in obj:
                self.visit(v, depth + 1)
        elif k == _METHOD:
            self.visit(obj.__self__, depth + 1)
            self.visit(obj.__func__, depth + 1)
        elif k == _FUNCTION:
            self.function(obj, depth)

    def module(self, obj):
        tensor, T = self.tensor, _Tensor
        self.modules[id(obj)] = obj
        for m in _all_modules(obj):
            self.modules[id(m)] = m
            for t in m._parameters.values():
                if t is not None:
                    tensor(t)
            for t in m._buffers.values():
                if t is not None:
                    tensor(t)
            for v in m.__dict__.values():
                if isinstance(v, T):
                    tensor(v)

    def optimizer(self, obj):
        tensor, T = self.tensor, _Tensor
        self.optimizers[id(obj)] = obj
        for g in obj.param_groups:
            for p in g["params"]:
                tensor(p)
        for st in obj.state.values():
            if isinstance(st, dict):
                for v in st.values():
                    if isinstance(v, T):
                        tensor(v)

    def function(self, fn, depth):
        for cell in fn.__closure__ or ():
            try:
                self.visit(cell.cell_contents, depth + 1)
            except ValueError:  # an empty cell
                pass
        g = fn.__globals__
        for name in _code_names(fn.__code__):
            if name in g:
                self.visit(g[name], depth + 1)
        for v in (fn.__defaults__ or ()):
            self.visit(v, depth + 1)


_CODE_NAMES = {}


def _code_names(code):
    """The global names a code object (and the functions nested in it) can read; memoized."""
    names = _CODE_NAMES.get(code)
    if names is None:
        names = set(code.co_names)
        for c in code.co_consts:
            if isinstance(c, types.CodeType):
                names.update(_code_names(c))
        names = _CODE_NAMES[code] = tuple(sorted(names))
    return names


# NOTE: what visit() does with an object depends on its type only (decided once per type).
_ATOM, _TENSOR, _MODULE, _OPTIMIZER, _DICT, _SEQ, _METHOD, _FUNCTION, _OTHER = range(9)
_KINDS = {}


def _kind(tp):
    from ..nn.modules.module import Module
    from ..optim.optimizer import Optimizer
    kinds = ((_TENSOR, _Tensor), (_MODULE, Module), (_OPTIMIZER, Optimizer), (_DICT, dict),
             (_SEQ, (list, tuple, set, frozenset)), (_METHOD, types.MethodType),
             (_FUNCTION, types.FunctionType),
             (_ATOM, (bool, int, float, complex, str, bytes, type, types.ModuleType,
                      type(None))))
    k = next((k for k, cls in kinds if issubclass(tp, cls)), _OTHER)
    _KINDS[tp] = k
    return k


def _all_modules(m):
    out, stack = [], [m]
    seen = set()
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        out.append(x)
        stack.extend(reversed([c for c in x._modules.values() if c is not None]))
    return out


def collect(fn, args, kwargs):
    """A _Collector holding the state reachable from fn and its arguments."""
    c = _Collector()
    c.visit(fn)
    # NOTE: tensors passed as arguments are the call's inputs, not state (a mutated input is
    # written back separately); containers and modules among the arguments are scanned.
    leaves = jax.tree_util.tree_leaves((args, kwargs), is_leaf=_is_tensor)
    c.visit([x for x in leaves if not _is_tensor(x)])
    return c


def _hp(v):
    return v if isinstance(v, (bool, int, float, str, type(None))) else \
        tuple(_hp(x) for x in v) if isinstance(v, (tuple, list)) else type(v).__name__


def python_fingerprint(c):
    """Python-side values the trace bakes in: module training flags, optimizer hyper-parameters."""
    from .effects import hyper_keys
    mods = tuple(bool(m.training) for m in c.modules.values())
    opts = []
    for o in c.optimizers.values():
        traced = hasattr(o, "_hyper") and hasattr(o, "_static")
        for g in o.param_groups:
            # NOTE: values the optimizer's _hyper reads are traced inputs of the compiled call
            # (effects.optimizer_groups); only its static flags and other keys are baked in.
            skip = hyper_keys(o, g) if traced else ()
            opts.append((o._static(g) if traced else None,
                         tuple(sorted((k, _hp(v)) for k, v in g.items()
                                      if k != "params" and k not in skip))))
    return mods, tuple(opts)


class TensorState:
    """The state tensors of one call, with their arrays and grads, bindable to tracers."""

    def __init__(self, c):
        self.tensors = list(c.tensors.values())
        self.optimizers = list(c.optimizers.values())
        self.grad_owners = [t for t in self.tensors if t._grad is not None or t._rg]

    def signature(self):
        """Shapes/dtypes/flags of the state: part of the cache key."""
        return (tuple((t._a.shape, t._a.dtype, t._rg) for t in self.tensors),
                tuple(None if t._grad is None else (t._grad.shape, t._grad._a.dtype)
                      for t in self.grad_owners))

    def arrays(self):
        """(state arrays, grad arrays or None)."""
        return ([t._a for t in self.tensors],
                [None if t._grad is None else t._grad._arr() for t in self.grad_owners])

    def bind(self, arrs, grads):
        """Point every state tensor (and grad) at the given arrays (tracers inside a trace)."""
        from .._tensor import wrap
        for t, a in zip(self.tensors, arrs):
            t._a = a
            t._ver += 1  # NOTE: views of the state re-read their base
        for t, g in zip(self.grad_owners, grads):
            t._grad = None if g is None else wrap(g)

    def read(self):
        """The state's current arrays and grads (after the user's function ran)."""
        return self.arrays()

    def write_back(self, arrs, grads):
        """Store the results of a compiled call into the state tensors (an in-place update)."""
        from .._tensor import wrap
        for t, a in zip(self.tensors, arrs):
            if a is not t._a:
                t._a = a
                t._ver += 1
        for t, g in zip(self.grad_owners, grads):
            if g is None:
                t._grad = None
            elif t._grad is not None and t._grad._base is None and \
                    t._grad._a.shape == g.shape:
                t._grad._a = g  # NOTE: keep the grad Tensor's identity, like torch's in-place
                t._grad._ver += 1
            else:
                t._grad = wrap(g)
