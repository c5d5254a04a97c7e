"""Find the Tensor state a compiled function touches, bind it to tracers, and write it back.

State = every root Tensor reachable from the call's arguments, the function's closure and the
globals its code names (recursively through helper functions), modules' parameters and buffers,
optimizers' parameters and per-parameter state, plus the `.grad` of each such leaf and the
default generator's key. Plain Python objects reached through a bound method's `self` (a trainer
class) are scanned one attribute level deep.
"""
import itertools
import operator
import types
from collections import OrderedDict as _ODict

import jax

from .._tensor import Tensor as _Tensor, wrap

__all__ = ["collect", "python_fingerprint", "TensorState", "Guard"]

_MAX_DEPTH = 4
_is = operator.is_
_chain = itertools.chain.from_iterable
_A, _GRAD, _RG = (operator.attrgetter(k) for k in ("_a", "_grad", "_rg"))


def _is_tensor(x):
    return isinstance(x, _Tensor)




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
        self.epoch = _hooks().EPOCH[0]
        self.mod_reads = []  # (module __dict__ or hook dict, its values): see Guard
        self.mod_classes = []  # (module, its class)
        # NOTE: every mutable container the walk read, with what it held (see Guard):
        # the same reads returning the same objects make the same walk.
        self.reads = []

    def values(self, d):
        """d.values() of a mutable dict, recorded."""
        vals = tuple(d.values())
        self.reads.append((_VALUES, d, vals))
        return vals

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
                self.reads.append((_ATTR, obj, "optimizer", obj.optimizer))
                self.visit(obj.optimizer, depth + 1)  # an LR scheduler
                return
            elif hasattr(obj, "__dict__"):
                for v in self.values(vars(obj)):
                    self.visit(v, depth + 1)
                return
            else:
                return
        if k == _MODULE:
            self.module(obj)
        elif k == _OPTIMIZER:
            self.optimizer(obj)
        elif k == _DICT:
            for v in self.values(obj):
                self.visit(v, depth + 1)
        elif k == _SEQ:
            if not isinstance(obj, (tuple, frozenset)):
                vals = tuple(obj)
                self.reads.append((_ITEMS, obj, vals))
                obj = vals
            for v in obj:
                self.visit(v, depth + 1)
        elif k == _METHOD:
            self.visit(obj.__self__, depth + 1)
            self.visit(obj.__func__, depth + 1)
        elif k == _FUNCTION:
            self.function(obj, depth)
        elif k == _COMPILED:  # NOTE: its own bookkeeping changes every call; its fn is what runs
            self.visit(obj.fn, depth + 1)

    def module(self, obj):
        tensor, T, values, mods = self.tensor, _Tensor, self.values, self.mod_reads
        if not self.modules:  # NOTE: global module hooks, also under _hooks.EPOCH
            mods.extend((d, tuple(d.values())) for d in _global_hooks())
        self.modules[id(obj)] = obj
        for m in _all_modules(obj, values):
            self.modules[id(m)] = m
            for t in values(m._parameters):
                if t is not None:
                    tensor(t)
            for t in values(m._buffers):
                if t is not None:
                    tensor(t)
            # NOTE: the module's own attributes (training flag, hook dicts, settings its forward
            # reads), its hooks and its class: checked only after a Module attribute write or
            # hook (un)registration (_hooks.EPOCH)
            d = m.__dict__
            mods.append((d, tuple(d.values())))
            for k, v in d.items():
                if isinstance(v, T):
                    tensor(v)
                elif "hook" in k and v.__class__ is _ODict:
                    mods.append((v, tuple(v.values())))
            self.mod_classes.append((m, m.__class__))

    def optimizer(self, obj):
        from .effects import hyper_keys
        tensor, T, values, reads = self.tensor, _Tensor, self.values, self.reads
        self.optimizers[id(obj)] = obj
        groups, state = obj.param_groups, obj.state
        reads.append((_ATTR, obj, "param_groups", groups))
        reads.append((_ATTR, obj, "state", state))
        reads.append((_ITEMS, groups, tuple(groups)))
        traced = hasattr(obj, "_hyper") and hasattr(obj, "_static")
        for g in groups:
            # NOTE: hyper-parameters are read afresh by every call (traced inputs); the other
            # values of a group are baked into the program.
            skip = hyper_keys(obj, g) if traced else ()
            keys = tuple(k for k in g if k not in skip)
            reads.append((_GROUP, g, keys, tuple(g[k] for k in keys), len(g)))
            params = g["params"]
            reads.append((_ITEMS, params, tuple(params)))
            for p in params:
                tensor(p)
        for st in values(state):
            if isinstance(st, dict):
                for v in values(st):
                    if isinstance(v, T):
                        tensor(v)

    def function(self, fn, depth):
        cells = fn.__closure__ or ()
        if cells:
            vals = tuple(_cell(c) for c in cells)
            self.reads.append((_CELLS, cells, vals))
            for v in vals:
                if v is not _EMPTY:
                    self.visit(v, depth + 1)
        g = fn.__globals__
        names = _code_names(fn.__code__)
        vals = tuple(g.get(n, _EMPTY) for n in names)
        self.reads.append((_GLOBALS, g, names, vals))
        for v in vals:
            if v is not _EMPTY:
                self.visit(v, depth + 1)
        self.reads.append((_ATTR, fn, "__defaults__", fn.__defaults__))
        for v in (fn.__defaults__ or ()):
            self.visit(v, depth + 1)


