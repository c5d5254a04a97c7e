"""jtorch.compile: run a function's eager jtorch code once under jax.jit, then replay the program.

Every call is keyed by the arguments' structure (Tensor shapes/dtypes/requires_grad, Python
values), the state's shapes, grad presence, module training flags and optimizer hyper-parameters.
A miss traces the user's function with the state tensors rebound to tracers (DESIGN.md point 9:
the same eager code, no second implementation), compiles one XLA program returning the outputs
and the new state, and writes the state back after each call.
"""
import functools
import logging
import weakref
import sys
import traceback

import jax

from .. import _device as DEV
from .. import _random as R
from .._tensor import Tensor, wrap
from ..autograd import grad_mode
from . import _dynamic as _D
from . import _stance as ST
from . import effects as E
from . import state as S

__all__ = ["CompiledFunction", "DataDependentControlFlowError", "counters", "is_compiling",
           "reset", "make_pure"]

counters = {"traces": 0, "calls": 0, "cache_hits": 0}
_log = logging.getLogger("torch._dynamo")
_COMPILING = [0]
_PER_SHAPE = "per-shape"  # cache marker: this key's symbolic trace failed
_ALL = weakref.WeakSet()


class DataDependentControlFlowError(RuntimeError):
    """Python control flow (`if`, `while`, `.item()`, `bool()`) read a tensor's value while
    compiling."""


def is_compiling():
    """True while jtorch.compile is tracing a function."""
    return _COMPILING[0] > 0


def reset():
    """Drop every compiled program and zero the counters (torch.compiler.reset)."""
    for f in list(_ALL):
        f._cache.clear()
        f._variants.clear()
        f._fast = None
    for k in counters:
        counters[k] = 0


def _user_frame(tb):
    """The innermost traceback frame outside jtorch and JAX: the user's line."""
    best = None
    for fs in traceback.extract_tb(tb):
        fn = fs.filename.replace("\\", "/")
        if "/jtorch/" in fn or "/jax/" in fn or "/jaxlib/" in fn or "/site-packages/" in fn:
            continue
        best = fs
    return best


def _flatten(obj):
    """(leaves, treedef) of a nested structure with Tensors as leaves."""
    return jax.tree_util.tree_flatten(obj, is_leaf=S._is_tensor)


