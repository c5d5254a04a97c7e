"""torch.nn.utils.clip_grad: gradient norm / value clipping (one compiled call per step)."""
import functools
import types
import warnings

import jax
import jax.numpy as jnp

from ..._tensor import Tensor, wrap

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "get_total_norm",
           "clip_grads_with_norm_"]

# NOTE: clipping runs under no_grad in torch, so it needs no autograd; each function is one
# jitted pure-JAX call over all gradients (works on tracers too, inside jtorch.compile).


def _vector_norm(x, p):
    a = jnp.abs(x)
    if p == float("inf"):
        return jnp.max(a, initial=0).astype(a.dtype) if a.size else jnp.zeros((), a.dtype)
    if p == float("-inf"):
        return jnp.min(a) if a.size else jnp.full((), jnp.inf, a.dtype)
    if p == 0:
        return jnp.sum(a != 0).astype(a.dtype)
    if p == 1:
        return jnp.sum(a)
    if p == 2:
        return jnp.sqrt(jnp.sum(a * a))
    return jnp.sum(a ** p) ** (1.0 / p)


def _norm_dtype(arrs):
    return functools.reduce(jnp.promote_types, [a.dtype for a in arrs])


@functools.partial(jax.jit, static_argnums=0)
def _total_norm(p, arrs):
    dt = _norm_dtype(arrs)
    norms = jnp.stack([_vector_norm(a, p).astype(dt) for a in arrs])
    return _vector_norm(norms, p)


@jax.jit
def _scale(arrs, total, max_norm):
    coef = jnp.minimum(max_norm / (total + 1e-6), 1.0).astype(total.dtype)
    return [(a * coef.astype(a.dtype)).astype(a.dtype) for a in arrs]


@jax.jit
def _clamp(arrs, v):
    return [jnp.clip(a, (-v).astype(a.dtype), v.astype(a.dtype)) for a in arrs]


def _as_list(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _check_foreach(foreach, tensors):
    if foreach:
        for t in tensors:
            if t.device.type not in ("cpu", "cuda"):
                raise RuntimeError(f"foreach=True was passed, but can't use the foreach API on "
                                   f"{t.device.type} tensors")


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """The norm of the norms of `tensors` (as if all were concatenated into one vector)."""
    tensors = _as_list(tensors)
    norm_type = float(norm_type)
    if len(tensors) == 0:
        from ..._ops.creation import tensor
        return tensor(0.0)
    _check_foreach(foreach, tensors)
    total = _total_norm(norm_type, [t._arr() for t in tensors])
    if error_if_nonfinite and not bool(jnp.isfinite(total)):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from `parameters` "
                           "is non-finite, so it cannot be clipped. To disable this error and "
                           "scale the gradients by the non-finite norm anyway, set "
                           "`error_if_nonfinite=False`")
    return wrap(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    """Scale the gradients by min(1, max_norm / (total_norm + 1e-6)) in place."""
    parameters = _as_list(parameters)
    grads = [p.grad for p in parameters if p.grad is not None]
    max_norm = float(max_norm)
    if len(grads) == 0:
        return
    _check_foreach(foreach, grads)
    tot = total_norm._arr() if isinstance(total_norm, Tensor) else jnp.asarray(total_norm)
    new = _scale([g._arr() for g in grads], tot, jnp.asarray(max_norm, tot.dtype))
    for g, a in zip(grads, new):
        g._set_array(a)


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    """Clip the gradients' total norm to max_norm in place; returns the total norm."""
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)
        if is_generator and len(parameters) == 0:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=2)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated alias of clip_grad_norm_."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient to [-clip_value, clip_value] in place."""
    parameters = _as_list(parameters)
    clip_value = float(clip_value)
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return
    _check_foreach(foreach, grads)
    new = _clamp([g._arr() for g in grads], jnp.asarray(clip_value))
    for g, a in zip(grads, new):
        g._set_array(a)
