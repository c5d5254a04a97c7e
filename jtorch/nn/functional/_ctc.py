"""torch.nn.functional.ctc_loss (private; re-exported by _loss).

The CTC forward (alpha) recursion runs in log space under lax.scan, in one registered op.
NOTE: torch's CTC backward returns the gradient as if log_probs were log_softmax outputs of
logits (grad = exp(log_probs) - occupancy); jtorch reproduces that with a custom VJP
(true gradient + exp(log_probs) on valid time steps).
"""
import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from ..._ops.creation import tensor
from ._activation import reg

__all__ = []

_NEG = -1e30  # NOTE: a large finite "log 0" keeps every gradient finite (no inf - inf)


def _lse(*xs):
    m = xs[0]
    for x in xs[1:]:
        m = jnp.maximum(m, x)
    m = lax.stop_gradient(m)
    return m + jnp.log(sum(jnp.exp(x - m) for x in xs))


def _nll(blank, lp, tg, il, tl):
    """Per-sample CTC negative log likelihood. lp (T, N, C), tg (N, S) padded."""
    T, N, C = lp.shape
    S = tg.shape[1]
    L = 2 * S + 1
    s_idx = jnp.arange(L)
    lab = jnp.where(s_idx % 2 == 1, tg[:, jnp.clip((s_idx - 1) // 2, 0, max(S - 1, 0))]
                    if S else blank, blank)  # (N, L)
    lab = jnp.broadcast_to(lab, (N, L)).astype(jnp.int32)
    prev2 = jnp.concatenate([jnp.full((N, 2), -1, jnp.int32), lab[:, :-2]], 1)
    skip_ok = (s_idx[None] % 2 == 1) & (lab != prev2)
    valid_s = s_idx[None] < 2 * tl[:, None] + 1
    neg = jnp.asarray(_NEG, lp.dtype)
    emit = jnp.take_along_axis(lp, jnp.broadcast_to(lab[None], (T, N, L)), axis=2)  # (T, N, L)
    a0 = jnp.where((s_idx[None] < 2) & valid_s, emit[0], neg)

    def step(a, inp):
        e, t = inp
        a1 = jnp.concatenate([jnp.full((N, 1), neg), a[:, :-1]], 1)
        a2 = jnp.concatenate([jnp.full((N, 2), neg), a[:, :-2]], 1)
        a2 = jnp.where(skip_ok, a2, neg)
        new = jnp.where(valid_s, _lse(a, a1, a2) + e, neg)
        new = jnp.maximum(new, neg)
        live = (t < il)[:, None]
        return jnp.where(live, new, a), None
    a, _ = lax.scan(step, a0, (emit[1:], jnp.arange(1, T)))
    last = jnp.take_along_axis(a, (2 * tl)[:, None].astype(jnp.int32), 1)[:, 0]
    prev = jnp.take_along_axis(a, jnp.maximum(2 * tl - 1, 0)[:, None].astype(jnp.int32), 1)[:, 0]
    ll = jnp.where(tl > 0, _lse(last, prev), last)
    return -ll


def _ctc_fn(blank, reduction, zero_infinity, lp, tg, il, tl):
    T = lp.shape[0]
    tmask = (jnp.arange(T)[:, None] < il[None, :])[..., None]

    @jax.custom_vjp
    def nll(lp):
        return _nll(blank, lp, tg, il, tl)

    def fwd(lp):
        out, vjp = jax.vjp(lambda x: _nll(blank, x, tg, il, tl), lp)
        return out, (vjp, lp, out)

    def bwd(res, g):
        vjp, lp, out = res
        (gl,) = vjp(g)
        gl = jnp.where(tmask, gl + jnp.exp(lp) * g[None, :, None], 0)
        bad = out >= 1e29
        gl = jnp.where(bad[None, :, None] & tmask, 0 if zero_infinity else jnp.nan, gl)
        return (gl.astype(lp.dtype),)
    nll.defvjp(fwd, bwd)
    loss = nll(lp)
    inf = loss >= 1e29
    loss = jnp.where(inf, 0.0 if zero_infinity else jnp.inf, loss).astype(lp.dtype)
    if reduction == "mean":
        return jnp.mean(loss / jnp.maximum(tl, 1).astype(lp.dtype))
    if reduction == "sum":
        return jnp.sum(loss)
    return loss


_CTC = reg("ctc_loss", _ctc_fn, "CtcLossBackward0")


def _host(x):
    if isinstance(x, (list, tuple)):
        return np.asarray(x, np.int64)
    if hasattr(x, "_arr"):
        a = x.detach()._arr()
        if isinstance(a, jax.core.Tracer):
            raise NotImplementedError("ctc_loss needs concrete lengths/targets (eager mode)")
        return np.asarray(a).astype(np.int64)
    return np.asarray(x, np.int64)


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist temporal classification loss."""
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    unbatched = log_probs.dim() == 2
    if unbatched:
        log_probs = log_probs.unsqueeze(1)
        if targets.dim() == 1:
            targets = targets.unsqueeze(0)
    il = _host(input_lengths).reshape(-1)
    tl = _host(target_lengths).reshape(-1)
    T, N, C = log_probs.shape
    if il.size != N:
        raise RuntimeError(f"input_lengths must be of size batch_size, but got {il.size}")
    if tl.size != N:
        raise RuntimeError(f"target_lengths must be of size batch_size, but got {tl.size}")
    if (il > T).any():
        raise RuntimeError(f"Expected input_lengths to have value at most {T}, but got value "
                           f"{int(il.max())} (while checking arguments for ctc_loss_cpu)")
    tg = _host(targets)
    if tg.ndim == 1:  # concatenated targets -> padded
        S = int(tl.max()) if tl.size else 0
        pad = np.full((N, max(S, 1)), blank, np.int64)
        off = 0
        for n, k in enumerate(tl):
            pad[n, :k] = tg[off:off + k]
            off += k
        tg = pad
    elif tg.ndim == 2 and tg.shape[1] == 0:
        tg = np.full((N, 1), blank, np.int64)
    out = _dispatch(
        log_probs, tensor(tg), tensor(il), tensor(tl), blank, reduction, zero_infinity)
    if unbatched and reduction == "none":
        out = out.squeeze(0)
    return out


def _dispatch(lp, tg, il, tl, blank, reduction, zero_infinity):
    from ..._ops.registry import dispatch
    return dispatch(_CTC, (lp, tg, il, tl), (int(blank), reduction, bool(zero_infinity)))
