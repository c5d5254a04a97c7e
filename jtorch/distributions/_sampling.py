"""Samplers torch.distributions needs beyond jtorch's public ones (gamma, binomial), on JAX random."""
import jax
import jax.numpy as jnp

import jtorch as torch
from jtorch import _random as R
from jtorch._ops.registry import Op, dispatch
from jtorch._tensor import wrap

__all__ = ["_standard_gamma", "_binomial", "_dirichlet"]


def _gamma_fn(key, alpha):
    x = jax.random.gamma(key, alpha, alpha.shape, alpha.dtype)
    # NOTE: torch clamps gamma samples to finfo.tiny (never exactly 0); maximum keeps d/dalpha.
    return jnp.maximum(x, jnp.finfo(alpha.dtype).tiny)


# NOTE: jax.random.gamma differentiates w.r.t. alpha by implicit reparameterization, the same
# estimator torch's _standard_gamma_grad implements, so jtorch's autograd gets it for free.
_GAMMA = Op("_standard_gamma", _gamma_fn, grad_name="StandardGammaBackward0")
_BINOMIAL = Op("binomial", lambda key, n, p: jax.random.binomial(key, n, p, p.shape, p.dtype),
               differentiable=False)


def _standard_gamma(concentration, generator=None):
    """Gamma(concentration, 1) samples, differentiable w.r.t. concentration."""
    return dispatch(_GAMMA, (wrap(R.next_key(generator)), concentration))


def _dirichlet(concentration, generator=None):
    """Dirichlet samples (normalized gammas), differentiable w.r.t. concentration."""
    g = _standard_gamma(concentration, generator)
    x = g / g.sum(-1, keepdim=True)
    return x.clamp(min=torch.finfo(x.dtype).tiny)


def _binomial(count, prob, generator=None):
    """Binomial(count, prob) samples (torch.binomial), in prob's dtype."""
    count, prob = torch.broadcast_tensors(count.to(prob.dtype), prob)
    return dispatch(_BINOMIAL, (wrap(R.next_key(generator)), count, prob))