_EMPTY = object()  # an empty closure cell / a missing global
_REPEAT_EMPTY = itertools.repeat(_EMPTY)


def _cell(c):
    try:
        return c.cell_contents
    except ValueError:
        return _EMPTY


# NOTE: the kinds of recorded reads (see Guard.ok).
_VALUES, _ITEMS, _ATTR, _GROUP, _CELLS, _GLOBALS = range(6)


class Guard:
    """The reads a state walk made (see _Collector.reads), checked in a few C-level passes:
    `ok()` is True if every read returns the very objects it returned when recorded. The walk
    would then find the same state, modules and optimizers, and the same training flags and
    static optimizer settings."""

    def __init__(self, c):
        reads = c.reads
        self.dicts = [r[1] for r in reads if r[0] == _VALUES]
        self.seqs = [r[1] for r in reads if r[0] == _ITEMS]
        self.lens = [len(r[2]) for r in reads if r[0] == _VALUES]
        self.slens = [len(r[2]) for r in reads if r[0] == _ITEMS]
        self.flat = [v for r in reads if r[0] == _VALUES for v in r[2]]
        self.sflat = [v for r in reads if r[0] == _ITEMS for v in r[2]]
        self.rest = [r for r in reads if r[0] not in (_VALUES, _ITEMS)]
        self.mdicts = [d for d, _ in c.mod_reads]
        self.mlens = [len(v) for _, v in c.mod_reads]
        self.mflat = [x for _, v in c.mod_reads for x in v]
        self.mobjs = [m for m, _ in c.mod_classes]
        self.mclasses = [k for _, k in c.mod_classes]
        self.epoch, self.cell = c.epoch, _hooks().EPOCH

    def ok(self):
        """True if nothing the walk read has changed."""
        if list(map(len, self.dicts)) != self.lens or list(map(len, self.seqs)) != self.slens:
            return False
        if not all(map(_is, _chain(map(dict.values, self.dicts)), self.flat)) or \
                not all(map(_is, _chain(self.seqs), self.sflat)):
            return False
        if self.cell[0] != self.epoch:
            epoch = self.cell[0]
            if list(map(len, self.mdicts)) != self.mlens or \
                    not all(map(_is, _chain(map(dict.values, self.mdicts)), self.mflat)) or \
                    not all(map(_is, map(type, self.mobjs), self.mclasses)):
                return False
            self.epoch = epoch  # NOTE: as recorded now: skip until the next write
        for r in self.rest:
            k = r[0]
            if k == _ATTR:
                if getattr(r[1], r[2], _EMPTY) is not r[3]:
                    return False
            elif k == _GROUP:
                g = r[1]
                if len(g) != r[4] or not all(map(_is, map(g.get, r[2]), r[3])):
                    return False
            elif k == _CELLS:
                if not all(map(_is, map(_cell, r[1]), r[2])):
                    return False
            elif not all(map(_is, map(r[1].get, r[2], _REPEAT_EMPTY), r[3])):  # _GLOBALS
                return False
        return True


def _hooks():
    from ..nn.modules import _hooks as H
    return H


def _global_hooks():
    """The global module hook dicts (nn.modules.module.register_module_forward_hook, ...)."""
    H = _hooks()
    return [v for k, v in vars(H).items() if k.startswith("_global") and k.endswith("hooks")
            and isinstance(v, dict)]