class CompiledFunction:
    """A callable that replays compiled XLA programs of `fn`, one per cache key."""

    def __init__(self, fn, fullgraph=False, dynamic=None, backend="jax", mode=None,
                 options=None, disable=False):
        self.fn = fn
        self.disable = disable
        self.dynamic = dynamic is True
        self._cache = {}
        self._variants = {}  # cache key less its Python values -> programs traced for it
        self._warm = False
        # NOTE: (argument key, jitted, spec, TensorState, Guard, state signature or None) of the
        # last call
        self._fast = None
        self._hps = E.Hypers()  # the last hyper-parameters, on the call's device
        self._key_out = None  # the RNG key the last call returned
        _ALL.add(self)
        functools.update_wrapper(self, fn, updated=())

    def __get__(self, obj, objtype=None):
        return self if obj is None else functools.partial(self.__call__, obj)

    @staticmethod
    def _arg_key(leaves, treedef, pattern=None):
        """The arguments' part of the cache key, and the global flags a trace bakes in."""
        pattern = pattern or (None,) * len(leaves)
        lk = tuple(("T", x._a.shape[g is not None:], x._a.dtype, x._rg)
                   if isinstance(x, Tensor)
                   else ("P", type(x).__name__, x if _hashable(x) else id(x))
                   for x, g in zip(leaves, pattern))
        return (treedef, lk, pattern, grad_mode.is_grad_enabled(),
                R.default_generator._key.shape)

    def _key(self, leaves, treedef, st, c, pattern=None):
        """The cache key; with a batch pattern (dynamic=True), dim 0 of the arguments it marks
        is left out (the pattern itself is in the key)."""
        return self._arg_key(leaves, treedef, pattern) + (st.signature(),
                                                          S.python_fingerprint(c))

    def _lookup(self, leaves, treedef, st, c):
        """The cache entry for this call, tracing (and with dynamic=True exporting) on a miss."""
        pattern = _D.batch_pattern(leaves) if self.dynamic else None
        key = self._key(leaves, treedef, st, c, pattern)
        entry = self._cache.get(key)
        if entry is _PER_SHAPE:  # NOTE: the symbolic trace failed: one program per shape
            pattern = None
            key = self._key(leaves, treedef, st, c)
            entry = self._cache.get(key)
        if ST.STANCE[0] is not None and ST.run_eagerly(self, leaves, treedef,
                                                        entry is not None):
            return None  # NOTE: torch.compiler.set_stance: run eagerly (or raise)
        if entry is not None:
            counters["cache_hits"] += 1
            return entry
        if not self._may_trace(key[:-1]):
            return None
        entry = self._trace(leaves, treedef, st)
        if pattern is not None and any(g is not None for g in pattern):
            call = _D.export_call(entry[1], pattern, *self._inputs(st, leaves))
            if call is None:
                self._cache[key] = _PER_SHAPE
                key = self._key(leaves, treedef, st, c)
                entry = self._trace(leaves, treedef, st)
            else:
                entry = (call, entry[1])
        self._cache[key] = entry
        return entry

    def _may_trace(self, base):
        """Count one more program for these argument shapes and state; False past
        torch._dynamo.config.recompile_limit (then the call runs eagerly, as under torch)."""
        from .._dynamo import config
        n = self._variants.get(base, 0)
        if n >= config.recompile_limit:
            if n == config.recompile_limit:
                self._variants[base] = n + 1
                fn = self.fn
                owner = getattr(fn, "__self__", fn)
                fn = getattr(owner, "forward", fn)  # NOTE: a compiled module: its forward
                code = getattr(fn, "__code__", None)
                where = f" ({code.co_filename}:{code.co_firstlineno})" if code else ""
                _log.warning(
                    "torch._dynamo hit config.recompile_limit (%d)\n   function: '%s'%s\n   "
                    "last reason: a Python value the compiled program bakes in changed (a "
                    "module attribute, training flag, hook or optimizer setting); new values "
                    "run eagerly", config.recompile_limit,
                    getattr(fn, "__name__", type(fn).__name__), where)
            return False
        self._variants[base] = n + 1
        return True

    def _inputs(self, st, leaves, taken=None):
        """(state arrays, grads, RNG key, input arrays, hyper-parameters) of a call; `taken`:
        the state's arrays and grads when already known (TensorState.take)."""
        arrs, grads = taken or st.arrays()
        ins = [x._arr() if isinstance(x, Tensor) else None for x in leaves]
        key = R.default_generator._key
        if key is not self._key_out:  # NOTE: the key our last call returned is placed already
            key = _commit_key(key, arrs, ins)
        # NOTE: the fast path (`taken`) has checked the param groups (Guard)
        hps = self._hps.get(st.optimizers, next(iter(key.devices())), taken is not None)
        return arrs, grads, key, ins, hps

    def __call__(self, *args, **kwargs):
        if self.disable:
            return self.fn(*args, **kwargs)
        if is_compiling():  # NOTE: nested compiled functions inline into the outer trace
            return self.fn(*args, **kwargs)
        counters["calls"] += 1
        if not self._warm:
            # NOTE: the first call runs eagerly, so state that code creates lazily (optimizer
            # moments, lazy modules, `.grad`) exists before a trace fixes the state's layout.
            if ST.STANCE[0] is not None:
                ST.first_call(self)
            self._warm = True
            self._warm_key = self._arg_key(*_flatten((args, kwargs)))  # NOTE: for set_stance
            return self.fn(*args, **kwargs)
        leaves, treedef = _flatten((args, kwargs))
        fast = self._fast
        if fast is not None:
            pattern = _D.batch_pattern(leaves) if self.dynamic else None
            if fast[0] == self._arg_key(leaves, treedef, pattern):
                if fast[5] is None:  # NOTE: a donating program: the state must be as it left it
                    taken = fast[3].take()
                    if taken is not None and fast[4].ok():
                        counters["cache_hits"] += 1
                        out = self._run(fast[1], fast[2], fast[3], leaves, taken)
                        fast[3].snapshot()
                        return out
                    taken = None  # NOTE: drop the refs before a donating call counts them
                elif fast[4].ok() and fast[3].signature() == fast[5]:
                    # NOTE: differentiable outputs (a compiled module in an eager training
                    # loop): eager code changes the state's arrays and grads between calls;
                    # the same shapes and flags replay the same program.
                    counters["cache_hits"] += 1
                    return self._run(fast[1], fast[2], fast[3], leaves)
            self._fast = None
        c = S.collect(self.fn, args, kwargs)
        st = S.TensorState(c)
        entry = self._lookup(leaves, treedef, st, c)
        if entry is None:  # NOTE: past the recompile limit
            return self.fn(*args, **kwargs)
        jitted, out_spec = entry
        out = self._run(jitted, out_spec, st, leaves)
        if "checked" not in out_spec:
            _check_no_leaks(self.fn, args, kwargs)
            out_spec["checked"] = True
        # NOTE: the next call with the same argument key replays this program without walking
        # the state again, while every container the walk read still holds the same objects
        # and every state tensor the array this call left (TensorState.take; for a program
        # with differentiable outputs, which donates nothing: the same shapes and flags)
        pattern = _D.batch_pattern(leaves) if self.dynamic else None
        diff = out_spec.get("diff")
        self._fast = (self._arg_key(leaves, treedef, pattern), jitted, out_spec, st, S.Guard(c),
                      st.signature() if diff else None)
        if not diff:
            st.snapshot()
        return out

    def _run(self, jitted, out_spec, st, leaves, taken=None):
        try:
            return self._run_once(jitted, out_spec, st, leaves, taken)
        except ValueError as e:
            if "incompatible devices" not in str(e):
                raise
        self._key_out = None
        # NOTE: the state moved to another device since the first call, or the inputs lie on
        # two devices (then torch's RuntimeError, from same_device)
        out_spec["mixed"] = True
        try:
            return self._run_once(jitted, out_spec, st, leaves)
        except ValueError as e:
            if "incompatible devices" not in str(e):
                raise
            arrs, _, _, ins, _ = self._inputs(st, leaves)
            DEV.same_device([arrs, ins])
            raise

    def _run_once(self, jitted, out_spec, st, leaves, taken=None):
        arrs, grads, key, ins, hps = self._inputs(st, leaves, taken)
        if "diff" not in out_spec:
            jitted.trace(arrs, grads, key, ins, hps)  # NOTE: the trace decides the call's kind
            out_spec["mixed"] = _mixed(arrs, ins)
        if out_spec.get("mixed"):
            # NOTE: state on another device than the inputs (torch's eager optimizers keep
            # `step` on the CPU beside GPU parameters) moves to the inputs' device for good, as
            # under torch.compile, which creates optimizer state on the parameters' device
            # (capturable); one call then never copies state between devices.
            arrs = _gather(arrs, ins)
            st.write_back(arrs, grads)
            key = _commit_key(key, arrs, ins)
            out_spec["mixed"] = False
        if out_spec["diff"]:
            out = self._run_diff(jitted, out_spec, st, leaves, arrs, grads, ins, key, hps)
        else:
            # NOTE: the program donates the state buffers (XLA updates parameters, optimizer
            # state and grads in place); an array someone else also holds is copied first.
            arrs, grads = _exclusive(arrs), _exclusive(grads)
            outs, new_arrs, new_grads, new_key = jitted(arrs, grads, key, ins, hps)
            st.write_back(new_arrs, new_grads)
            R.default_generator._key = self._key_out = new_key
            out = _rebuild_outputs(out_spec, _write_inputs(out_spec, leaves, outs))
        for fn, obj, a, kw in out_spec.get("replay", ()):
            fn(obj, *a, **kw)
        return out

    def _run_diff(self, jitted, out_spec, st, leaves, arrs, grads, ins, key, hps):
        """Outputs that require grad: one compiled forward returning the VJP, recorded on the
        tape as a single node whose backward is one compiled call."""
        from ._diff import CompiledFunction as DiffCall, vjp_program
        s_idx = [i for i, t in enumerate(st.tensors) if t._rg]
        i_idx = [i for i, x in enumerate(leaves) if isinstance(x, Tensor) and x._rg]
        prog = out_spec.get("vjp")
        if prog is None:
            prog = out_spec["vjp"] = vjp_program(out_spec["pure"], s_idx, i_idx)
        diff = [st.tensors[i] for i in s_idx] + [leaves[i] for i in i_idx]
        box = {}
        ts = DiffCall.apply(prog, (arrs, grads, key, ins, hps), box, *diff)
        st.write_back(box["new_arrs"], box["new_grads"])
        R.default_generator._key = box["new_key"]
        ts = list(ts if isinstance(ts, tuple) else (ts,))
        n_mut = len(out_spec["mutated"])
        if n_mut:
            for i, m in zip(out_spec["mutated"], ts[-n_mut:]):
                leaves[i]._set_array(m._arr())
            ts = ts[:-n_mut]
        it = iter(ts)
        leaves = [next(it) if is_t else const for is_t, const, _ in out_spec["kinds"]]
        return jax.tree_util.tree_unflatten(out_spec["tree"], leaves)

    def _trace(self, leaves, treedef, st):
        """Build the jitted pure function for this key (traced on its first call)."""
        pure, spec = make_pure(self.fn, leaves, treedef, st)
        return jax.jit(pure, donate_argnums=(0, 1)), spec


