"""The compiled step shared by the element-wise optimizers: one jax.jit call per param group."""

import weakref

import jax
import numpy as np
from jax.sharding import SingleDeviceSharding

from .. import _device as DEV
from .. import _dtype as D
from .._compile import effects as _effects
from .._tensor import Tensor, wrap
from . import _functional as F
from .optimizer import Optimizer, _closure_loss, _no_grad_step

__all__ = []


def _scalar(x):
    """A Python float from a float or a 1-element Tensor (torch's _to_scalar)."""
    return float(x.item()) if isinstance(x, Tensor) else float(x)


def _check_unsupported(defaults):
    if defaults.get("differentiable"):
        raise NotImplementedError("jtorch.optim: differentiable=True (autograd through the "
                                  "optimizer step) is not supported")


class _FusedOptimizer(Optimizer):
    """An Optimizer whose step applies a pure rule (see _functional) to all of a group's
    parameters in one compiled call. Subclasses define _rule, _state_keys, _init_state,
    _hyper and _static."""

    _rule = None

    def _state_keys(self, group):
        """Names of the per-parameter state entries, in the order torch creates them."""
        raise NotImplementedError

    def _init_state(self, p, state, group):
        """Fill an empty state dict for parameter p (torch's lazy init)."""
        raise NotImplementedError

    def _hyper(self, group):
        """The group's traced hyper-parameters as a tuple of floats."""
        raise NotImplementedError

    def _static(self, group):
        """The group's compile-time flags as a hashable tuple."""
        raise NotImplementedError

    def __setstate__(self, state):
        super().__setstate__(state)
        # NOTE: as torch's optimizers do, a scalar state saved as a Python number (older
        # checkpoints) becomes a float32 0-d tensor.
        from .. import tensor
        for st in self.state.values():
            if isinstance(st, dict):
                for k in ("step", "mu_product"):
                    if k in st and not isinstance(st[k], Tensor):
                        st[k] = tensor(float(st[k]), dtype=D.float32)

    @_no_grad_step
    def step(self, closure=None):
        """Perform a single optimization step; returns the closure's loss (if given)."""
        loss = _closure_loss(closure)
        for group in self.param_groups:
            self._group_step(group)
        return loss

    def _group_step(self, group):
        keys = self._state_keys(group)
        owners, ps, gs, ss = [], [], [], []
        state = self.state
        for p in group["params"]:
            g = p._grad
            if g is None:
                continue
            owners.append(p)
            ps.append(p._arr())
            gs.append(g._arr())
            if keys:
                st = state[p]
                if len(st) == 0:
                    self._init_state(p, st, group)
                ss.append(tuple(st[k]._arr() if k in st else None for k in keys))
            else:
                ss.append(())
        if not owners:
            return
        hp = _effects.hyper(self, group)  # NOTE: a traced input inside jtorch.compile
        fn = F.group_update(type(self)._rule, self._static(group))
        # NOTE: no buffer donation: a Tensor sharing these arrays (e.g. a deepcopy of a
        # state_dict, which copies the Tensor but shares its immutable jax.Array) would be
        # invalidated. Measured without it: 0.8x torch's Adam step (benchmarks/optim_step.py).
        moves = _off_device(ps, ss)
        if moves is None:
            new_ps, new_ss = fn(_placed_hyper(self, group, hp, ps[0]), ps, gs, ss)
        else:  # NOTE: torch keeps `step` on the CPU beside GPU parameters
            new_ps, new_ss = _split_update(fn, hp, ps, gs, ss, self, group)
        for p, a, s in zip(owners, new_ps, new_ss):
            p._set_array(a)
            if keys:
                st = state[p]
                for k, v in zip(keys, s):
                    if v is None:
                        continue
                    t = st.get(k)
                    if t is None:
                        st[k] = wrap(v)
                    else:
                        t._set_array(v)


_PLACED = weakref.WeakKeyDictionary()  # optimizer -> {(id(group), where): effects.Placed}


def _placed_hyper(opt, group, hp, where):
    """hp (NumPy) on `where` (a device, or a single-device array whose device), reused while its
    values stay (see effects.Placed); a tracer, or hp beside a sharded array, as it is."""
    if hp.__class__ is not np.ndarray:
        return hp
    if isinstance(where, jax.Array):
        where = where.sharding
        if where.__class__ is not SingleDeviceSharding:
            return hp
    slots = _PLACED.get(opt)
    if slots is None:
        slots = _PLACED[opt] = {}
    slot = slots.get((id(group), where))
    if slot is None:
        slot = slots[(id(group), where)] = _effects.Placed()
    return slot.get([hp], where)[0]