_ATOMS = frozenset((bool, int, float, complex, str, type(None)))


def _atoms(m):
    """A module's plain attributes (numbers, strings, None, tuples of them) by name: a forward
    that reads one bakes its value in (torch.compile guards on them too)."""
    return tuple((k, v) for k, v in m.__dict__.items()
                 if v.__class__ in _ATOMS or (v.__class__ is tuple and
                                              all(x.__class__ in _ATOMS for x in v)))


def _hook_ids(m):
    """The handle ids of a module's hooks, dict by dict (ids are never reused)."""
    return tuple((k, tuple(v)) for k, v in m.__dict__.items()
                 if "hook" in k and v.__class__ is _ODict and v)


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
_ATOM, _TENSOR, _MODULE, _OPTIMIZER, _DICT, _SEQ, _METHOD, _FUNCTION, _COMPILED, _OTHER = range(10)
_KINDS = {}


def _kind(tp):
    from ..nn.modules.module import Module
    from ..optim.optimizer import Optimizer
    from .compiled import CompiledFunction
    kinds = ((_TENSOR, _Tensor), (_COMPILED, CompiledFunction), (_MODULE, Module), (_OPTIMIZER, Optimizer), (_DICT, dict),
             (_SEQ, (list, tuple, set, frozenset)), (_METHOD, types.MethodType),
             (_FUNCTION, types.FunctionType),
             (_ATOM, (bool, int, float, complex, str, bytes, type, types.ModuleType,
                      type(None))))
    k = next((k for k, cls in kinds if issubclass(tp, cls)), _OTHER)
    _KINDS[tp] = k
    return k


def _all_modules(m, values):
    out, stack = [], [m]
    seen = set()
    while stack:
        x = stack.pop()
        if id(x) in seen:
            continue
        seen.add(id(x))
        out.append(x)
        stack.extend(reversed([c for c in values(x._modules) if c is not None]))
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
    """Python-side values the trace bakes in: module classes, training flags, hooks (also the
    global ones) and plain attributes, optimizer hyper-parameters."""
    from .effects import hyper_keys
    mods = tuple((m.__class__, _hook_ids(m), _atoms(m)) for m in c.modules.values())
    if mods:
        H = _hooks()
        mods += (tuple(tuple(d) for d in _global_hooks()), H._global_is_full_backward_hook[0])
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
        self._snap = self._written = None
        self.tensors = list(c.tensors.values())
        self.optimizers = list(c.optimizers.values())
        self.grad_owners = [t for t in self.tensors if t._grad is not None or t._rg]

    def snapshot(self):
        """Remember what each state tensor holds now (after a call wrote it back)."""
        ts = self.tensors
        w, self._written = self._written, None
        if w is None:
            w = (list(map(_A, ts)), [None if t._grad is None else t._grad._a
                                     for t in self.grad_owners])
        self._snap = (w[0], list(map(_GRAD, ts)), list(map(_RG, ts)), w[1])

    def take(self):
        """`arrays()` as the last call left them, or None if a state tensor got another array
        (so maybe another shape or dtype), grad or requires_grad since `snapshot`. Consumes
        the snapshot.
        NOTE: its references must be gone before a donating call counts them (_exclusive)."""
        snap, self._snap = self._snap, None
        if snap is None:
            return None
        arrs, grads, rgs, garrs = snap
        ts = self.tensors
        if all(map(_is, map(_A, ts), arrs)) and all(map(_is, map(_GRAD, ts), grads)) and \
                all(map(_is, map(_RG, ts), rgs)) and \
                all(g is None or g._a is a for g, a in zip(map(_GRAD, self.grad_owners), garrs)):
            return arrs, garrs
        return None

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
        for t, a in zip(self.tensors, arrs):
            if a is not t._a:
                t._a = a
                t._ver += 1
        for t, g in zip(self.grad_owners, grads):
            if g is None:
                t._grad = None
            elif t._grad is not None and t._grad._base is None:
                t._grad._a = g  # NOTE: keep the grad Tensor's identity, like torch's in-place
                t._grad._ver += 1
            else:
                t._grad = wrap(g)
        # NOTE: what each state tensor (and grad) now holds, for the next snapshot()
        self._written = (arrs, grads)