_CONCRETE_ERRORS = (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError,
                    jax.errors.TracerIntegerConversionError)


def _commit_key(key, arrs, ins):
    """The RNG key placed on the device of the call's arrays.
    NOTE: a fresh key is uncommitted and the key a call returns is committed; jit treats the
    two as different signatures and would compile the program a second time."""
    # NOTE: the inputs' device first: state may mix devices (an optimizer's CPU `step`).
    dev = next((a for a in list(ins) + list(arrs) if a is not None), None)
    dev = next(iter(dev.devices())) if dev is not None else jax.devices("cpu")[0]
    if getattr(key, "_committed", True) and dev in key.devices():
        return key
    return jax.device_put(key, dev)


def _mixed(arrs, ins):
    """True when the call's arrays lie on more than one device."""
    devs = {a.device for a in arrs if a is not None}
    devs.update(a.device for a in ins if a is not None)
    return len(devs) > 1


def _gather(arrs, ins):
    """The state arrays, moved to the inputs' device (else the one most of them are on)."""
    dev = next((a.device for a in ins if a is not None), None)
    return DEV.gather(arrs, dev)[0]


# NOTE: references to a state array while _exclusive looks at it: the state tensor's `_a`
# (or its grad's), the `arrays()` list, our copy of that list, the loop variable and
# getrefcount's own argument.
_OWN_REFS = 5