def _off_device(ps, ss):
    """None when the first parameter's state lies on its device (or while tracing), else []."""
    p0 = ps[0]
    if isinstance(p0, jax.core.Tracer) or not ss or not ss[0]:
        return None
    d = p0.device
    return None if all(s is None or s.device == d for s in ss[0]) else []


def _split_update(fn, hp, ps, gs, ss, opt, group):
    """fn's update when some state lies off the parameters' device. 0-d state on the CPU
    (torch's `step`, `mu_product` beside GPU parameters) keeps a mirror on the parameters'
    device that the update advances; its CPU value comes from a second run of the rule on the
    CPU with zero-size parameters. Other state visits the parameters' device for the call and
    is copied back.
    NOTE: copying the new `step` back device->host waits for the whole update (measured 1.6 ms
    per call on a GPU); a torch optimizer's scalar state depends only on itself and the
    hyper-parameters, so the shadow run computes it where it lives without that wait. The
    mirror is used while the CPU value is the one the last shadow run produced (else the
    value rides along as a host value): a warm step copies nothing between devices."""
    leaves, tree = jax.tree_util.tree_flatten(ss, is_leaf=_none)
    dev = ps[0].device
    host = [a is not None and a.ndim == 0 and a.device != dev and a.device.platform == "cpu"
            for a in leaves]
    moved, moves = DEV.gather([None if h else a for a, h in zip(leaves, host)], dev)
    mirrors = _MIRRORS.setdefault(opt, {}).get(id(group), {})
    args = [_mirror(mirrors.get(i), a) if h else m
            for i, (a, m, h) in enumerate(zip(leaves, moved, host))]
    new_ps, new_ss = fn(_placed_hyper(opt, group, hp, ps[0]), ps, gs,
                        jax.tree_util.tree_unflatten(tree, args))
    out, _ = jax.tree_util.tree_flatten(new_ss, is_leaf=_none)
    mirrors = {}
    for home in {a.device for a, h in zip(leaves, host) if h}:
        def on(a, home=home):
            return a if a is None or (a.ndim == 0 and a.device == home) else \
                _empty(a.dtype, home)
        _, shadow = fn(_placed_hyper(opt, group, hp, home), [_empty(p.dtype, home) for p in ps],
                       [_empty(g.dtype, home) for g in gs],
                       jax.tree_util.tree_unflatten(tree, [on(a) for a in leaves]))
        done, _ = jax.tree_util.tree_flatten(shadow, is_leaf=_none)
        for i, (a, h) in enumerate(zip(leaves, host)):
            if h and a.device == home:
                mirrors[i] = (done[i], out[i])
                out[i] = done[i]
    _MIRRORS[opt][id(group)] = mirrors
    out = DEV.scatter(out, moves)  # NOTE: other state on another device: copied back
    return new_ps, jax.tree_util.tree_unflatten(tree, out)


# NOTE: optimizer -> {id(group): {state leaf index: (CPU array, its copy on the params' device)}}
_MIRRORS = weakref.WeakKeyDictionary()


def _mirror(pair, a):
    """The device copy of host state `a` if it is the pair's CPU array, else `a` as NumPy."""
    return pair[1] if pair is not None and pair[0] is a else np.asarray(a)


_EMPTIES = {}


def _none(x):
    return x is None


def _empty(dtype, dev):
    """A cached zero-size array of `dtype` on `dev` (a shadow run's parameter)."""
    key = (dtype, dev)
    a = _EMPTIES.get(key)
    if a is None:
        a = _EMPTIES[key] = jax.device_put(jax.numpy.zeros((0,), dtype), dev)
    return a


def _zero_step():
    """torch.tensor(0.0): a float32 0-d `step` state tensor."""
    from .. import tensor
    return tensor(0.0, dtype=D.float32)


def _buffer_like(p, value=0.0):
    """full_like(p, value) for a state buffer (never requires grad), on p's very jax device;
    a complex p gets complex(value, value) (torch's Adagrad/Rprop init)."""
    a = p._arr()
    return wrap(jax.numpy.full_like(a, complex(value, value) if p.dtype.is_complex else value))
