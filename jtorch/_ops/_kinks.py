"""Pointwise functions whose derivatives follow torch's formulas where JAX's defaults differ.

NOTE: each function computes the same forward value as its jnp/jss counterpart; only the
derivative (a jax.custom_jvp, or a formulation whose JAX derivative matches) changes, at the
points where torch's derivatives.yaml makes a different choice: kinks (abs at 0, fmax/fmin
ties), 0 * inf products (pow at 0, xlogy at 0, atan2 at the origin, copysign at 0), special
functions JAX differentiates wrongly at 0 (i0) and torch's digamma(0) = -inf.
Tangents arrive as symbolic zeros where an input needs no derivative, so an inf/nan partial of
one input never leaks into another input's derivative (nan * 0) in forward mode.
"""
import functools
import math

import jax
import jax.numpy as jnp
import jax.scipy.special as jss
from jax.custom_derivatives import SymbolicZero

__all__ = ["abs_", "fmax", "fmin", "pow_", "atan2", "hypot", "copysign", "xlogy", "digamma",
           "lgamma", "i0", "logit", "hurwitz_zeta", "polygamma"]


def _lin(out, *terms):
    """sum(partial * tangent) over terms, skipping symbolic-zero tangents."""
    acc = None
    for g, t in terms:
        if isinstance(t, SymbolicZero):
            continue
        v = g * t
        acc = v if acc is None else acc + v
    if acc is None:
        return jnp.zeros(jnp.shape(out), jnp.result_type(out))
    return jnp.broadcast_to(acc, jnp.shape(out)).astype(jnp.result_type(out))


def _rule(fn, partials):
    """custom_jvp of fn(*xs) whose derivative w.r.t. xs[i] is partials(out, *xs)[i]."""
    f = jax.custom_jvp(fn)

    def jvp(primals, tangents):
        out = fn(*primals)
        return out, _lin(out, *zip(partials(out, *primals), tangents))
    f.defjvp(jvp, symbolic_zeros=True)
    return f


# torch: abs'(x) = sgn(x), so 0 at 0 (JAX: 1).
abs_ = _rule(jnp.abs, lambda out, x: (jnp.sign(x),))


# torch: fmax/fmin route the whole gradient to `input` on ties (and when other is NaN); the
# value on ties is also `input` (so fmax(-0., 0.) is -0.).
def fmax(a, b):
    """torch.fmax with torch's tie rule (a wins)."""
    return jnp.where((a >= b) | jnp.isnan(b), a, b)


def fmin(a, b):
    """torch.fmin with torch's tie rule (a wins)."""
    return jnp.where((a <= b) | jnp.isnan(b), a, b)


def _pow_partials(out, a, b):
    # torch pow_backward_self / pow_backward_exponent
    ga = jnp.where(b == 0, jnp.zeros((), out.dtype), b * jnp.power(a, b - 1))
    gb = jnp.where((a == 0) & (b >= 0), jnp.zeros((), out.dtype), out * jnp.log(a))
    return ga, gb


pow_ = _rule(jnp.power, _pow_partials)


def _atan2_partials(out, a, b):
    d = a * a + b * b
    r = jnp.where(d == 0, jnp.zeros((), d.dtype), 1 / d)
    return b * r, -a * r


atan2 = _rule(jnp.arctan2, _atan2_partials)
hypot = _rule(jnp.hypot, lambda out, a, b: (a / out, b / out))
copysign = _rule(jnp.copysign, lambda out, a, b: (
    jnp.where(a == 0, jnp.zeros((), out.dtype), out / a), jnp.zeros((), out.dtype)))
xlogy = _rule(jss.xlogy, lambda out, x, y: (
    jnp.where((x == 0) & (y <= 0), jnp.zeros((), out.dtype), jnp.log(y)), x / y))


def _digamma(x):
    # NOTE: torch: digamma(+-0) = -+inf (JAX gives NaN).
    return jnp.where(x == 0, jnp.copysign(jnp.inf, -x).astype(x.dtype), jss.digamma(x))


def _hurwitz_zeta(s, q):
    """torch's zeta(s, q) (Cephes): also for negative non-integer q, via
    zeta(s, q) = sum_{i<k} (q + i)**-s + zeta(s, q + k) (JAX's zeta assumes q > 0)."""
    k = jnp.where(q < 0, jnp.ceil(-q), 0)
    kmax = jnp.max(k) if k.size else jnp.zeros((), k.dtype)

    def body(state):
        i, acc = state
        live = i < k
        t = jnp.where(live, q + i, 1)
        return i + 1, acc + jnp.where(live, t ** -s, 0)
    _, acc = jax.lax.while_loop(lambda st: st[0] < kmax, body,
                                (jnp.zeros((), q.dtype), jnp.zeros(jnp.broadcast_shapes(
                                    jnp.shape(s), jnp.shape(q)), q.dtype)))
    z = acc + jss.zeta(s, q + k)
    neg_int = (q <= 0) & (q == jnp.floor(q))
    z = jnp.where(neg_int, jnp.inf, z)
    z = jnp.where((q < 0) & (s != jnp.floor(s)), jnp.nan, z)
    z = jnp.where(s == 1, jnp.inf, z)
    return jnp.where(s < 1, jnp.nan, z).astype(q.dtype)


# NOTE: the while_loop above has no reverse-mode derivative; the rules give it torch's:
# d/dq zeta(s, q) = -s zeta(s + 1, q) (torch does not differentiate w.r.t. s: NaN here).
hurwitz_zeta = _rule(_hurwitz_zeta, lambda out, s, q: (
    jnp.full(jnp.shape(out), jnp.nan, out.dtype), -s * _hurwitz_zeta(s + 1, q)))


def _polygamma_raw(n, x):
    fact = math.factorial(n)
    sign = -1.0 if n % 2 == 0 else 1.0
    return (sign * fact * _hurwitz_zeta(jnp.asarray(n + 1, x.dtype), x)).astype(x.dtype)


@functools.lru_cache(maxsize=None)
def _polygamma_n(n):
    return _rule(functools.partial(_polygamma_raw, n), lambda out, x: (_polygamma_n(n + 1)(x),))


def polygamma(n, x):
    """torch's polygamma(n, x) for n >= 1 (negative x included): (-1)**(n+1) n! zeta(n+1, x),
    with derivative polygamma(n + 1, x)."""
    return _polygamma_n(n)(x)


digamma = _rule(_digamma, lambda out, x: (polygamma(1, x),))
lgamma = _rule(jss.gammaln, lambda out, x: (_digamma(x),))
# NOTE: d/dx i0 = i1 (JAX's i0 = exp(|x|) * i0e(x) differentiates through abs: 1 at 0).
i0 = _rule(jss.i0, lambda out, x: (jss.i1(x),))


def logit(eps, x):
    """torch.logit with torch's derivative (NaN outside [0, 1], 0 outside [eps, 1 - eps])."""
    def fn(x):
        if eps is not None:
            x = jnp.clip(x, eps, 1 - eps)
        return jnp.log(x / (1 - x))

    def partials(out, x):
        g = 1 / (x * (1 - x))
        if eps is None:
            return (jnp.where((x < 0) | (x > 1), jnp.nan, g).astype(out.dtype),)
        return (jnp.where((x < eps) | (x > 1 - eps), 0, g).astype(out.dtype),)
    return _rule(fn, partials)(x)