def _exclusive(arrs):
    """The arrays a donating call may consume: each one held by someone besides its state
    tensor (a Tensor sharing it, e.g. a deepcopy of a state_dict, or the same array twice) is
    replaced by a copy, so the holder keeps valid values."""
    refs = sys.getrefcount
    out = list(arrs)
    for i in range(len(arrs)):  # NOTE: not enumerate: its cached result tuple holds a ref
        a = arrs[i]
        # NOTE: an array twice in the list (two tensors sharing it) has extra references too
        if a is not None and refs(a) > _OWN_REFS:
            out[i] = a.copy()
    return out


def _check_no_leaks(fn, args, kwargs):
    """Raise if the trace stored a new tensor where later calls would see a tracer."""
    c = S.collect(fn, args, kwargs)
    for t in c.tensors.values():
        if isinstance(t._a, jax.core.Tracer):
            raise RuntimeError(
                f"jtorch.compile: the compiled function stored a tensor it created (shape "
                f"{list(t._a.shape)}, {t.dtype}) in an object that outlives the call; only "
                f"tensors that existed before the call (parameters, buffers, optimizer state, "
                f"arguments) can be updated by a compiled function. Return the tensor instead.")


def make_pure(fn, leaves, treedef, st):
    """(pure, spec): fn as a pure function of (state arrays, grads, RNG key, input arrays)
    returning (outputs, new state, new grads, new key); spec fills in as it is traced."""
    spec = {}
    gen = R.default_generator

    def pure(arrs, grads, rng_key, ins, hps=()):
        counters["traces"] += 1
        saved = st.arrays()
        saved_key = gen._key
        saved_tensors = [(t._grad, t._gfn) for t in st.tensors]
        st.bind(arrs, grads)
        gen._key = rng_key
        _COMPILING[0] += 1
        try:
            call_leaves, fresh = [], {}
            for i, (x, a) in enumerate(zip(leaves, ins)):
                if isinstance(x, Tensor):
                    if any(x is t for t in st.tensors) or (
                            x._base is not None and any(x._base is t for t in st.tensors)):
                        call_leaves.append(x)  # NOTE: a state tensor passed as argument
                    else:
                        t = wrap(a)
                        t._rg = x._rg
                        fresh[i] = t
                        call_leaves.append(t)
                else:
                    call_leaves.append(x)
            a2, kw2 = jax.tree_util.tree_unflatten(treedef, call_leaves)
            groups = E.optimizer_groups(st.optimizers)[0] if hps else []
            try:
                with E.Effects(groups, hps) as eff:
                    out = fn(*a2, **kw2)
            except _CONCRETE_ERRORS as e:
                raise _control_flow_error(e) from None
            spec["replay"] = eff.replay
            if any(t._grad is not None for t in fresh.values()):
                # NOTE: an argument's .grad is not part of the program's state (only captured
                # tensors' are): the gradient would be lost. Say so instead.
                raise NotImplementedError(
                    "jtorch.compile: the compiled function ran backward() into a tensor passed "
                    "as an argument (its .grad would be lost); capture that tensor instead of "
                    "passing it (e.g. make it a module parameter), or call backward() outside "
                    "the compiled function")
            out_leaves, out_tree = _flatten(out)
            spec.setdefault("tree", out_tree)
            spec.setdefault("kinds", [(isinstance(o, Tensor), None if isinstance(o, Tensor) else o,
                              isinstance(o, Tensor) and o.requires_grad)
                             for o in out_leaves])
            out_arrs = [o._arr() if isinstance(o, Tensor) else None for o in out_leaves]
            new_arrs, new_grads = st.read()
            # NOTE: an input the function wrote into in place is written back after the call
            spec.setdefault("mutated", [i for i, t in fresh.items() if t._ver != 0])
            out_arrs = out_arrs + [fresh[i]._arr() for i in spec["mutated"]]
            # NOTE: outputs that require grad become differentiable outputs of the compiled
            # call, unless the function ran a backward itself (a training step touches
            # some .grad): then, as in eager, its outputs are not meant to be differentiated.
            touched = any(t._grad is not None and (g is None or t._grad._a is not g)
                          for t, g in zip(st.grad_owners, grads))
            spec.setdefault("diff", not touched and any(k[2] for k in spec["kinds"])
                            and grad_mode.is_grad_enabled())
            return out_arrs, new_arrs, new_grads, gen._key
        finally:
            _COMPILING[0] -= 1
            st.bind(*saved)
            gen._key = saved_key
            for t, (g, gfn) in zip(st.tensors, saved_tensors):
                t._gfn = gfn

    spec["pure"] = pure
    return pure, spec


