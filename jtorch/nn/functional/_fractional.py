"""torch.nn.functional: fractional max pooling (2-D and 3-D)."""
import jax.numpy as jnp
import numpy as np

from ..._ops.registry import Op, OPS, dispatch
from ._conv import _ntuple

__all__ = ["fractional_max_pool2d", "fractional_max_pool3d",
           "fractional_max_pool2d_with_indices", "fractional_max_pool3d_with_indices"]


def _intervals(sample, L, O, k):
    """torch's generate_intervals for every plane: sample (N, C) -> starts (N, C, O)."""
    ct = sample.dtype
    if O > 1:
        alpha = jnp.asarray(L - k, ct) / jnp.asarray(O - 1, ct)
        i = jnp.arange(O - 1, dtype=ct)
        seq = (jnp.trunc((i + sample[..., None]) * alpha)
               - jnp.trunc(sample[..., None] * alpha)).astype(jnp.int64)
        last = jnp.full(sample.shape + (1,), L - k, jnp.int64)
        return jnp.concatenate([seq, last], axis=-1)
    return jnp.full(sample.shape + (O,), L - k, jnp.int64)


def _frac_fn(ks, outs, x, samples):
    n = len(ks)
    unbatched = x.ndim == n + 1
    if unbatched:
        x = x[None]
    N, C = x.shape[:2]
    sp = x.shape[2:]
    # NOTE: sample slot per spatial dim, as ATen reads them: 2-d (W, H); 3-d (T, H, W).
    slots = (1, 0) if n == 2 else (0, 1, 2)
    w = x
    flat = jnp.zeros((N, C) + (1,) * (2 * n), jnp.int64)
    for d in range(n):
        st = _intervals(samples[:, :, slots[d]].astype(x.dtype), sp[d], outs[d], ks[d])
        idx = st[..., None] + jnp.arange(ks[d])  # (N, C, O, K)
        ax = 2 + 2 * d
        shp = (N, C) + (1,) * (2 * d) + (outs[d] * ks[d],) + (1,) * (w.ndim - ax - 1)
        w = jnp.take_along_axis(w, idx.reshape(shp), axis=ax)
        w = w.reshape(w.shape[:ax] + (outs[d], ks[d]) + w.shape[ax + 1:])
        mul = int(np.prod(sp[d + 1:]))
        pos = [1] * (2 * n)
        pos[d], pos[n + d] = outs[d], ks[d]
        flat = flat + (idx * mul).reshape((N, C) + tuple(pos))
    perm = [0, 1] + [2 + 2 * d for d in range(n)] + [3 + 2 * d for d in range(n)]
    w = w.transpose(perm).reshape((N, C) + tuple(outs) + (-1,))
    flat = jnp.broadcast_to(flat, (N, C) + tuple(outs) + tuple(ks)).reshape(w.shape)
    am = jnp.argmax(w, axis=-1)[..., None]
    y = jnp.take_along_axis(w, am, axis=-1)[..., 0]
    i = jnp.take_along_axis(flat, am, axis=-1)[..., 0]
    return (y[0], i[0]) if unbatched else (y, i)


_FRAC = {n: Op(f"fractional_max_pool{n}d", _frac_fn, nout=2, nondiff_outputs=(1,),
               grad_name=f"FractionalMaxPool{n}DBackward0") for n in (2, 3)}
for _o in _FRAC.values():
    OPS[_o.name] = _o


def _frac(n, input, kernel_size, output_size, output_ratio, return_indices, _random_samples):
    name = f"fractional_max_pool{n}d"
    if output_size is None and output_ratio is None:
        raise ValueError(f"{name} requires specifying either an output_size or an output_ratio")
    if input.dim() not in (n + 1, n + 2):
        raise RuntimeError(f"{name}(): Expected {n + 1}D or {n + 2}D tensor, but got: "
                           f"{list(input.shape)}")
    ks = _ntuple(kernel_size, n)
    sp = tuple(input.shape[-n:])
    if output_size is None:
        r = output_ratio if isinstance(output_ratio, (list, tuple)) else (output_ratio,) * n
        outs = tuple(int(sp[d] * r[d]) for d in range(n))
    else:
        outs = _ntuple(output_size, n)
    for d in range(n):
        if outs[d] + ks[d] - 1 > sp[d]:
            raise RuntimeError(f"{name}(): pool size {ks[d]} too large relative to input size "
                               f"{sp[d]} and output size {outs[d]} at spatial dim {d}")
    if _random_samples is None:
        from ..._ops.random import rand
        nb = 1 if input.dim() == n + 1 else input.shape[0]
        _random_samples = rand(nb, input.shape[-n - 1], n, dtype=input.dtype,
                               device=input.device)
    y, idx = dispatch(_FRAC[n], (input, _random_samples), (ks, outs))
    return (y, idx) if return_indices else y


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """2-D fractional max pooling (pseudo-random window starts from the samples)."""
    return _frac(2, input, kernel_size, output_size, output_ratio, return_indices,
                 _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """3-D fractional max pooling (pseudo-random window starts from the samples)."""
    return _frac(3, input, kernel_size, output_size, output_ratio, return_indices,
                 _random_samples)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """2-D fractional max pooling returning (values, indices)."""
    return _frac(2, input, kernel_size, output_size, output_ratio, True, _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None, output_ratio=None,
                                       return_indices=False, _random_samples=None):
    """3-D fractional max pooling returning (values, indices)."""
    return _frac(3, input, kernel_size, output_size, output_ratio, True, _random_samples)