def _write_inputs(spec, leaves, outs):
    """Write the new values of mutated inputs back; return the remaining (real) outputs."""
    k = len(outs) - len(spec["mutated"])
    for i, a in zip(spec["mutated"], outs[k:]):
        leaves[i]._set_array(a)
    return outs[:k]


def _rebuild_outputs(spec, outs):
    leaves = []
    for (is_t, const, rg), a in zip(spec["kinds"], outs):
        leaves.append(wrap(a) if is_t else const)
    return jax.tree_util.tree_unflatten(spec["tree"], leaves)


def _hashable(x):
    try:
        hash(x)
        return True
    except TypeError:
        return False


def _control_flow_error(e):
    fs = _user_frame(sys.exc_info()[2])
    where = f"{fs.filename}:{fs.lineno}: `{fs.line}`" if fs else "the compiled function"
    return DataDependentControlFlowError(
        f"jtorch.compile: Python control flow depends on a tensor's value at {where}. A "
        f"compiled function sees tensors as abstract values, so `if`/`while` on a tensor, "
        f"`.item()`, `bool()`, `int()` and `float()` of a tensor cannot run inside it. Use "
        f"torch.where(cond, a, b) for element-wise choices or torch.cond(pred, true_fn, "
        f"false_fn, operands) for branches, or move the check outside the compiled function.")
